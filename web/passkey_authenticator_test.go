package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"
)

// softKey is a software authenticator, as a browser's WebAuthn would
// drive a security key: one P-256 key pair (ES256), its credential ID, a
// signature count, and the origin the browser would write in the client
// data. Its answers are built by hand as the specification lays them
// out (client data JSON, authenticator data, a "none" attestation in
// CBOR, a COSE public key, an ASN.1 signature), so that the server's
// checks are tried against bytes no WebAuthn library made.
type softKey struct {
	t      *testing.T
	key    *ecdsa.PrivateKey
	id     []byte
	count  uint32
	rpID   string
	origin string
}

func newSoftKey(t *testing.T, rpID, origin string) *softKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &softKey{t: t, key: key, id: id, rpID: rpID, origin: origin}
}

var b64url = base64.RawURLEncoding

// options reads the challenge of a ceremony's options as the server sent
// them ({"publicKey": {...}}).
func (k *softKey) challenge(options string) string {
	k.t.Helper()
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			RPID      string `json:"rpId"`
			RP        struct {
				ID string `json:"id"`
			} `json:"rp"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal([]byte(options), &o); err != nil || o.PublicKey.Challenge == "" {
		k.t.Fatalf("options %s: %v", options, err)
	}
	if rp := o.PublicKey.RP.ID + o.PublicKey.RPID; rp != k.rpID {
		k.t.Fatalf("options for the relying party %q, want %q", rp, k.rpID)
	}
	return o.PublicKey.Challenge
}

func (k *softKey) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": k.origin, "crossOrigin": false})
	return b
}

// authData is the authenticator data: the RP ID's hash, the flags, the
// count, and the attested credential when given.
func (k *softKey) authData(flags byte, attested []byte) []byte {
	rp := sha256.Sum256([]byte(k.rpID))
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.count)
	return append(out, attested...)
}

// Authenticator data flags: user present, user verified, attested
// credential data included.
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

// create answers a registration's options: the credential as a
// browser's script posts it (see static/app.js).
func (k *softKey) create(options string) string {
	k.t.Helper()
	cdj := k.clientData("webauthn.create", k.challenge(options))
	pub, err := k.key.PublicKey.ECDH()
	if err != nil {
		k.t.Fatal(err)
	}
	xy := pub.Bytes()[1:] // uncompressed: 0x04, X, Y
	// COSE_Key: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
	cose := cborMap(5)
	cose = append(cose, cborUint(1)...)
	cose = append(cose, cborUint(2)...)
	cose = append(cose, cborUint(3)...)
	cose = append(cose, cborNeg(7)...)
	cose = append(cose, cborNeg(1)...)
	cose = append(cose, cborUint(1)...)
	cose = append(cose, cborNeg(2)...)
	cose = append(cose, cborBytes(xy[:32])...)
	cose = append(cose, cborNeg(3)...)
	cose = append(cose, cborBytes(xy[32:])...)
	attested := make([]byte, 16) // AAGUID: none
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(k.id)))
	attested = append(attested, k.id...)
	attested = append(attested, cose...)
	ad := k.authData(flagUP|flagUV|flagAT, attested)
	obj := cborMap(3)
	obj = append(obj, cborText("fmt")...)
	obj = append(obj, cborText("none")...)
	obj = append(obj, cborText("attStmt")...)
	obj = append(obj, cborMap(0)...)
	obj = append(obj, cborText("authData")...)
	obj = append(obj, cborBytes(ad)...)
	return k.credential(map[string]any{"clientDataJSON": b64url.EncodeToString(cdj), "attestationObject": b64url.EncodeToString(obj),
		"transports": []string{"usb"}})
}

// get answers a sign-in's options: the assertion, signed over the
// authenticator data and the client data's hash, the count one higher.
func (k *softKey) get(options string, userHandle []byte) string {
	k.t.Helper()
	cdj := k.clientData("webauthn.get", k.challenge(options))
	k.count++
	ad := k.authData(flagUP|flagUV, nil)
	sum := sha256.Sum256(cdj)
	digest := sha256.Sum256(append(append([]byte(nil), ad...), sum[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		k.t.Fatal(err)
	}
	return k.credential(map[string]any{"clientDataJSON": b64url.EncodeToString(cdj), "authenticatorData": b64url.EncodeToString(ad),
		"signature": b64url.EncodeToString(sig), "userHandle": b64url.EncodeToString(userHandle)})
}

func (k *softKey) credential(response map[string]any) string {
	b, err := json.Marshal(map[string]any{"id": b64url.EncodeToString(k.id), "rawId": b64url.EncodeToString(k.id),
		"type": "public-key", "response": response, "clientExtensionResults": map[string]any{}})
	if err != nil {
		k.t.Fatal(err)
	}
	return string(b)
}

// The few CBOR items (RFC 8949) an attestation object and a COSE key
// need.
func cborHead(major byte, n uint64) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n < 1<<8:
		return []byte{major<<5 | 24, byte(n)}
	default:
		return binary.BigEndian.AppendUint16([]byte{major<<5 | 25}, uint16(n))
	}
}
func cborUint(n uint64) []byte  { return cborHead(0, n) }
func cborNeg(n uint64) []byte   { return cborHead(1, n-1) } // -n
func cborBytes(b []byte) []byte { return append(cborHead(2, uint64(len(b))), b...) }
func cborText(s string) []byte  { return append(cborHead(3, uint64(len(s))), s...) }
func cborMap(n uint64) []byte   { return cborHead(5, n) }
