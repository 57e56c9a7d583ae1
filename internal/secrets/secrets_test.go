package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestBoxRoundTrip(t *testing.T) {
	box, err := NewBox(key(1))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte(`{"refresh_token":"r-123"}`)
	sealed, err := box.Seal(7, secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) || bytes.Contains(sealed, []byte("r-123")) {
		t.Fatal("the sealed bytes contain the plaintext")
	}
	again, _ := box.Seal(7, secret)
	if bytes.Equal(sealed, again) {
		t.Error("two seals of one secret are equal: the nonce is not random")
	}
	if id, _ := SealedKeyID(sealed); id != box.PrimaryKeyID() || id != KeyID(key(1)) {
		t.Errorf("key id %q, want %q", id, box.PrimaryKeyID())
	}
	got, err := box.Open(7, sealed)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestBoxRefuses(t *testing.T) {
	box, _ := NewBox(key(1))
	sealed, _ := box.Seal(7, []byte("secret"))
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	other, _ := NewBox(key(2))
	tests := []struct {
		name   string
		box    *Box
		ch     int64
		sealed []byte
		want   error
	}{
		{"another channel", box, 8, sealed, ErrCorrupt},
		{"altered", box, 7, tampered, ErrCorrupt},
		{"truncated", box, 7, sealed[:20], ErrCorrupt},
		{"empty", box, 7, nil, ErrCorrupt},
		{"unknown key", other, 7, sealed, ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.box.Open(tt.ch, tt.sealed); !errors.Is(err, tt.want) {
				t.Errorf("Open: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	old, _ := NewBox(key(1))
	sealed, _ := old.Seal(3, []byte("secret"))
	rotated, err := NewBox(key(2), key(1))
	if err != nil {
		t.Fatal(err)
	}
	got, err := rotated.Open(3, sealed)
	if err != nil || string(got) != "secret" {
		t.Fatalf("the rotated box does not open the old ciphertext: %q, %v", got, err)
	}
	resealed, _ := rotated.Seal(3, got)
	if id, _ := SealedKeyID(resealed); id != KeyID(key(2)) {
		t.Errorf("resealed with %s, want the new key", id)
	}
	if _, err := NewBox(key(1)[:16]); err == nil {
		t.Error("a 16-byte key is accepted")
	}
}

func TestParseKey(t *testing.T) {
	k := key(9)
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(k), " " + base64.RawURLEncoding.EncodeToString(k) + "\n",
	} {
		if got, err := ParseKey(s); err != nil || !bytes.Equal(got, k) {
			t.Errorf("ParseKey(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(k[:31])} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
}

func TestKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "secret.key")
	if _, err := LoadKeyFile(path, false); err == nil {
		t.Fatal("a missing key file is accepted without create")
	}
	k, err := LoadKeyFile(path, true)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	again, err := LoadKeyFile(path, true)
	if err != nil || !bytes.Equal(again, k) {
		t.Fatalf("the second run generated another key: %v", err)
	}
	box, err := Open(Config{KeyFile: path})
	if err != nil || box.PrimaryKeyID() != KeyID(k) {
		t.Fatalf("Open from the key file: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(path, false); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key file: %v", err)
	}
}

func TestOpenConfig(t *testing.T) {
	k2 := base64.StdEncoding.EncodeToString(key(2))
	box, err := Open(Config{Key: k2, KeyFile: "/nonexistent", Previous: []string{base64.StdEncoding.EncodeToString(key(1))}})
	if err != nil || box.PrimaryKeyID() != KeyID(key(2)) || len(box.aeads) != 2 {
		t.Fatalf("Open: %v", err)
	}
	if _, err := Open(Config{}); err == nil {
		t.Error("no key at all is accepted")
	}
	if _, err := Open(Config{Key: k2, Previous: []string{"x"}}); err == nil {
		t.Error("a bad previous key is accepted")
	}
}

func TestMergeJSON(t *testing.T) {
	tests := []struct {
		name, cur, fresh, want string
	}{
		{"reconnect without refresh token keeps it",
			`{"access_token":"a1","refresh_token":"r1","expiry":"2026-03-01T10:00:00Z"}`,
			`{"access_token":"a2","refresh_token":"","expiry":"2026-03-01T12:00:00Z"}`,
			`{"access_token":"a2","expiry":"2026-03-01T12:00:00Z","refresh_token":"r1"}`},
		{"absent member keeps it",
			`{"access_token":"a1","refresh_token":"r1"}`, `{"access_token":"a2"}`,
			`{"access_token":"a2","refresh_token":"r1"}`},
		{"new refresh token replaces it",
			`{"refresh_token":"r1"}`, `{"refresh_token":"r2"}`, `{"refresh_token":"r2"}`},
		{"first connect", ``, `{"token":"t"}`, `{"token":"t"}`},
		{"unreadable old secret", `garbage`, `{"token":"t"}`, `{"token":"t"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MergeJSON([]byte(tt.cur), []byte(tt.fresh))
			if err != nil || string(got) != tt.want {
				t.Errorf("MergeJSON = %s, %v; want %s", got, err, tt.want)
			}
		})
	}
	if _, err := MergeJSON(nil, []byte(`"a string"`)); err == nil {
		t.Error("a non-object is merged")
	}
}

// FuzzOpen: whatever bytes the database holds, Open fails cleanly or
// returns what was sealed; it never panics.
func FuzzOpen(f *testing.F) {
	box, _ := NewBox(key(1))
	sealed, _ := box.Seal(1, []byte("secret"))
	f.Add(sealed, int64(1))
	f.Add([]byte{1, 200}, int64(1))
	f.Add([]byte{}, int64(0))
	f.Fuzz(func(t *testing.T, b []byte, ch int64) {
		pt, err := box.Open(ch, b)
		if err == nil && (ch != 1 || !bytes.Equal(pt, []byte("secret"))) {
			t.Fatalf("Open(%d, %x) = %q", ch, b, pt)
		}
	})
}

func FuzzParseKey(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString(key(1)))
	f.Add("not a key")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err == nil && len(k) != KeySize {
			t.Fatalf("ParseKey(%q) = %d bytes", s, len(k))
		}
	})
}

func TestNamedSecrets(t *testing.T) {
	box, err := NewBox(key(1))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("join-token-key")
	sealed, err := box.SealNamed("conference.token_key", secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed bytes contain the plaintext")
	}
	if got, err := box.OpenNamed("conference.token_key", sealed); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("OpenNamed = %q, %v", got, err)
	}
	if _, err := box.OpenNamed("other", sealed); !errors.Is(err, ErrCorrupt) {
		t.Errorf("opened under another name: %v", err)
	}
	if _, err := box.Open(0, sealed); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a named secret opened as channel credentials: %v", err)
	}
	chanSealed, _ := box.Seal(0, secret)
	if _, err := box.OpenNamed("", chanSealed); !errors.Is(err, ErrCorrupt) {
		t.Errorf("channel credentials opened as a named secret: %v", err)
	}
}
