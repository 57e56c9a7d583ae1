package totp

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"net/url"
	"testing"
	"time"
)

// TestRFC6238Vectors checks the test vectors of RFC 6238 appendix B, for
// the three hashes, with the keys the RFC uses (the ASCII digits repeated
// to the hash's size) and 8 digits.
func TestRFC6238Vectors(t *testing.T) {
	keys := map[string][]byte{
		"SHA1":   []byte("12345678901234567890"),
		"SHA256": []byte("12345678901234567890123456789012"),
		"SHA512": []byte("1234567890123456789012345678901234567890123456789012345678901234"),
	}
	hashes := map[string]func() hash.Hash{"SHA1": sha1.New, "SHA256": sha256.New, "SHA512": sha512.New}
	for _, tc := range []struct {
		unix int64
		alg  string
		want string
	}{
		{59, "SHA1", "94287082"}, {59, "SHA256", "46119246"}, {59, "SHA512", "90693936"},
		{1111111109, "SHA1", "07081804"}, {1111111109, "SHA256", "68084774"}, {1111111109, "SHA512", "25091201"},
		{1111111111, "SHA1", "14050471"}, {1111111111, "SHA256", "67062674"}, {1111111111, "SHA512", "99943326"},
		{1234567890, "SHA1", "89005924"}, {1234567890, "SHA256", "91819424"}, {1234567890, "SHA512", "93441116"},
		{2000000000, "SHA1", "69279037"}, {2000000000, "SHA256", "90698825"}, {2000000000, "SHA512", "38618901"},
		{20000000000, "SHA1", "65353130"}, {20000000000, "SHA256", "77737706"}, {20000000000, "SHA512", "47863826"},
	} {
		step := Step(time.Unix(tc.unix, 0))
		if got := HOTP(hashes[tc.alg], keys[tc.alg], uint64(step), 8); got != tc.want {
			t.Errorf("%s at %d: %s, want %s", tc.alg, tc.unix, got, tc.want)
		}
		// The 6-digit code apps show is the same value's last six digits.
		if tc.alg == "SHA1" {
			if got := Code(keys["SHA1"], step); got != tc.want[2:] {
				t.Errorf("6-digit code at %d: %s, want %s", tc.unix, got, tc.want[2:])
			}
		}
	}
}

// TestRFC4226Vectors checks HOTP against RFC 4226 appendix D.
func TestRFC4226Vectors(t *testing.T) {
	key := []byte("12345678901234567890")
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := HOTP(sha1.New, key, uint64(i), 6); got != w {
			t.Errorf("counter %d: %s, want %s", i, got, w)
		}
	}
}

// TestMatchAcceptsOneStepOfDrift accepts the codes of the previous, the
// current and the next step, and refuses two steps away either side.
func TestMatchAcceptsOneStepOfDrift(t *testing.T) {
	secret := NewSecret()
	now := time.Date(2026, 3, 14, 8, 30, 5, 0, time.UTC)
	cur := Step(now)
	for d := int64(-3); d <= 3; d++ {
		step, ok := Match(secret, Code(secret, cur+d), now)
		wantOK := d >= -1 && d <= 1
		if ok != wantOK {
			t.Errorf("code %+d steps away: accepted %v, want %v", d, ok, wantOK)
		}
		if ok && step != cur+d {
			t.Errorf("code %+d steps away matched step %d, want %d", d, step, cur+d)
		}
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef", "12345678"} {
		if _, ok := Match(secret, bad, now); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	// Spaces and hyphens people type are ignored.
	c := Code(secret, cur)
	if _, ok := Match(secret, c[:3]+" "+c[3:], now); !ok {
		t.Error("a code typed with a space is refused")
	}
}

// TestURI checks the address apps scan: issuer in the label and the
// parameters, the base32 secret without padding, the explicit defaults.
func TestURI(t *testing.T) {
	secret := []byte("12345678901234567890")
	u, err := url.Parse(URI("Chancery", "tran.binh", secret))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Chancery:tran.binh" {
		t.Errorf("URI %s", u)
	}
	if q.Get("secret") != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" || q.Get("issuer") != "Chancery" ||
		q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("URI parameters %v", q)
	}
	if len(NewSecret()) != SecretSize {
		t.Error("secret size")
	}
}
