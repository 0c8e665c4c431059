// Package replay seals the answers that stores keep for idempotent writes
// (invariant 3) so that only a retry holding the Idempotency-Key can read
// them.
//
// A store keeps a write's first answer for a day, to give it back to a
// retry. That answer carries what the write returned: a patient's name and
// health number, the plaintext cancel token. Kept as it is, a copy of the
// table (a backup, a dump, a read-only intrusion) would hand out what the
// rest of the schema protects, such as the token that appointments keep
// only as a hash. So a store never keeps the Idempotency-Key nor the
// answer in the clear; from the key alone this package derives, with
// HKDF-SHA-256 and the write's scope as context:
//
//   - the row's name (ID), under which the store files the key: without
//     the key, a row does not say which key it answers;
//   - a check of the request body (BodyCheck): an HMAC of the body's hash,
//     so that the hash of a guessable body (a slot ID, a patient's name and
//     birth date) cannot be confirmed by brute force without the key;
//   - an AES-256-GCM key that seals the answer, with a random nonce kept
//     with the ciphertext and the row's name as associated data.
//
// The key is the secret: a client that sends a short or guessable key gets
// a replay that is as easy to guess. The pages of rdv send 128 random bits.
package replay

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"rdv"
)

// version is the first byte of a sealed answer, for a format that changes.
const version = 1

// salt separates these keys from any other use of the same secret.
var salt = []byte("rdv idempotency replay v1")

// Key is an idempotency key made ready for a store: the names and keys
// derived from it. The Idempotency-Key itself is not kept.
type Key struct {
	id        []byte
	bodyCheck []byte
	aead      cipher.AEAD
}

// New derives the row's name, the body check and the answer's cipher of
// k. Scope and key are both part of the derivation: the same key in
// another scope is another row that opens with another cipher.
func New(k *rdv.IdemKey) (*Key, error) {
	if k == nil {
		return nil, errors.New("replay: no idempotency key")
	}
	prk, err := hkdf.Extract(sha256.New, []byte(k.Key), salt)
	if err != nil {
		return nil, fmt.Errorf("replay: derive keys: %w", err)
	}
	expand := func(use string) ([]byte, error) {
		// The scope is a route pattern and never holds a NUL byte.
		return hkdf.Expand(sha256.New, prk, use+"\x00"+k.Scope, 32)
	}
	id, err := expand("row")
	if err != nil {
		return nil, fmt.Errorf("replay: derive row name: %w", err)
	}
	macKey, err := expand("body")
	if err != nil {
		return nil, fmt.Errorf("replay: derive body key: %w", err)
	}
	sealKey, err := expand("answer")
	if err != nil {
		return nil, fmt.Errorf("replay: derive answer key: %w", err)
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, fmt.Errorf("replay: answer cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("replay: answer cipher: %w", err)
	}
	mac := hmac.New(sha256.New, macKey)
	mac.Write([]byte(k.BodyHash))
	return &Key{id: id, bodyCheck: mac.Sum(nil), aead: aead}, nil
}

// ID names the key's row in a store: 32 bytes that only the key yields.
func (k *Key) ID() []byte { return k.id }

// BodyCheck is what a store keeps of the request body, to refuse the key
// with another body (EIDEMPOTENCY): 32 bytes.
func (k *Key) BodyCheck() []byte { return k.bodyCheck }

// SameBody reports whether stored, the body check kept with the key's row,
// is that of this request's body.
func (k *Key) SameBody(stored []byte) bool { return hmac.Equal(stored, k.bodyCheck) }

// Seal encodes answer as JSON and encrypts it for the key's row.
func (k *Key) Seal(answer any) ([]byte, error) {
	plain, err := json.Marshal(answer)
	if err != nil {
		return nil, fmt.Errorf("replay: encode answer: %w", err)
	}
	out := make([]byte, 1+k.aead.NonceSize(), 1+k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	out[0] = version
	rand.Read(out[1:]) // never fails (crypto/rand, Go 1.24+)
	// #nosec G407 -- the nonce is out[1:], filled from crypto/rand just above
	return k.aead.Seal(out, out[1:], plain, k.id), nil
}

// Open decrypts a sealed answer of the key's row into answer. It fails on
// an answer sealed under another key, or altered.
func (k *Key) Open(sealed []byte, answer any) error {
	n := k.aead.NonceSize()
	if len(sealed) < 1+n+k.aead.Overhead() || sealed[0] != version {
		return errors.New("replay: stored answer in an unknown format")
	}
	plain, err := k.aead.Open(nil, sealed[1:1+n], sealed[1+n:], k.id)
	if err != nil {
		return fmt.Errorf("replay: stored answer does not open under this key: %w", err)
	}
	if err := json.Unmarshal(plain, answer); err != nil {
		return fmt.Errorf("replay: decode answer: %w", err)
	}
	return nil
}
