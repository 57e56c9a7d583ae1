package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrLeaseLost means another instance took over a publication whose lease
// had expired; the caller must stop working on it.
var ErrLeaseLost = errors.New("store: publication lease lost")

const pubCols = `id, statement_id, channel_id, state, held, due_at, next_attempt_at, lease_owner, lease_until, tries,
	reason, remote_id, remote_url, published_at, deleted_at`

func scanPub(s interface{ Scan(...any) error }) (Publication, error) {
	var p Publication
	var due, next, lease, pubAt, del sql.NullTime
	err := s.Scan(&p.ID, &p.StatementID, &p.ChannelID, &p.State, &p.Held, &due, &next, &p.LeaseOwner, &lease, &p.Tries,
		&p.Reason, &p.RemoteID, &p.RemoteURL, &pubAt, &del)
	p.DueAt, p.NextAttemptAt, p.LeaseUntil, p.PublishedAt, p.DeletedAt = fromNull(due), fromNull(next), fromNull(lease), fromNull(pubAt), fromNull(del)
	return p, err
}

func (db *DB) queryPubs(ctx context.Context, q querier, query string, args ...any) ([]Publication, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Publication
	for rows.Next() {
		p, err := scanPub(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// QueueFilter narrows ListPublications.
type QueueFilter struct {
	StatementID int64
	From, To    time.Time // due between, when set
	Limit       int
}

// ListPublications returns publications by due time.
func (db *DB) ListPublications(ctx context.Context, f QueueFilter) ([]Publication, error) {
	q, args := `SELECT `+pubCols+` FROM pub_publications WHERE 1 = 1`, []any{}
	if f.StatementID != 0 {
		args = append(args, f.StatementID)
		q += fmt.Sprintf(` AND statement_id = $%d`, len(args))
	}
	if !f.From.IsZero() {
		args = append(args, dbTime(f.From))
		q += fmt.Sprintf(` AND due_at >= $%d`, len(args))
	}
	if !f.To.IsZero() {
		args = append(args, dbTime(f.To))
		q += fmt.Sprintf(` AND due_at < $%d`, len(args))
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY due_at, id LIMIT $%d`, len(args))
	out, err := db.queryPubs(ctx, db.sql, q, args...)
	return out, wrap("list publications", err)
}

// GetPublication returns one publication.
func (db *DB) GetPublication(ctx context.Context, id int64) (Publication, error) {
	p, err := scanPub(db.sql.QueryRowContext(ctx, `SELECT `+pubCols+` FROM pub_publications WHERE id = $1`, id))
	if err != nil {
		return Publication{}, wrap(fmt.Sprintf("get publication %d", id), err)
	}
	return p, nil
}

// CountPublicationsByState returns how many publications are in each state.
func (db *DB) CountPublicationsByState(ctx context.Context) (map[string]int, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT state, COUNT(*) FROM pub_publications GROUP BY state`)
	if err != nil {
		return nil, wrap("count publications", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, wrap("count publications", err)
		}
		out[s] = n
	}
	return out, wrap("count publications", rows.Err())
}

// ClaimPublications leases up to limit publications that are due and free
// to go (scheduled, not held, channel not paused or rate-limited, retry
// time reached), plus those whose previous owner's lease expired while
// publishing. On PostgreSQL, FOR UPDATE SKIP LOCKED lets several instances
// claim at once without ever sharing a row; SQLite serves one instance and
// its immediate transactions serialise claims.
func (db *DB) ClaimPublications(ctx context.Context, owner string, lease time.Duration, limit int) ([]Publication, error) {
	now := db.nowUTC()
	lock := ""
	if db.backend == BackendPostgres {
		lock = ` FOR UPDATE OF p SKIP LOCKED`
	}
	q := `UPDATE pub_publications SET state = 'publishing', lease_owner = $1, lease_until = $2
		WHERE id IN (SELECT p.id FROM pub_publications p JOIN pub_channels c ON c.id = p.channel_id
			WHERE (p.state = 'scheduled' AND p.held = '' AND (p.due_at <= $3 OR p.publish_now_at <= $3)
				AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= $3)
				AND c.paused_at IS NULL AND (c.rate_limited_until IS NULL OR c.rate_limited_until <= $3))
			OR (p.state = 'publishing' AND p.lease_until < $3)
			ORDER BY p.due_at, p.id LIMIT $4` + lock + `)
		RETURNING ` + pubCols
	var out []Publication
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = db.queryPubs(ctx, tx, q, owner, now.Add(lease), now, limit)
		return err
	})
	return out, wrap("claim publications", err)
}

// releaseDeadLeases ends, at start on SQLite, the leases of publications
// that a process which stopped was publishing: the data-directory lock this
// DB holds guarantees that no other process is alive to hold them, so
// waiting out the lease (-publish-lease) would only delay them. The lease
// is made to have just expired, nothing else: the next claim takes the
// publication exactly as it would take one whose lease ran out, and the
// scheduler settles its pending attempt (replay with the same key, or ask
// the network) before anything is sent again. Each one is recorded in the
// audit log.
//
// It must never run on PostgreSQL, where the holder may be another
// instance that is alive.
func (db *DB) releaseDeadLeases(ctx context.Context) error {
	if db.backend != BackendSQLite || db.lock == nil {
		return nil
	}
	now := db.nowUTC()
	var n int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		held, err := db.queryPubs(ctx, tx, `SELECT `+pubCols+` FROM pub_publications
			WHERE state = 'publishing' AND lease_until >= $1 ORDER BY id`, now)
		if err != nil {
			return err
		}
		for _, p := range held {
			// Just before now: claims take leases that ended before
			// their own time (lease_until < now).
			if _, err := tx.ExecContext(ctx, `UPDATE pub_publications SET lease_until = $2 WHERE id = $1`, p.ID, now.Add(-time.Microsecond)); err != nil {
				return err
			}
			e := AuditEntry{Actor: "store:start", Action: "publication.lease-released", StatementID: p.StatementID, PublicationID: p.ID,
				Payload: fmt.Sprintf("lease of %s until %s ended at start: the data directory lock shows that process stopped; the outcome of its attempt is settled before any new call",
					p.LeaseOwner, p.LeaseUntil.UTC().Format(time.RFC3339Nano))}
			if err := db.appendAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		n = len(held)
		return nil
	})
	if err != nil {
		return wrap("release dead leases", err)
	}
	if n > 0 {
		db.log.Warn("store: took back publications a stopped process was publishing; they are settled before anything is sent again", "count", n)
	}
	return nil
}

