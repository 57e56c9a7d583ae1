package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/store"
)

// Chain is the audit log as the writer and Verify read it; *store.DB is
// one.
type Chain interface {
	GetAuditHead(ctx context.Context) (store.AuditHead, error)
	AuditHashes(ctx context.Context, seqs []int64) (map[int64]string, int64, error)
}

var _ Chain = (*store.DB)(nil)

// Params are the dependencies of NewWriter.
type Params struct {
	Chain Chain
	Key   *signing.Key
	// File is the checkpoint file, appended to (created with mode 0600).
	File string
	// Syslog, when set, also sends each checkpoint line to a syslog
	// server: udp://host:514, tcp://host:514 or unix:///dev/log.
	Syslog string
	// Interval is how often the head is signed when it moved; default
	// five minutes.
	Interval time.Duration
	// Instance names this process in the checkpoints.
	Instance string
	Now      func() time.Time
	Log      *slog.Logger
}

// Writer signs the audit chain's head and appends it to the checkpoint
// file. It is safe for concurrent use.
type Writer struct {
	p    Params
	kick chan struct{}
	sys  io.WriteCloser // nil without syslog

	mu   sync.Mutex
	last Checkpoint // the last one this process wrote or found at start
}

// DefaultInterval is Params.Interval's default.
const DefaultInterval = 5 * time.Minute

// NewWriter checks that the checkpoint file can be appended to and is not
// writable by others, connects to syslog if configured, and reads the last
// checkpoint the file holds, so that a chain that changed while the server
// was stopped is noticed at the first checkpoint.
func NewWriter(p Params) (*Writer, error) {
	if p.Chain == nil || p.Key == nil || p.File == "" || p.Log == nil {
		return nil, errors.New("checkpoint: NewWriter needs a chain, a key, a file and a logger")
	}
	if p.Interval <= 0 {
		p.Interval = DefaultInterval
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	p.Instance = Instance(p.Instance)
	w := &Writer{p: p, kick: make(chan struct{}, 1)}
	if err := os.MkdirAll(filepath.Dir(p.File), 0o700); err != nil {
		return nil, fmt.Errorf("checkpoint: file directory: %w", err)
	}
	f, err := openAppend(p.File)
	if err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("checkpoint: close file: %w", err)
	}
	if w.last, err = lastSigned(p.File, p.Key); err != nil {
		return nil, err
	}
	if p.Syslog != "" {
		if w.sys, err = dialSyslog(p.Syslog); err != nil {
			return nil, fmt.Errorf("checkpoint: syslog %s: %w", p.Syslog, err)
		}
	}
	return w, nil
}

// openAppend opens path to append, creating it with mode 0600, and refuses
// a file that others may write.
func openAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: open file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("checkpoint: open file: %w", err)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		_ = f.Close()
		return nil, fmt.Errorf("checkpoint: file %s may be written by others (mode %04o): chmod 600 it", path, fi.Mode().Perm())
	}
	return f, nil
}

// lastSigned returns the checkpoint of highest sequence in path that key
// signed, or the zero Checkpoint.
func lastSigned(path string, key *signing.Key) (Checkpoint, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Checkpoint{}, nil
	}
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: read file: %w", err)
	}
	var last Checkpoint
	for line := range strings.SplitSeq(string(b), "\n") {
		c, err := Parse(line)
		if err == nil && c.Seq > last.Seq && signing.VerifyCheckpoint(key.Public(), c.Body(), c.Sig) {
			last = c
		}
	}
	return last, nil
}

// Kick asks Run for a checkpoint now, after a publication. It never blocks:
// kicks that arrive while one is pending make one checkpoint.
func (w *Writer) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run writes a checkpoint at start, after each Kick, every Interval and
// when ctx ends, until ctx ends. Errors go to the log.
func (w *Writer) Run(ctx context.Context) {
	t := time.NewTicker(w.p.Interval)
	defer t.Stop()
	for {
		if _, _, err := w.Checkpoint(ctx); err != nil && ctx.Err() == nil {
			w.p.Log.Error("checkpoint: sign the audit log's head", "err", err)
		}
		select {
		case <-ctx.Done():
			// A last one on the way out, so that what this process
			// published is covered.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if _, _, err := w.Checkpoint(fctx); err != nil {
				w.p.Log.Error("checkpoint: sign the audit log's head at shutdown", "err", err)
			}
			return
		case <-t.C:
		case <-w.kick:
		}
	}
}

// Checkpoint signs the chain's current head and appends it to the file
// (and syslog), unless it is the head last written. wrote reports whether
// a line was written. A head that does not extend the last checkpoint (the
// log was cut or rewritten) is logged as an error, and signed all the same:
// the checkpoints before and after it are the evidence.
func (w *Writer) Checkpoint(ctx context.Context) (c Checkpoint, wrote bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	head, err := w.p.Chain.GetAuditHead(ctx)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("checkpoint: %w", err)
	}
	if head.Seq == 0 {
		return Checkpoint{}, false, nil // nothing to vouch for yet
	}
	if w.last.Seq > 0 {
		if head.Seq == w.last.Seq && head.Hash == w.last.Head {
			return w.last, false, nil
		}
		if err := w.extends(ctx, head); err != nil {
			w.p.Log.Error("checkpoint: the audit log does not extend its last signed checkpoint; run `chancery audit verify`",
				"err", err, "checkpoint_seq", w.last.Seq, "checkpoint_at", w.last.At, "head_seq", head.Seq)
		}
	}
	c = Checkpoint{Seq: head.Seq, Head: head.Hash, At: w.p.Now().UTC(), By: w.p.Instance, KeyID: signing.KeyID(w.p.Key.Public())}
	c.Sig = w.p.Key.SignCheckpoint(c.Body())
	if err := appendLine(w.p.File, c.Line()); err != nil {
		return Checkpoint{}, false, err
	}
	w.last = c
	if w.sys != nil {
		if _, err := io.WriteString(w.sys, c.Line()); err != nil {
			w.p.Log.Error("checkpoint: send to syslog", "err", err)
		}
	}
	return c, true, nil
}

// extends checks that head still holds the last checkpoint's entry.
func (w *Writer) extends(ctx context.Context, head store.AuditHead) error {
	if head.Seq < w.last.Seq {
		return fmt.Errorf("the log now ends at entry %d, before entry %d of the last checkpoint (entries deleted)", head.Seq, w.last.Seq)
	}
	hashes, _, err := w.p.Chain.AuditHashes(ctx, []int64{w.last.Seq})
	if err != nil {
		return err
	}
	if h, ok := hashes[w.last.Seq]; !ok {
		return fmt.Errorf("entry %d of the last checkpoint is missing", w.last.Seq)
	} else if h != w.last.Head {
		return fmt.Errorf("entry %d no longer has the signed hash (rewritten)", w.last.Seq)
	}
	return nil
}

// appendLine appends line and a line feed to path in one write, and
// flushes it to disk before returning. O_APPEND makes each write land at
// the end, whole, even when several processes on one machine share the
// file.
func appendLine(path, line string) error {
	f, err := openAppend(path)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		_ = f.Close()
		return fmt.Errorf("checkpoint: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("checkpoint: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("checkpoint: close %s: %w", path, err)
	}
	return nil
}

// Close closes the syslog connection, if any.
func (w *Writer) Close() error {
	if w.sys == nil {
		return nil
	}
	if err := w.sys.Close(); err != nil {
		return fmt.Errorf("checkpoint: close syslog: %w", err)
	}
	return nil
}
