package signing

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

// CheckpointMagic is the first line of every audit checkpoint the key signs
// (internal/checkpoint). It is the domain separation between the two kinds
// of text the one ministry key signs: a canonical statement always begins
// with Magic ("chancery-statement-v1"), a checkpoint always with this line,
// and each verifier rebuilds its own kind of text, so a checkpoint's
// signature can never pass for a statement's, nor the reverse.
const CheckpointMagic = "chancery-audit-checkpoint-v1"

// SignCheckpoint signs CheckpointMagic, a line feed, then body: the fields
// of one audit checkpoint.
func (k *Key) SignCheckpoint(body string) []byte {
	return ed25519.Sign(k.priv, checkpointText(body))
}

// VerifyCheckpoint reports whether sig is pub's checkpoint signature of body
// (the text SignCheckpoint signed).
func VerifyCheckpoint(pub ed25519.PublicKey, body string, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, checkpointText(body), sig)
}

func checkpointText(body string) []byte {
	return []byte(CheckpointMagic + "\n" + body)
}

// LoadPublicKey reads the public key a verifier needs from path: a PEM
// "PUBLIC KEY" block (what /.well-known/chancery-signing-key serves) or the
// private key file itself (LoadKey's rules apply to it).
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing: key file: %w", err)
	}
	block, _ := pem.Decode(data)
	switch {
	case block == nil:
		return nil, fmt.Errorf("signing: key file %s holds no PEM block", path)
	case block.Type == "PRIVATE KEY":
		k, err := LoadKey(path)
		if err != nil {
			return nil, err
		}
		return k.Public(), nil
	case block.Type != "PUBLIC KEY":
		return nil, fmt.Errorf("signing: key file %s holds a %q block, not a public or private key", path, block.Type)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing: key file %s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("signing: key file %s holds a %T, not an Ed25519 key", path, k)
	}
	return pub, nil
}
