package checkpoint

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/signing"
)

// Kinds of Finding.
const (
	// Truncated: the log ends before a checkpoint's entry (its tail was
	// deleted and its head moved back).
	Truncated = "truncated"
	// Deleted: a checkpoint's entry is missing, with later entries present.
	Deleted = "deleted"
	// Rewritten: the entry at a checkpoint's position hashes differently
	// from the signed head (entries rewritten and hashes recomputed).
	Rewritten = "rewritten"
	// BadSignature: a checkpoint line whose signature does not verify
	// (the line was altered or forged).
	BadSignature = "bad-signature"
	// UnknownKey: a checkpoint signed by a key that was not given.
	UnknownKey = "unknown-key"
	// Malformed: a line of a checkpoint file that is not a checkpoint.
	Malformed = "malformed"
	// Missing: a checkpoint file that does not exist, or no checkpoint at
	// all for a log that has entries.
	Missing = "missing"
)

// Finding is one thing Verify found wrong.
type Finding struct {
	Kind    string
	File    string // the checkpoint file, when it concerns one
	Line    int    // the line of File, when it concerns one
	Message string
}

func (f Finding) String() string { return f.Kind + ": " + f.Message }

// Report is what Verify found.
type Report struct {
	// Checkpoints is the number of checkpoints whose signature verifies.
	Checkpoints int
	// Latest is the valid checkpoint covering the most entries.
	Latest Checkpoint
	// LatestAt names where Latest was read ("file:line").
	LatestAt string
	// Entries is the highest entry number in the log.
	Entries int64
	// Findings lists every problem, checkpoints' in file order first.
	Findings []Finding
}

// OK reports whether nothing was found wrong.
func (r Report) OK() bool { return len(r.Findings) == 0 }

// located is a valid checkpoint and where it was read.
type located struct {
	Checkpoint
	file string
	line int
}

func (l located) where() string { return fmt.Sprintf("line %d of %s", l.line, l.file) }

// Verify checks chain against every checkpoint in files signed by one of
// keys. A checkpoint whose signature does not verify is reported and not
// used. The chain's own links (each entry's hash, the head) are checked by
// store.VerifyAudit; Verify checks what those cannot show: that the chain
// is still the one that was signed.
func Verify(ctx context.Context, chain Chain, keys []ed25519.PublicKey, files []string) (Report, error) {
	if len(keys) == 0 {
		return Report{}, errors.New("checkpoint: no key to check the signatures with")
	}
	byID := map[string]ed25519.PublicKey{}
	for _, k := range keys {
		byID[signing.KeyID(k)] = k
	}
	var r Report
	var valid []located
	for _, file := range files {
		cps, findings, err := readFile(file, byID)
		if err != nil {
			return Report{}, err
		}
		valid = append(valid, cps...)
		r.Findings = append(r.Findings, findings...)
	}
	r.Checkpoints = len(valid)
	seqs := make([]int64, 0, len(valid))
	for _, c := range valid {
		seqs = append(seqs, c.Seq)
	}
	slices.Sort(seqs)
	hashes, last, err := chain.AuditHashes(ctx, slices.Compact(seqs))
	if err != nil {
		return Report{}, fmt.Errorf("checkpoint: %w", err)
	}
	r.Entries = last
	if len(valid) == 0 {
		if last > 0 {
			r.Findings = append(r.Findings, Finding{Kind: Missing,
				Message: fmt.Sprintf("no valid checkpoint: nothing outside the database vouches for the %d entries of the log", last)})
		}
		return r, nil
	}
	// In order of position, then time, so that the first disagreement
	// says where the rewriting starts.
	slices.SortStableFunc(valid, func(a, b located) int {
		if a.Seq != b.Seq {
			return int(a.Seq - b.Seq)
		}
		return a.At.Compare(b.At)
	})
	latest := valid[len(valid)-1]
	r.Latest, r.LatestAt = latest.Checkpoint, latest.where()
	if last < latest.Seq {
		r.Findings = append(r.Findings, Finding{Kind: Truncated, File: latest.file, Line: latest.line,
			Message: fmt.Sprintf("the log ends at entry %d, but the checkpoint signed at %s (%s) covers %d entries: %s deleted",
				last, stamp(latest.At), latest.where(), latest.Seq, span(last+1, latest.Seq))})
	}
	var good int64 // the highest position that still matches
	var first *located
	mismatches := 0
	for i, c := range valid {
		h, ok := hashes[c.Seq]
		switch {
		case !ok && c.Seq <= last:
			r.Findings = append(r.Findings, Finding{Kind: Deleted, File: c.file, Line: c.line,
				Message: fmt.Sprintf("entry %d, covered by the checkpoint signed at %s (%s), is missing", c.Seq, stamp(c.At), c.where())})
		case !ok:
			// Past the end: reported as truncation above.
		case h == c.Head:
			if first == nil {
				good = c.Seq
			}
		default:
			if first == nil {
				first = &valid[i]
			}
			mismatches++
		}
	}
	if first != nil {
		msg := fmt.Sprintf("entry %d has hash %s, but the checkpoint signed at %s (%s) says %s: the log was rewritten at or before entry %d",
			first.Seq, short(hashes[first.Seq]), stamp(first.At), first.where(), short(first.Head), first.Seq)
		if good > 0 {
			msg += fmt.Sprintf(", after entry %d (the last signed position that still matches)", good)
		}
		if mismatches > 1 {
			msg += fmt.Sprintf("; %d later checkpoints disagree as well", mismatches-1)
		}
		r.Findings = append(r.Findings, Finding{Kind: Rewritten, File: first.file, Line: first.line, Message: msg})
	}
	return r, nil
}

// readFile returns the checkpoints of file that a key of byID signed, and
// what is wrong with the others.
func readFile(file string, byID map[string]ed25519.PublicKey) ([]located, []Finding, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, []Finding{{Kind: Missing, File: file, Message: fmt.Sprintf("no checkpoint file at %s", file)}}, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	var out []located
	var findings []Finding
	// Whole lines of any length: a hostile file is reported, line by
	// line, rather than stopping the check.
	for i, line := range strings.Split(string(b), "\n") {
		n := i + 1
		if line == "" {
			continue
		}
		bad := func(kind, format string, a ...any) {
			findings = append(findings, Finding{Kind: kind, File: file, Line: n, Message: fmt.Sprintf("line %d of %s: ", n, file) + fmt.Sprintf(format, a...)})
		}
		c, err := Parse(line)
		if err != nil {
			bad(Malformed, "%v", err)
			continue
		}
		key, ok := byID[c.KeyID]
		if !ok {
			bad(UnknownKey, "signed by key %s, which is not among the keys given", c.KeyID)
			continue
		}
		if !signing.VerifyCheckpoint(key, c.Body(), c.Sig) {
			bad(BadSignature, "the signature does not match the checkpoint (entry %d, %s): the line was altered or forged", c.Seq, stamp(c.At))
			continue
		}
		out = append(out, located{Checkpoint: c, file: file, line: n})
	}
	return out, findings, nil
}

// span names entries from to to.
func span(from, to int64) string {
	if from == to {
		return fmt.Sprintf("entry %d was", from)
	}
	return fmt.Sprintf("entries %d to %d were", from, to)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// short abbreviates a hash for messages.
func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