// NextWake returns when the scheduler has something to do next: the
// earliest due time or retry time of a scheduled publication, or lease
// expiry of one being published. Zero means nothing is waiting.
func (db *DB) NextWake(ctx context.Context) (time.Time, error) {
	// ORDER BY … LIMIT 1 rather than MIN: SQLite returns an aggregate of
	// timestamps as text, losing the column's type.
	now := db.nowUTC()
	var due, next, limited, lease sql.NullTime
	err := db.sql.QueryRowContext(ctx, `SELECT p.due_at, p.next_attempt_at FROM pub_publications p JOIN pub_channels c ON c.id = p.channel_id
		WHERE p.state = 'scheduled' AND p.held = '' AND c.paused_at IS NULL AND (c.rate_limited_until IS NULL OR c.rate_limited_until <= $1)
		ORDER BY CASE WHEN p.next_attempt_at IS NOT NULL AND p.next_attempt_at > p.due_at THEN p.next_attempt_at ELSE p.due_at END LIMIT 1`, now).Scan(&due, &next)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, wrap("next wake", err)
	}
	// A rate-limited channel with work waiting wakes the scheduler when
	// the network's limit resets.
	err = db.sql.QueryRowContext(ctx, `SELECT c.rate_limited_until FROM pub_channels c WHERE c.paused_at IS NULL AND c.rate_limited_until > $1
		AND EXISTS (SELECT 1 FROM pub_publications p WHERE p.channel_id = c.id AND p.state = 'scheduled' AND p.held = '')
		ORDER BY c.rate_limited_until LIMIT 1`, now).Scan(&limited)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, wrap("next wake", err)
	}
	err = db.sql.QueryRowContext(ctx, `SELECT lease_until FROM pub_publications WHERE state = 'publishing' ORDER BY lease_until LIMIT 1`).Scan(&lease)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, wrap("next wake", err)
	}
	t := fromNull(due)
	if n := fromNull(next); n.After(t) {
		t = n
	}
	// A publication brought forward ("publish now") is due at that time.
	var now0, now1 sql.NullTime
	err = db.sql.QueryRowContext(ctx, `SELECT p.publish_now_at, p.next_attempt_at FROM pub_publications p JOIN pub_channels c ON c.id = p.channel_id
		WHERE p.state = 'scheduled' AND p.held = '' AND p.publish_now_at IS NOT NULL AND c.paused_at IS NULL
		ORDER BY p.publish_now_at LIMIT 1`).Scan(&now0, &now1)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, wrap("next wake", err)
	}
	early := fromNull(now0)
	if n := fromNull(now1); n.After(early) {
		early = n
	}
	for _, u := range []time.Time{early, fromNull(limited), fromNull(lease)} {
		if !u.IsZero() && (t.IsZero() || u.Before(t)) {
			t = u
		}
	}
	return t, nil
}

