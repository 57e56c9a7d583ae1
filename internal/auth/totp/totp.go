// Package totp implements time-based one-time passwords as authenticator
// apps compute them: RFC 6238 (https://www.rfc-editor.org/rfc/rfc6238) over
// HOTP, RFC 4226 (https://www.rfc-editor.org/rfc/rfc4226), with HMAC-SHA-1,
// 30-second steps and 6 digits, and the otpauth:// URI they scan.
//
// It holds no state and reads no clock: callers pass the time, and keep
// the last step a user spent so that no code is accepted twice. It must
// not import any other Chancery package.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"time"
)

// Period is the length of one time step, Digits the length of a code: the
// values every authenticator app assumes when a URI names none.
const (
	Period = 30 * time.Second
	Digits = 6
	// SecretSize is the length of a generated secret: 160 bits, the size
	// of an HMAC-SHA-1 output, as RFC 4226 section 4 recommends.
	SecretSize = 20
)

// Skew is how many steps a code may be early or late and still count:
// one step either way, for a phone's clock that drifts and for the time
// a person takes to type.
const Skew = 1

// encoding is the base32 alphabet of otpauth:// secrets, without padding.
var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a random secret of SecretSize bytes.
func NewSecret() []byte {
	b := make([]byte, SecretSize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

// EncodeSecret is the base32 form a person types into an app.
func EncodeSecret(secret []byte) string { return encoding.EncodeToString(secret) }

// Step returns the time step t falls in (RFC 6238 section 4.2: T0 = 0).
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// HOTP returns the code of counter with key, digits long, per RFC 4226
// section 5.3, with newHash as the HMAC's hash (SHA-1 for apps; RFC 6238
// also defines SHA-256 and SHA-512).
func HOTP(newHash func() hash.Hash, key []byte, counter uint64, digits int) string {
	mac := hmac.New(newHash, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	// Dynamic truncation: the low nibble of the last byte picks where the
	// 31-bit value starts.
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// Code returns the 6-digit HMAC-SHA-1 code of secret at step.
func Code(secret []byte, step int64) string {
	return HOTP(sha1.New, secret, uint64(step), Digits)
}

// Match returns the step, within Skew of now's, whose code is code, and
// whether there is one. It compares in constant time. The caller must
// still refuse a step at or before the last one the user spent.
func Match(secret []byte, code string, now time.Time) (int64, bool) {
	code = Normalize(code)
	if len(code) != Digits {
		return 0, false
	}
	cur := Step(now)
	found, step := 0, int64(0)
	// Every candidate is computed and compared, so that the time taken
	// does not say which step matched.
	for d := int64(-Skew); d <= Skew; d++ {
		if subtle.ConstantTimeCompare([]byte(Code(secret, cur+d)), []byte(code)) == 1 && found == 0 {
			found, step = 1, cur+d
		}
	}
	return step, found == 1
}

// Normalize removes the spaces and hyphens people type or paste in a
// code ("123 456").
func Normalize(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, strings.TrimSpace(code))
}

// URI is the otpauth:// address an app scans, per the Key Uri Format that
// Google Authenticator defined and every app follows: the label is
// "issuer:account", and the parameters repeat the issuer and state the
// algorithm, digits and period explicitly.
func URI(issuer, account string, secret []byte) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{
		"secret": {EncodeSecret(secret)}, "issuer": {issuer},
		"algorithm": {"SHA1"}, "digits": {fmt.Sprint(Digits)}, "period": {fmt.Sprint(int(Period / time.Second))},
	}
	return "otpauth://totp/" + label + "?" + q.Encode()
}
