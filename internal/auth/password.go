package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters (RFC 9106). They are stored
// in every hash, so raising them later still verifies old hashes.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 follows RFC 9106's second recommended option (64 MiB, three
// passes), with parallelism sized for a small server.
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 3, Threads: 2}

// ErrBadHash reports a stored hash that is not an argon2id PHC string.
var ErrBadHash = errors.New("auth: malformed password hash")

const (
	saltLen = 16
	keyLen  = 32
)

// HashPassword returns the argon2id hash of pw as a PHC string:
// $argon2id$v=19$m=65536,t=3,p=2$salt$hash.
func HashPassword(pw string, p Argon2Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// unusableHash returns a PHC string with the parameters p, a random salt
// and a random key: verifying any password against it costs exactly what
// verifying against a real hash of those parameters costs, and never
// succeeds (no password is known to give that key). It costs nothing to
// make, so that a Service can equalise the time of sign-ins for unknown
// users without hashing, and holding 64 MiB, when it starts.
func unusableHash(p Argon2Params) (string, error) {
	b := make([]byte, saltLen+keyLen)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: dummy hash: %w", err)
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(b[:saltLen]), b64.EncodeToString(b[saltLen:])), nil
}

// VerifyPassword reports whether pw matches the PHC hash, in constant time.
func VerifyPassword(pw, hash string) (bool, error) {
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

func parseHash(h string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, ErrBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, ErrBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, ErrBadHash
	}
	if p.Memory < 8 || p.Memory > 4<<20 || p.Time < 1 || p.Time > 100 || p.Threads < 1 {
		return p, nil, nil, ErrBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, ErrBadHash
	}
	return p, salt, key, nil
}

// GeneratePassword returns a random password of 26 base32 characters
// (128 bits), easy to copy and free of look-alike symbols.
func GeneratePassword() string { return rand.Text() }

// RandomSecret returns n random bytes as URL-safe base64 text, for session
// and token secrets.
func RandomSecret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}