// fence checks, inside tx, that owner still holds pub's lease, and renews it.
func (db *DB) fence(ctx context.Context, tx *sql.Tx, pub int64, owner string, lease time.Duration) error {
	res, err := tx.ExecContext(ctx, `UPDATE pub_publications SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 AND state = 'publishing'`,
		pub, owner, db.nowUTC().Add(lease))
	if err != nil {
		return err
	}
	if mustAffect(res) != nil {
		return ErrLeaseLost
	}
	return nil
}

// BeginAttempt writes the attempt record before an irreversible call. It
// fails with ErrLeaseLost when owner no longer holds the publication.
func (db *DB) BeginAttempt(ctx context.Context, pub int64, owner string, lease time.Duration, idx int, key string, a AuditEntry) (int64, error) {
	var id int64
	err := db.grouped(ctx, func(ctx context.Context, tx *sql.Tx) (AuditEntry, error) {
		if err := db.fence(ctx, tx, pub, owner, lease); err != nil {
			return a, err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO pub_attempts (publication_id, idx, post_key, owner, started_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			pub, idx, key, owner, db.nowUTC()).Scan(&id); err != nil {
			return a, err
		}
		a.PublicationID = pub
		return a, nil
	})
	return id, wrap("begin attempt", err)
}

// PendingAttempt returns the last attempt of pub whose outcome is not known
// (pending: the process stopped during the call; unknown: the network did
// not say; duplicate: the network says it holds such a post, not which),
// or ErrNotFound.
func (db *DB) PendingAttempt(ctx context.Context, pub int64) (Attempt, error) {
	var at Attempt
	var fin sql.NullTime
	err := db.sql.QueryRowContext(ctx, `SELECT id, publication_id, idx, post_key, owner, outcome, detail, started_at, finished_at
		FROM pub_attempts WHERE publication_id = $1 ORDER BY id DESC LIMIT 1`, pub).
		Scan(&at.ID, &at.PublicationID, &at.Idx, &at.Key, &at.Owner, &at.Outcome, &at.Detail, &at.StartedAt, &fin)
	if err != nil {
		return Attempt{}, wrap("pending attempt", err)
	}
	if at.Outcome != AttemptPending && at.Outcome != AttemptUnknown && at.Outcome != AttemptDuplicate {
		return Attempt{}, wrap("pending attempt", ErrNotFound)
	}
	at.FinishedAt, at.StartedAt = fromNull(fin), at.StartedAt.UTC()
	return at, nil
}

// ListAttempts returns every attempt of pub.
func (db *DB) ListAttempts(ctx context.Context, pub int64) ([]Attempt, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, publication_id, idx, post_key, owner, outcome, detail, started_at, finished_at
		FROM pub_attempts WHERE publication_id = $1 ORDER BY id`, pub)
	if err != nil {
		return nil, wrap("list attempts", err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var at Attempt
		var fin sql.NullTime
		if err := rows.Scan(&at.ID, &at.PublicationID, &at.Idx, &at.Key, &at.Owner, &at.Outcome, &at.Detail, &at.StartedAt, &fin); err != nil {
			return nil, wrap("list attempts", err)
		}
		at.FinishedAt, at.StartedAt = fromNull(fin), at.StartedAt.UTC()
		out = append(out, at)
	}
	return out, wrap("list attempts", rows.Err())
}

// ErrPostClaimed means a post is recorded already by another publication
// part: the network's ID names one post, and one post is one part of one
// publication. The scheduler turns it into needs-check.
var ErrPostClaimed = errors.New("store: the post is recorded by another publication")

// postScope is the SQL expression, over the pub_channels row c, of where a
// network's post IDs are unique (migration 0012 has the same): empty for the
// networks whose IDs are unique network-wide, the instance for Mastodon,
// the chat (or, before it is known, the channel) for Telegram.
const postScope = `CASE c.network
	WHEN 'mastodon' THEN lower(rtrim(c.base_url, '/'))
	WHEN 'telegram' THEN CASE WHEN c.connected_account <> '' THEN 'chat:' || c.connected_account ELSE 'channel:' || c.id END
	ELSE '' END`

// claimHolder returns the publication whose part records remoteID on the
// network and scope of pub's channel, or 0.
func claimHolder(ctx context.Context, q querier, pub int64, remoteID string) (holder int64, idx int, err error) {
	err = q.QueryRowContext(ctx, `SELECT cl.publication_id, cl.idx FROM pub_post_claims cl
		JOIN pub_channels c ON cl.network = c.network AND cl.scope = `+postScope+`
		JOIN pub_publications p ON p.channel_id = c.id
		WHERE p.id = $1 AND cl.remote_id = $2`, pub, remoteID).Scan(&holder, &idx)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return holder, idx, err
}

// PostClaims returns, of the posts ids on channel's network, those that
// publication parts record already, each with the publication recording
// it. Reconciliation leaves them out: they are other statements' posts.
func (db *DB) PostClaims(ctx context.Context, channel int64, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	for len(ids) > 0 {
		n := min(200, len(ids))
		args := []any{channel}
		ph := make([]string, n)
		for i, id := range ids[:n] {
			args = append(args, id)
			ph[i] = fmt.Sprintf("$%d", i+2)
		}
		ids = ids[n:]
		err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
			var id string
			var pub int64
			if err := rows.Scan(&id, &pub); err != nil {
				return err
			}
			out[id] = pub
			return nil
		}, `SELECT cl.remote_id, cl.publication_id FROM pub_post_claims cl
			JOIN pub_channels c ON cl.network = c.network AND cl.scope = `+postScope+`
			WHERE c.id = $1 AND cl.remote_id IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return nil, wrap("post claims", err)
		}
	}
	return out, nil
}

