package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Key is the ministry's Ed25519 signing key.
type Key struct {
	priv ed25519.PrivateKey
}

// GenerateKey returns a new random key.
func GenerateKey() (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("signing: generate key: %w", err)
	}
	return &Key{priv: priv}, nil
}

// LoadKey reads a PKCS#8 PEM private key ("BEGIN PRIVATE KEY"), the format
// `openssl genpkey -algorithm ed25519` writes. It refuses a file that group
// or others may read, as ssh does: the key must stay the ministry's.
func LoadKey(path string) (*Key, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("signing: key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("signing: key file %s is readable by others (mode %04o): chmod 600 it", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing: key file: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("signing: key file %s holds no PEM \"PRIVATE KEY\" block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing: key file %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing: key file %s holds a %T, not an Ed25519 key", path, k)
	}
	return &Key{priv: priv}, nil
}

// LoadOrCreateKey loads the key at path, or, when the file does not exist,
// generates one and writes it there with mode 0600 (its directory 0700).
// created reports the second case. Two processes starting at once end up
// with the same key.
func LoadOrCreateKey(path string) (k *Key, created bool, err error) {
	k, err = LoadKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	k, err = GenerateKey()
	if err != nil {
		return nil, false, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return nil, false, fmt.Errorf("signing: encode key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("signing: key directory: %w", err)
	}
	// Write a temporary file, then hard-link it into place: the link is
	// atomic and fails when the name exists, so a second process starting
	// at the same moment never reads a half-written key; it loads the
	// winner's instead.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".signing-key-*")
	if err != nil {
		return nil, false, fmt.Errorf("signing: create key file: %w", err)
	}
	// After the rename the name is gone and Remove fails, as it should.
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return nil, false, fmt.Errorf("signing: create key file: %w", err)
	}
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		_ = tmp.Close()
		return nil, false, fmt.Errorf("signing: write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return nil, false, fmt.Errorf("signing: write key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, false, fmt.Errorf("signing: write key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		k, err = LoadKey(path)
		return k, false, err
	} else if err != nil {
		return nil, false, fmt.Errorf("signing: create key file: %w", err)
	}
	return k, true, nil
}

// Public returns the public key.
func (k *Key) Public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// Sign returns st with the signature of its canonical form.
func (k *Key) Sign(st Statement) (Signed, error) {
	c, err := Canonical(st)
	if err != nil {
		return Signed{}, err
	}
	return Signed{Statement: st, Signature: ed25519.Sign(k.priv, c)}, nil
}

// Verify reports whether sig is pub's signature of st's canonical form.
func Verify(pub ed25519.PublicKey, st Statement, sig []byte) bool {
	c, err := Canonical(st)
	if err != nil || len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, c, sig)
}

// KeyID names a public key: the first 16 hex digits of the SHA-256 of its 32
// raw bytes. It lets a reader tell a rotated key from the current one.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// PublicPEM returns the public key as a PEM "PUBLIC KEY" block
// (SubjectPublicKeyInfo), the form openssl's -pubin reads.
func PublicPEM(pub ed25519.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err) // an ed25519.PublicKey always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// JWK is the public key as a JSON Web Key (RFC 8037 §2).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// PublicJWK returns the public key as a JWK.
func PublicJWK(pub ed25519.PublicKey) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), Kid: KeyID(pub), Alg: "EdDSA", Use: "sig"}
}
