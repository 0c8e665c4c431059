// Package fieldcrypt encrypts the patient data that stores keep (names,
// birth dates, health numbers, phones, emails) so that a copy of the
// database, a dump or a read-only intrusion yields nothing readable.
//
// A value is sealed with AES-256-GCM under a data key and kept as text:
// the key's ID, a colon, then the base64 of a random nonce and the
// ciphertext ("k2:…"). The ID travels with the value, so several keys can
// be loaded at once: the newest (highest number) seals, any of them opens.
// That is what lets keys rotate while servers run: a new key is added and
// the servers restarted, new writes take it, and a rotation re-seals the
// older rows in batches at its own pace.
//
// A sealed value cannot be compared in SQL: every sealing draws a new
// nonce. Where the code looks a row up by equality (a health number, the
// email or phone a patient signs in with) or needs a unique constraint,
// the store keeps a blind index beside the sealed value: an HMAC-SHA-256,
// under a key of its own, of the normalised value and the kind of value
// it is. Equal values give equal indexes; an index alone cannot be turned
// back into its value without the key, and guessing a health number needs
// the key too.
//
// The empty string stays empty, so that "no phone" keeps meaning the same
// in queries and indexes. A value without a key ID is one written before
// encryption: Open returns it as it is, and a rotation seals it.
//
// Tables lists, once for both stores, every column they seal and every
// index they compute: what a rotation rewrites. A column kept only to be
// looked up by (a sign-in code's destination) keeps its index alone
// under keys (Keys.Keep).
package fieldcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// IndexKeyName names the blind index's key in a key set's text.
const IndexKeyName = "index"

// keySize is AES-256's key size, and the size of the index's HMAC key.
const keySize = 32

var b64 = base64.RawStdEncoding

// Keys is a loaded key set: the data keys by ID and the blind index's
// key. A nil *Keys seals nothing: values are kept as given and indexes
// are the normalised values themselves. Tests open stores that way; rdv
// serve without keys warns that patient data is kept in clear, and refuses
// to start on a database that holds sealed values (Verify).
type Keys struct {
	newest  int
	aead    map[int]cipher.AEAD
	indexer []byte
}

// Parse reads a key set from its text: entries "NAME=BASE64" separated by
// new lines, spaces or commas, where NAME is "index" or "k" followed by a
// number, and BASE64 encodes 32 random bytes. Lines starting with "#" are
// comments. One index key and at least one data key are required.
func Parse(text string) (*Keys, error) {
	k := &Keys{aead: map[int]cipher.AEAD{}}
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		lines = append(lines, line)
	}
	entries := strings.FieldsFunc(strings.Join(lines, " "), func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == ','
	})
	for _, e := range entries {
		name, value, ok := strings.Cut(e, "=")
		if !ok {
			return nil, fmt.Errorf("keys: %q: want NAME=BASE64", redact(e))
		}
		raw, err := decodeKey(value)
		if err != nil {
			return nil, fmt.Errorf("keys: %s: %w", name, err)
		}
		if name == IndexKeyName {
			if k.indexer != nil {
				return nil, errors.New("keys: two index keys")
			}
			k.indexer = raw
			continue
		}
		id, err := parseID(name)
		if err != nil {
			return nil, err
		}
		if _, dup := k.aead[id]; dup {
			return nil, fmt.Errorf("keys: two keys named %s", name)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("keys: %s: %w", name, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("keys: %s: %w", name, err)
		}
		k.aead[id] = aead
		k.newest = max(k.newest, id)
	}
	switch {
	case k.indexer == nil:
		return nil, errors.New("keys: no index key (index=BASE64)")
	case len(k.aead) == 0:
		return nil, errors.New("keys: no data key (k1=BASE64)")
	}
	return k, nil
}

// redact keeps a key's bytes out of an error message.
func redact(entry string) string {
	if len(entry) > 8 {
		return entry[:4] + "…"
	}
	return entry
}

func decodeKey(value string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		raw, err = b64.DecodeString(value)
	}
	if err != nil {
		return nil, errors.New("not base64")
	}
	if len(raw) != keySize {
		return nil, fmt.Errorf("%d bytes, want %d", len(raw), keySize)
	}
	return raw, nil
}

// parseID reads a data key's name, "k" and a positive number.
func parseID(name string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(name, "k"))
	if !strings.HasPrefix(name, "k") || err != nil || n < 1 || "k"+strconv.Itoa(n) != name {
		return 0, fmt.Errorf("keys: %q: a data key is named k1, k2, …", name)
	}
	return n, nil
}

// Generate returns the text of a new key set: an index key and data key
// k1, from crypto/rand.
func Generate() string {
	return "# rdv data keys: the highest kN seals, every kN opens; index keys the blind indexes.\n" +
		IndexKeyName + "=" + newKey() + "\n" + "k1=" + newKey() + "\n"
}

// NextKey returns the line that adds a data key after k's newest.
func (k *Keys) NextKey() string {
	return "k" + strconv.Itoa(k.newest+1) + "=" + newKey() + "\n"
}

func newKey() string {
	raw := make([]byte, keySize)
	rand.Read(raw) // never fails (crypto/rand, Go 1.24+)
	return base64.StdEncoding.EncodeToString(raw)
}

// CurrentID is the ID of the key that seals, "k2"; "" for nil keys.
func (k *Keys) CurrentID() string {
	if k == nil {
		return ""
	}
	return "k" + strconv.Itoa(k.newest)
}