// ConfirmPart records that part idx of pub exists on the network and closes
// the attempt that created it (attempt 0: found by reconciliation of the
// attempt given in the audit entry). The part claims its post: a post that
// another part records already fails with ErrPostClaimed, and nothing is
// written.
//
// With final, the same transaction marks the publication published and
// releases its lease: one transaction fewer per publication.
func (db *DB) ConfirmPart(ctx context.Context, pub int64, owner string, lease time.Duration, attempt int64, part PostPart, final bool, a AuditEntry) error {
	return wrap("confirm part", db.grouped(ctx, func(ctx context.Context, tx *sql.Tx) (AuditEntry, error) {
		if part.RemoteID != "" {
			// Checked before any write, so that in a group commit this op
			// fails alone; the unique key catches a claim made meanwhile
			// by another instance.
			holder, idx, err := claimHolder(ctx, tx, pub, part.RemoteID)
			if err != nil {
				return a, err
			}
			if holder != 0 {
				return a, fmt.Errorf("%w: post %q is part %d of publication %d", ErrPostClaimed, part.RemoteID, idx, holder)
			}
		}
		if err := db.fence(ctx, tx, pub, owner, lease); err != nil {
			return a, err
		}
		now := db.nowUTC()
		if _, err := tx.ExecContext(ctx, `INSERT INTO pub_parts (publication_id, idx, post_key, remote_id, remote_url, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			pub, part.Idx, part.Key, part.RemoteID, part.RemoteURL, now); err != nil {
			return a, err
		}
		if part.RemoteID != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO pub_post_claims (network, scope, remote_id, publication_id, idx)
				SELECT c.network, `+postScope+`, $3, p.id, $2 FROM pub_publications p JOIN pub_channels c ON c.id = p.channel_id WHERE p.id = $1`,
				pub, part.Idx, part.RemoteID); err != nil {
				if isUniqueViolation(err) {
					return a, fmt.Errorf("%w: post %q, claimed meanwhile: %w", ErrPostClaimed, part.RemoteID, err)
				}
				return a, err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pub_attempts SET outcome = 'ok', detail = $2, finished_at = $3 WHERE id = $1`, attempt, part.RemoteID, now); err != nil {
			return a, err
		}
		if final {
			if _, err := tx.ExecContext(ctx, `UPDATE pub_publications SET state = 'published', held = '', reason = '', next_attempt_at = NULL,
				lease_owner = '', lease_until = NULL, published_at = $2,
				remote_id = (SELECT remote_id FROM pub_parts WHERE publication_id = $1 ORDER BY idx LIMIT 1),
				remote_url = (SELECT remote_url FROM pub_parts WHERE publication_id = $1 ORDER BY idx LIMIT 1)
				WHERE id = $1`, pub, now); err != nil {
				return a, err
			}
		}
		a.PublicationID = pub
		return a, nil
	}))
}

// ListParts returns the confirmed parts of pub in order.
func (db *DB) ListParts(ctx context.Context, pub int64) ([]PostPart, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT idx, post_key, remote_id, remote_url, created_at, deleted_at FROM pub_parts WHERE publication_id = $1 ORDER BY idx`, pub)
	if err != nil {
		return nil, wrap("list parts", err)
	}
	defer rows.Close()
	var out []PostPart
	for rows.Next() {
		var p PostPart
		var del sql.NullTime
		if err := rows.Scan(&p.Idx, &p.Key, &p.RemoteID, &p.RemoteURL, &p.CreatedAt, &del); err != nil {
			return nil, wrap("list parts", err)
		}
		p.CreatedAt, p.DeletedAt = p.CreatedAt.UTC(), fromNull(del)
		out = append(out, p)
	}
	return out, wrap("list parts", rows.Err())
}

// RunOutcome ends one run of the scheduler on a publication.
type RunOutcome struct {
	State         string    // scheduled (retry or released), published, failed, needs-check
	Held          string    // with scheduled: why a person must decide
	Reason        string    // for the officer
	NextAttemptAt time.Time // with scheduled: not before
	CountTry      bool      // a failed call counts towards the backoff
	Attempt       int64     // the attempt to close, 0 for none
	AttemptResult string    // its outcome: failed or unknown
}

// FinishPublication releases pub's lease with outcome o. ErrLeaseLost
// means another instance owns it now.
func (db *DB) FinishPublication(ctx context.Context, pub int64, owner string, o RunOutcome, a AuditEntry) error {
	return wrap("finish publication", db.inTx(ctx, func(tx *sql.Tx) error {
		now := db.nowUTC()
		try := 0
		if o.CountTry {
			try = 1
		}
		res, err := tx.ExecContext(ctx, `UPDATE pub_publications SET state = $3, held = $4, reason = $5, next_attempt_at = $6,
			tries = tries + $7, lease_owner = '', lease_until = NULL,
			remote_id = COALESCE((SELECT remote_id FROM pub_parts WHERE publication_id = $1 ORDER BY idx LIMIT 1), ''),
			remote_url = COALESCE((SELECT remote_url FROM pub_parts WHERE publication_id = $1 ORDER BY idx LIMIT 1), ''),
			published_at = CASE WHEN $3 = 'published' THEN $8 ELSE published_at END
			WHERE id = $1 AND lease_owner = $2 AND state = 'publishing'`,
			pub, owner, o.State, o.Held, o.Reason, nullTime(o.NextAttemptAt), try, now)
		if err != nil {
			return err
		}
		if mustAffect(res) != nil {
			return ErrLeaseLost
		}
		if o.Attempt != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE pub_attempts SET outcome = $2, detail = $3, finished_at = $4 WHERE id = $1`,
				o.Attempt, o.AttemptResult, o.Reason, now); err != nil {
				return err
			}
		}
		a.PublicationID = pub
		return db.appendAudit(ctx, tx, a)
	}))
}

// SettleNeedsCheck lets a person close a needs-check publication after
// looking at the network: published (with the post's address) or failed.
func (db *DB) SettleNeedsCheck(ctx context.Context, pub int64, published bool, remoteURL string, a AuditEntry) error {
	return wrap("settle", db.inTx(ctx, func(tx *sql.Tx) error {
		state, at := StateFailed, any(nil)
		if published {
			state, at = StatePublished, db.nowUTC()
		}
		res, err := tx.ExecContext(ctx, `UPDATE pub_publications SET state = $2, remote_url = $3, reason = 'settled by a person',
			published_at = $4 WHERE id = $1 AND state = 'needs-check'`, pub, state, remoteURL, at)
		if err != nil {
			return err
		}
		if mustAffect(res) != nil {
			return fmt.Errorf("%w: publication %d does not need a check", ErrConflict, pub)
		}
		a.PublicationID = pub
		return db.appendAudit(ctx, tx, a)
	}))
}

// scheduleChannel is the PostgreSQL notification channel on which instances
// tell each other that a schedule changed.
const scheduleChannel = "chancery_publishing"

// NotifySchedule tells every instance's scheduler that a publication's
// schedule changed, so that it recomputes when to wake. On SQLite there is
// one instance, which its caller wakes directly.
func (db *DB) NotifySchedule(ctx context.Context) error {
	if db.backend != BackendPostgres {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, `SELECT pg_notify($1, '')`, scheduleChannel)
	return wrap("notify schedule", err)
}

// ListenSchedule calls fn each time any instance calls NotifySchedule,
// until ctx ends. On SQLite it returns nil at once.
func (db *DB) ListenSchedule(ctx context.Context, fn func()) error {
	if db.pool == nil {
		return nil
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return wrap("listen schedule", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `LISTEN `+scheduleChannel); err != nil {
		return wrap("listen schedule", err)
	}
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				// The connection may be mid-wait; drop it rather than
				// return it to the pool in an unknown state.
				_ = conn.Conn().Close(context.WithoutCancel(ctx))
				return nil
			}
			return wrap("listen schedule", err)
		}
		fn()
	}
}

// FinishAttemptOnly closes an attempt without touching its publication.
func (db *DB) FinishAttemptOnly(ctx context.Context, attempt int64, outcome, detail string) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE pub_attempts SET outcome = $2, detail = $3, finished_at = $4 WHERE id = $1`,
		attempt, outcome, detail, db.nowUTC())
	return wrap("finish attempt", err)
}
