package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/checkpoint"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/store"
)

// newCheckpointer builds the writer of the audit log's signed checkpoints:
// the ministry key signs the chain's head into -audit-checkpoints (and
// -audit-syslog), outside the database.
func newCheckpointer(cfg config.Config, db *store.DB, key *signing.Key, log *slog.Logger, now func() time.Time) (*checkpoint.Writer, error) {
	return checkpoint.NewWriter(checkpoint.Params{Chain: db, Key: key, File: cfg.Audit.CheckpointPath(cfg.Storage), Syslog: cfg.Audit.Syslog,
		Interval: cfg.Audit.CheckpointInterval, Instance: instanceName(), Now: now, Log: log.With("component", "checkpoint")})
}

// errAuditMismatch means the audit log's links hold but it is not the log
// that was signed.
var errAuditMismatch = errors.New("audit: the log does not match its signed checkpoints")

const auditUsage = "usage: chancery audit verify [-data DIR] [-database-url URL] [-checkpoints FILE[,FILE…]] [-key FILE[,FILE…]]"

// auditCommand runs "chancery audit verify": it checks the publishing
// audit log's hash chain and names the first broken link, then checks the
// chain against the signed checkpoints (truncation, rewriting, altered
// checkpoint lines).
func auditCommand(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{errors.New(auditUsage)}
	}
	env := envMap(environ)
	fs := flag.NewFlagSet("chancery audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", orDefault(env["CHANCERY_DATA"], "./data"), "data directory of the embedded store (env CHANCERY_DATA)")
	dbURL := fs.String("database-url", env["CHANCERY_DATABASE_URL"], "PostgreSQL URL (env CHANCERY_DATABASE_URL)")
	files := fs.String("checkpoints", env["CHANCERY_AUDIT_CHECKPOINTS"],
		"comma-separated checkpoint files, one per instance that writes its own (env CHANCERY_AUDIT_CHECKPOINTS); empty: <data>/audit-checkpoints.log")
	keys := fs.String("key", env["CHANCERY_SIGNING_KEY"],
		"comma-separated files of the key(s) that sign checkpoints: the public key (/.well-known/chancery-signing-key) or the private key file (env CHANCERY_SIGNING_KEY); empty: <data>/signing-key.pem")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q; %s", fs.Arg(0), auditUsage)}
	}
	cpFiles := splitList(orDefault(*files, filepath.Join(*data, "audit-checkpoints.log")))
	var pubs []ed25519.PublicKey
	for _, k := range splitList(orDefault(*keys, filepath.Join(*data, "signing-key.pem"))) {
		pub, err := signing.LoadPublicKey(k)
		if err != nil {
			return fmt.Errorf("audit: the key that checks checkpoints (-key): %w", err)
		}
		pubs = append(pubs, pub)
	}
	// Read only: it runs beside the server, whose lock it need not take.
	db, err := store.Open(ctx, store.Options{DatabaseURL: *dbURL, DataDir: *data, ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	n, chainErr := db.VerifyAudit(ctx)
	brk, broken := errors.AsType[*store.AuditBreak](chainErr)
	if chainErr != nil && !broken {
		return chainErr
	}
	r, err := checkpoint.Verify(ctx, db, pubs, cpFiles)
	if err != nil {
		return err
	}
	switch {
	case broken:
		fmt.Fprintf(stdout, "audit log BROKEN: %d entries hold; first broken link: entry %d: %s\n", n, brk.Seq, brk.Reason)
	case r.OK():
		agree := fmt.Sprintf("%d signed checkpoints agree", r.Checkpoints)
		if r.Checkpoints == 1 {
			agree = "its signed checkpoint agrees"
		}
		fmt.Fprintf(stdout, "audit log intact: %d entries; %s, the latest covers entries 1 to %d (signed at %s by %s, %s)\n",
			n, agree, r.Latest.Seq, r.Latest.At.Format(time.RFC3339), r.Latest.By, r.LatestAt)
		switch later := r.Entries - r.Latest.Seq; {
		case later == 1:
			fmt.Fprintln(stdout, "1 later entry is not signed yet: the next checkpoint covers it")
		case later > 1:
			fmt.Fprintf(stdout, "%d later entries are not signed yet: the next checkpoint covers them\n", later)
		}
		return nil
	default:
		fmt.Fprintf(stdout, "audit log TAMPERED: its %d entries link up, but not to what was signed outside the database:\n", n)
	}
	if broken && !r.OK() {
		fmt.Fprintln(stdout, "and against its signed checkpoints:")
	}
	for _, f := range r.Findings {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	if broken {
		return brk
	}
	return errAuditMismatch
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