// IDs lists the loaded data keys' IDs, oldest first.
func (k *Keys) IDs() []string {
	if k == nil {
		return nil
	}
	ids := make([]int, 0, len(k.aead))
	for id := range k.aead {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "k" + strconv.Itoa(id)
	}
	return out
}

// Seal encrypts plain under the newest key. The empty string, and any
// value when k is nil, is returned as it is.
func (k *Keys) Seal(plain string) string {
	if k == nil || plain == "" {
		return plain
	}
	return k.sealWith(k.newest, plain)
}

func (k *Keys) sealWith(id int, plain string) string {
	aead := k.aead[id]
	buf := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	rand.Read(buf) // never fails (crypto/rand, Go 1.24+)
	buf = aead.Seal(buf, buf, []byte(plain), nil)
	return "k" + strconv.Itoa(id) + ":" + b64.EncodeToString(buf)
}

// SealedWith returns the key ID a stored value was sealed with ("k2"),
// or "" for a value kept in clear.
func SealedWith(stored string) string {
	id, _, ok := splitSealed(stored)
	if !ok {
		return ""
	}
	return "k" + strconv.Itoa(id)
}

// splitSealed splits "kN:BASE64" into N and the base64; ok is false for
// any other text, a value written in clear.
func splitSealed(stored string) (id int, body string, ok bool) {
	name, body, found := strings.Cut(stored, ":")
	if !found || len(name) < 2 || len(name) > 10 || name[0] != 'k' {
		return 0, "", false
	}
	n, err := strconv.Atoi(name[1:])
	if err != nil || n < 1 || "k"+strconv.Itoa(n) != name {
		return 0, "", false
	}
	return n, body, true
}

// Open returns the plain value of stored: decrypted under the key its ID
// names, or as it is when it was kept in clear. It fails when the key is
// not loaded or the value does not open under it (another key with the
// same ID, or a changed value).
func (k *Keys) Open(stored string) (string, error) {
	id, body, ok := splitSealed(stored)
	if !ok {
		return stored, nil
	}
	if k == nil {
		return "", fmt.Errorf("fieldcrypt: a value sealed with key k%d, and no keys loaded", id)
	}
	aead, ok := k.aead[id]
	if !ok {
		return "", k.notLoaded(id)
	}
	raw, err := b64.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", fmt.Errorf("fieldcrypt: a value sealed with key k%d is damaged", id)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("fieldcrypt: a value does not open under key k%d: a wrong key, or a changed value", id)
	}
	return string(plain), nil
}

// notLoaded says why a value sealed with key id does not open here, and
// what the operator does about it. A newer key than this process's
// newest was added to the key file after it started, and another
// instance, restarted with the file, sealed with it: a server keeps the
// keys it started with, so this one must be restarted too. An older key
// was taken out of the file before a rotation had resealed everything
// it sealed.
func (k *Keys) notLoaded(id int) error {
	loaded := strings.Join(k.IDs(), ", ")
	if id > k.newest {
		return fmt.Errorf("fieldcrypt: a value sealed with key k%d, newer than the keys this process started with (%s): "+
			"another instance runs with a key added since; restart this one with the key file (--keys or RDV_KEYS) that holds k%d", id, loaded, id)
	}
	return fmt.Errorf("fieldcrypt: a value sealed with key k%d, which is not loaded (loaded: %s): "+
		"put k%d back in the key file until rdv keys rotate says 0 left", id, loaded, id)
}

// Current reports whether stored needs no rotation: empty, or sealed with
// the newest key. A nil k keeps everything as it is.
func (k *Keys) Current(stored string) bool {
	if k == nil || stored == "" {
		return true
	}
	id, _, ok := splitSealed(stored)
	return ok && id == k.newest
}

// Kinds of value a blind index is computed for: the same text is indexed
// differently as a health number and as an email, so that indexes of two
// kinds never match each other.
const (
	KindHealthNumber = "health_number"
	KindEmail        = "email"
	KindPhone        = "phone"
)

// DestinationKind is the kind of a message's destination on a channel,
// as package rdv names channels: a phone for "sms", an email otherwise. A
// destination's index is then the index its owner's contact has in the
// accounts' and appointments' tables.
func DestinationKind(channel string) string {
	if channel == "sms" {
		return KindPhone
	}
	return KindEmail
}

// Keep is what a column that serves only to compute a blind index keeps
// of plain: nothing under keys, where the index alone finds the row; the
// value itself without keys, like any value written before encryption,
// so that the first start with keys computes its keyed index and then
// empties the column.
func (k *Keys) Keep(plain string) string {
	if k != nil {
		return ""
	}
	return plain
}

// Index returns the blind index of value as a kind: the base64 of an
// HMAC-SHA-256 of the normalised value (spaces trimmed, lower case, and
// for a health number every space removed). The empty value's index is
// empty. With nil keys, the index is the normalised value itself.
func (k *Keys) Index(kind, value string) string {
	v := Normalize(kind, value)
	if v == "" {
		return ""
	}
	if k == nil {
		return v
	}
	mac := hmac.New(sha256.New, k.indexer)
	mac.Write([]byte(kind))
	mac.Write([]byte{0})
	mac.Write([]byte(v))
	return b64.EncodeToString(mac.Sum(nil))
}

// Normalize is the form of value that Index keys: trimmed, lower case,
// and without inner spaces for a health number.
func Normalize(kind, value string) string {
	v := strings.ToLower(strings.TrimSpace(value))
	if kind == KindHealthNumber {
		v = strings.ReplaceAll(v, " ", "")
	}
	return v
}
