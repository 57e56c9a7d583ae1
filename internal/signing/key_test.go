package signing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "signing-key.pem")
	k, created, err := LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("first start: created=%v err=%v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("key directory mode %04o, want 0700", di.Mode().Perm())
	}
	k2, created, err := LoadOrCreateKey(path)
	if err != nil || created {
		t.Fatalf("second start: created=%v err=%v", created, err)
	}
	if !k.Public().Equal(k2.Public()) {
		t.Error("the second start did not load the same key")
	}
}

func TestLoadOrCreateKeyConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing-key.pem")
	var wg sync.WaitGroup
	keys := make([]*Key, 8)
	errs := make([]error, 8)
	for i := range keys {
		wg.Go(func() { keys[i], _, errs[i] = LoadOrCreateKey(path) })
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil {
			t.Fatalf("process %d: %v", i, errs[i])
		}
		if !keys[i].Public().Equal(keys[0].Public()) {
			t.Errorf("process %d holds another key", i)
		}
	}
	final, err := LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !final.Public().Equal(keys[0].Public()) {
		t.Error("the processes hold a key that is not the stored one")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestLoadKeyRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := filepath.Join(dir, "good.pem")
	if _, _, err := LoadOrCreateKey(good); err != nil {
		t.Fatal(err)
	}
	pemData, _ := os.ReadFile(good)
	rsa := "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"
	for _, tc := range []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "nope.pem"), "no such file"},
		{"world readable", write("open.pem", string(pemData), 0o644), "readable by others"},
		{"not pem", write("junk.pem", "hello", 0o600), "no PEM"},
		{"public key", write("pub.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", 0o600), "no PEM"},
		{"truncated key", write("short.pem", rsa, 0o600), "short.pem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadKey(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLoadKeyFromOpenSSL: a key made with the README's openssl command
// loads, so a ministry can generate its key offline.
func TestLoadKeyFromOpenSSL(t *testing.T) {
	bin := opensslPath(t)
	path := filepath.Join(t.TempDir(), "ministry.pem")
	if out, err := exec.Command(bin, "genpkey", "-algorithm", "ed25519", "-out", path).CombinedOutput(); err != nil {
		t.Fatalf("openssl genpkey: %v\n%s", err, out)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(path); err != nil {
		t.Fatal(err)
	}
}

func opensslPath(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl is missing: run `make deps` (Debian package openssl)")
	}
	return bin
}

func TestSignAndVerify(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Sign(sample())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Signature) != ed25519.SignatureSize || !Verify(k.Public(), s.Statement, s.Signature) {
		t.Fatal("signature does not verify")
	}
	changed := s.Statement
	changed.Body += " (altered)"
	if Verify(k.Public(), changed, s.Signature) {
		t.Error("an altered body verifies")
	}
	changed = s.Statement
	changed.Version++
	if Verify(k.Public(), changed, s.Signature) {
		t.Error("another version number verifies")
	}
	other, _ := GenerateKey()
	if Verify(other.Public(), s.Statement, s.Signature) {
		t.Error("another key verifies")
	}
	if Verify(k.Public(), s.Statement, s.Signature[:10]) {
		t.Error("a short signature verifies")
	}
}

// TestREADMERecipeWithOpenSSL runs the README's "Verifying a statement"
// commands with the openssl CLI on files served as the portal serves them:
// the PEM public key, the canonical text and the raw signature.
func TestREADMERecipeWithOpenSSL(t *testing.T) {
	bin := opensslPath(t)
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	st := sample()
	st.Lang, st.Title, st.Body = "ar", "بيان بشأن بحر الشرق", "الفقرة الأولى.\n\nالفقرة الثانية."
	s, err := k.Sign(st)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := Canonical(st)
	dir := t.TempDir()
	files := map[string][]byte{
		"chancery-signing-key.pem": PublicPEM(k.Public()),
		"statement.txt":            c,
		"statement.sig":            s.Signature,
		"statement.sig.b64":        []byte(base64.StdEncoding.EncodeToString(s.Signature) + "\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// The README's command, word for word.
	out, err := run("pkeyutl", "-verify", "-pubin", "-inkey", "chancery-signing-key.pem", "-rawin", "-in", "statement.txt", "-sigfile", "statement.sig")
	if err != nil || !strings.Contains(out, "Signature Verified Successfully") {
		t.Fatalf("openssl did not verify a good signature: %v\n%s", err, out)
	}
	// The base64 variant: decode, then the same command.
	if out, err := run("base64", "-d", "-in", "statement.sig.b64", "-out", "decoded.sig"); err != nil {
		t.Fatalf("openssl base64: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "decoded.sig")); !bytes.Equal(got, s.Signature) {
		t.Fatal("base64 round trip changed the signature")
	}
	// An altered text must fail.
	if err := os.WriteFile(filepath.Join(dir, "statement.txt"), append(c, ' '), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = run("pkeyutl", "-verify", "-pubin", "-inkey", "chancery-signing-key.pem", "-rawin", "-in", "statement.txt", "-sigfile", "statement.sig")
	if err == nil || !strings.Contains(out, "Signature Verification Failure") {
		t.Fatalf("openssl accepted an altered text: %v\n%s", err, out)
	}
}

func TestPublicJWK(t *testing.T) {
	k, _ := GenerateKey()
	j := PublicJWK(k.Public())
	x, err := base64.RawURLEncoding.DecodeString(j.X)
	if err != nil || !bytes.Equal(x, k.Public()) {
		t.Fatalf("x does not decode to the public key: %v", err)
	}
	if j.Kty != "OKP" || j.Crv != "Ed25519" || j.Alg != "EdDSA" || len(j.Kid) != 16 {
		t.Errorf("JWK %+v", j)
	}
}
