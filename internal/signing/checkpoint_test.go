package signing

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A checkpoint signature and a statement signature never stand for one
// another, although one key makes both.
func TestCheckpointSignatureIsDomainSeparated(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	body := "seq: 12\nhead: " + strings.Repeat("ab", 32) + "\n"
	sig := k.SignCheckpoint(body)
	if !VerifyCheckpoint(k.Public(), body, sig) {
		t.Fatal("checkpoint signature does not verify")
	}
	if VerifyCheckpoint(k.Public(), strings.Replace(body, "12", "11", 1), sig) {
		t.Error("an altered checkpoint verifies")
	}
	if ed25519.Verify(k.Public(), []byte(body), sig) {
		t.Error("the signature covers the body without the checkpoint line")
	}
	st, err := k.Sign(sample())
	if err != nil {
		t.Fatal(err)
	}
	canon, err := Canonical(st.Statement)
	if err != nil {
		t.Fatal(err)
	}
	// A statement's signature over its canonical text is no checkpoint
	// signature of that text, however it is cut.
	if VerifyCheckpoint(k.Public(), string(canon), st.Signature) ||
		VerifyCheckpoint(k.Public(), strings.TrimPrefix(string(canon), Magic+"\n"), st.Signature) {
		t.Error("a statement signature verifies as a checkpoint")
	}
	other, _ := GenerateKey()
	if VerifyCheckpoint(other.Public(), body, sig) || VerifyCheckpoint(k.Public(), body, sig[:10]) {
		t.Error("another key or a short signature verifies")
	}
}

// LoadPublicKey reads the published public key and the private key file
// alike.
func TestLoadPublicKey(t *testing.T) {
	dir := t.TempDir()
	priv := filepath.Join(dir, "signing-key.pem")
	k, _, err := LoadOrCreateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pubFile := filepath.Join(dir, "chancery-signing-key.pem")
	if err := os.WriteFile(pubFile, PublicPEM(k.Public()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{priv, pubFile} {
		got, err := LoadPublicKey(p)
		if err != nil || !got.Equal(k.Public()) {
			t.Fatalf("LoadPublicKey(%s) = %x, %v", filepath.Base(p), got, err)
		}
	}
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPublicKey(junk); err == nil || !strings.Contains(err.Error(), "CERTIFICATE") {
		t.Fatalf("a certificate was accepted as a key: %v", err)
	}
}
