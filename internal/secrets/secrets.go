// Package secrets encrypts credentials at rest: AES-256-GCM with a key from
// CHANCERY_SECRET_KEY or a key file, the key's ID kept with each ciphertext
// so that keys can be rotated, and the channel ID bound in as associated data
// so that a ciphertext copied onto another channel does not open.
//
// It also implements social.Credentials over a store of ciphertexts. It must
// not import the store, HTTP handlers or any network connector.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// KeySize is the length of an AES-256 key.
const KeySize = 32

// version is the first byte of every ciphertext this package writes.
const version = 1

// ErrUnknownKey means a ciphertext was sealed with a key the Box does not
// hold (a rotated-out key not listed as previous).
var ErrUnknownKey = errors.New("secrets: ciphertext sealed with an unknown key")

// ErrCorrupt means a ciphertext does not open: altered, truncated, or bound
// to another channel.
var ErrCorrupt = errors.New("secrets: ciphertext does not open (altered or bound to another channel)")

// Box seals and opens secrets. It is safe for concurrent use.
type Box struct {
	primary string
	aeads   map[string]cipher.AEAD
}

// KeyID returns the identifier stored with ciphertexts sealed by key: the
// first 8 bytes of its SHA-256, in hex. It reveals nothing useful about the
// key.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("chancery secret key id\x00"), key...))
	return hex.EncodeToString(sum[:8])
}

// NewBox returns a Box that seals with primary and opens what primary or any
// of previous sealed. Every key is KeySize bytes.
func NewBox(primary []byte, previous ...[]byte) (*Box, error) {
	b := &Box{aeads: map[string]cipher.AEAD{}}
	for i, k := range append([][]byte{primary}, previous...) {
		if len(k) != KeySize {
			return nil, fmt.Errorf("secrets: key %d is %d bytes, want %d", i, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		id := KeyID(k)
		if i == 0 {
			b.primary = id
		}
		b.aeads[id] = aead
	}
	return b, nil
}

// PrimaryKeyID is the ID of the key Seal uses. A stored ciphertext whose key
// ID differs is due for re-encryption.
func (b *Box) PrimaryKeyID() string { return b.primary }

// associated binds a ciphertext to its channel and key.
func associated(channelID int64, keyID string) []byte {
	return []byte("chancery channel credentials\x00" + strconv.FormatInt(channelID, 10) + "\x00" + keyID)
}

// Seal encrypts plaintext for channelID. The result is
// version | len(keyID) | keyID | nonce | ciphertext+tag.
func (b *Box) Seal(channelID int64, plaintext []byte) ([]byte, error) {
	return b.seal(plaintext, func(keyID string) []byte { return associated(channelID, keyID) })
}

// Open decrypts what Seal returned for the same channelID.
func (b *Box) Open(channelID int64, sealed []byte) ([]byte, error) {
	return b.open(sealed, func(keyID string) []byte { return associated(channelID, keyID) })
}

// namedAssociated binds a ciphertext to the name of the secret it holds.
func namedAssociated(name, keyID string) []byte {
	return []byte("chancery named secret\x00" + name + "\x00" + keyID)
}

// SealNamed encrypts a secret that belongs to no channel (the conference
// join-token key), bound to its name so that it cannot be passed off as
// another secret.
func (b *Box) SealNamed(name string, plaintext []byte) ([]byte, error) {
	return b.seal(plaintext, func(keyID string) []byte { return namedAssociated(name, keyID) })
}

// OpenNamed decrypts what SealNamed returned for the same name.
func (b *Box) OpenNamed(name string, sealed []byte) ([]byte, error) {
	return b.open(sealed, func(keyID string) []byte { return namedAssociated(name, keyID) })
}

func (b *Box) seal(plaintext []byte, ad func(keyID string) []byte) ([]byte, error) {
	aead := b.aeads[b.primary]
	out := make([]byte, 0, 2+len(b.primary)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out = append(out, version, byte(len(b.primary)))
	out = append(out, b.primary...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secrets: nonce: %w", err)
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, ad(b.primary)), nil
}

func (b *Box) open(sealed []byte, ad func(keyID string) []byte) ([]byte, error) {
	keyID, err := SealedKeyID(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := b.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w (key %s)", ErrUnknownKey, keyID)
	}
	rest := sealed[2+len(keyID):]
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	pt, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], ad(keyID))
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

// SealedKeyID returns the ID of the key that sealed a ciphertext.
func SealedKeyID(sealed []byte) (string, error) {
	if len(sealed) < 2 || sealed[0] != version || len(sealed) < 2+int(sealed[1]) {
		return "", ErrCorrupt
	}
	return string(sealed[2 : 2+int(sealed[1])]), nil
}

// ParseKey decodes a base64 key (standard or URL alphabet, padded or not) of
// KeySize bytes. Surrounding spaces are ignored.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("secrets: the key is %d bytes, want %d (generate one with: head -c 32 /dev/urandom | base64)", len(k), KeySize)
			}
			return k, nil
		}
	}
	return nil, errors.New("secrets: the key is not base64 (generate one with: head -c 32 /dev/urandom | base64)")
}

// LoadKeyFile reads a base64 key from path. When the file does not exist and
// create is true, it writes a new random key there with mode 0600 (the
// embedded setup's first run); the directory is created with mode 0700.
// A key file readable by group or others is refused.
func LoadKeyFile(path string, create bool) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		return createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: read key file: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secrets: key file %s is readable by others (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return k, nil
}

func createKeyFile(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secrets: create key directory: %w", err)
	}
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("secrets: generate key: %w", err)
	}
	// O_EXCL: two processes racing on first run must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadKeyFile(path, false)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: create key file: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("secrets: write key file: %w", err)
	}
	return k, nil
}

// Config says where the keys come from (internal/config's Secrets section,
// passed down by main).
type Config struct {
	// Key is the base64 primary key (CHANCERY_SECRET_KEY). It wins over
	// KeyFile.
	Key string
	// KeyFile holds the base64 primary key when Key is empty.
	KeyFile string
	// Generate creates KeyFile with a new key when it is missing: the
	// embedded (single-instance) setup. Several instances on PostgreSQL
	// must share one key, so there it is off.
	Generate bool
	// Previous are base64 keys that only open older ciphertexts, during a
	// rotation.
	Previous []string
}

// Open builds the Box that c describes.
func Open(c Config) (*Box, error) {
	var primary []byte
	var err error
	switch {
	case c.Key != "":
		primary, err = ParseKey(c.Key)
	case c.KeyFile != "":
		primary, err = LoadKeyFile(c.KeyFile, c.Generate)
	default:
		err = errors.New("secrets: no key: set CHANCERY_SECRET_KEY or a key file")
	}
	if err != nil {
		return nil, err
	}
	var prev [][]byte
	for i, p := range c.Previous {
		k, err := ParseKey(p)
		if err != nil {
			return nil, fmt.Errorf("previous key %d: %w", i+1, err)
		}
		prev = append(prev, k)
	}
	return NewBox(primary, prev...)
}
