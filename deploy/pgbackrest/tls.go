package pgbackrest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net"
	"path/filepath"
	"time"
)

// certificate is a key pair signed by the rig's authority.
type certificate struct{ cert, key []byte }

// writeCertificates makes a certificate authority and, signed by it, a
// server and a client certificate for each host: the servers named for
// the loopback address, the clients by the names the other side's
// tls-server-auth lets in (pgbackrest-db, pgbackrest-repo). Each host
// gets the authority's certificate and its own keys only.
func (r *Rig) writeCertificates() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "rdv pgBackRest test authority"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	issue := func(name string, usage x509.ExtKeyUsage) (certificate, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return certificate{}, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: serial(), Subject: pkix.Name{CommonName: name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		if usage == x509.ExtKeyUsageServerAuth {
			// pgBackRest matches the host it dials against the names
			// only, an address included.
			tmpl.DNSNames, tmpl.IPAddresses = []string{"127.0.0.1", "localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return certificate{}, err
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return certificate{}, err
		}
		return certificate{
			cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			key:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		}, nil
	}
	for _, host := range []struct {
		dir, prefix, client string
		u                   osUser
	}{
		{r.path("db/tls"), "db", "pgbackrest-db", r.pg},
		{r.path("repo/tls"), "repo", "pgbackrest-repo", r.repo},
	} {
		server, err := issue("localhost", x509.ExtKeyUsageServerAuth)
		if err != nil {
			return err
		}
		client, err := issue(host.client, x509.ExtKeyUsageClientAuth)
		if err != nil {
			return err
		}
		files := map[string][]byte{
			"ca.crt":                    caPEM,
			host.prefix + "-server.crt": server.cert, host.prefix + "-server.key": server.key,
			host.prefix + "-client.crt": client.cert, host.prefix + "-client.key": client.key,
		}
		for name, b := range files {
			if err := writeFile(filepath.Join(host.dir, name), string(b), host.u); err != nil {
				return err
			}
		}
	}
	return nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
