// Package checkpoint keeps the publishing audit log honest towards the
// people who run its database. The log is a SHA-256 hash chain in the
// database (internal/store), which proves that nothing changed only to
// someone who cannot recompute it; an administrator who can write the
// tables can delete its tail and move the head back, or rewrite an entry
// and recompute every hash after it. So, as transparency logs do, the
// server signs the chain's head (its size and last hash) with a key that is
// not in the database, regularly and after every publication, and appends
// each such checkpoint to a file the database cannot change (and, if
// configured, to syslog). Verify checks a chain against every checkpoint:
// a log shorter than a checkpoint was truncated, a log whose entry at a
// checkpoint's position hashes differently was rewritten.
//
// The key is the ministry's statement-signing key (internal/signing), whose
// checkpoint signatures are domain-separated from statement signatures.
//
// It must not import the publishing scheduler or the portal: they write
// the log it checks, and cmd/server wires the two together.
package checkpoint

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/signing"
)

// Checkpoint is one signed head of the audit chain.
type Checkpoint struct {
	// Seq is the number of entries the chain had: the checkpoint covers
	// entries 1 to Seq.
	Seq int64
	// Head is the hash of entry Seq, lowercase hex.
	Head string
	// At is when it was signed, UTC.
	At time.Time
	// By names the instance that signed it.
	By string
	// KeyID names the key that signed it (signing.KeyID).
	KeyID string
	// Sig is the Ed25519 signature of the text Body returns, made with
	// signing.Key.SignCheckpoint.
	Sig []byte
}

// Body is the text the signature covers, after the line
// signing.CheckpointMagic:
//
//	seq: 12
//	head: 3f0c…
//	at: 2026-03-14T08:30:05.123456Z
//	by: web-1-4711
func (c Checkpoint) Body() string {
	return fmt.Sprintf("seq: %d\nhead: %s\nat: %s\nby: %s\n", c.Seq, c.Head, c.At.UTC().Format(time.RFC3339Nano), c.By)
}

// Line is the checkpoint as one line of the checkpoint file, without the
// line feed:
//
//	chancery-audit-checkpoint-v1 seq=12 head=3f0c… at=2026-03-14T08:30:05.123456Z by=web-1-4711 key=1a2b… sig=base64
func (c Checkpoint) Line() string {
	return fmt.Sprintf("%s seq=%d head=%s at=%s by=%s key=%s sig=%s", signing.CheckpointMagic, c.Seq, c.Head,
		c.At.UTC().Format(time.RFC3339Nano), c.By, c.KeyID, base64.StdEncoding.EncodeToString(c.Sig))
}

// ErrMalformed means a line is not a checkpoint.
var ErrMalformed = errors.New("checkpoint: not a checkpoint line")

// Parse reads a line that Line wrote. It checks the form of every field,
// not the signature (see Verify).
func Parse(line string) (Checkpoint, error) {
	f := strings.Split(strings.TrimRight(line, "\r\n"), " ")
	names := []string{"", "seq=", "head=", "at=", "by=", "key=", "sig="}
	if len(f) != len(names) || f[0] != signing.CheckpointMagic {
		return Checkpoint{}, fmt.Errorf("%w: it does not start with %s and hold 6 fields", ErrMalformed, signing.CheckpointMagic)
	}
	v := make([]string, len(f))
	for i := 1; i < len(f); i++ {
		var ok bool
		if v[i], ok = strings.CutPrefix(f[i], names[i]); !ok {
			return Checkpoint{}, fmt.Errorf("%w: field %d is not %s…", ErrMalformed, i, names[i])
		}
	}
	var c Checkpoint
	var err error
	if c.Seq, err = strconv.ParseInt(v[1], 10, 64); err != nil || c.Seq < 1 || strconv.FormatInt(c.Seq, 10) != v[1] {
		return Checkpoint{}, fmt.Errorf("%w: seq %q", ErrMalformed, v[1])
	}
	if !isHex(v[2], 64) {
		return Checkpoint{}, fmt.Errorf("%w: head %q is not a SHA-256 in lowercase hex", ErrMalformed, v[2])
	}
	c.Head = v[2]
	if c.At, err = time.Parse(time.RFC3339Nano, v[3]); err != nil || c.At.Location() != time.UTC {
		return Checkpoint{}, fmt.Errorf("%w: time %q", ErrMalformed, v[3])
	}
	if !validInstance(v[4]) {
		return Checkpoint{}, fmt.Errorf("%w: instance %q", ErrMalformed, v[4])
	}
	c.By = v[4]
	if !isHex(v[5], 16) {
		return Checkpoint{}, fmt.Errorf("%w: key ID %q", ErrMalformed, v[5])
	}
	c.KeyID = v[5]
	if c.Sig, err = base64.StdEncoding.Strict().DecodeString(v[6]); err != nil || len(c.Sig) != 64 {
		return Checkpoint{}, fmt.Errorf("%w: signature is not 64 bytes of base64", ErrMalformed)
	}
	return c, nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// validInstance accepts what Instance keeps of a name.
func validInstance(s string) bool {
	return s != "" && len(s) <= 128 && Instance(s) == s
}

// Instance turns an instance name into what a checkpoint line holds:
// letters, digits and . _ : - only (others become _), at most 128 bytes.
func Instance(name string) string {
	b := []byte(name)
	if len(b) > 128 {
		b = b[:128]
	}
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "chancery"
	}
	return string(b)
}
