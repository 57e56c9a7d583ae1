package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Publication and statement states (issue 4, clearance).
const (
	StateDraft      = "draft"
	StateSubmitted  = "submitted"
	StateApproved   = "approved"
	StateScheduled  = "scheduled"
	StatePublishing = "publishing"
	StatePublished  = "published"
	StateFailed     = "failed"
	StateNeedsCheck = "needs-check"
)

// Reasons a scheduled publication is held for a person's decision.
const (
	HeldLate            = "late"
	HeldApprovalExpired = "approval-expired"
	HeldPaused          = "paused"
)

// Channel is one account on one network, or the portal.
type Channel struct {
	ID               int64
	Network          string
	Name             string
	Account          string
	BaseURL          string
	Languages        []string
	TimeZone         string
	MaxLength        int
	PausedReason     string
	PausedAt         time.Time
	PausedBy         int64
	RateLimitedUntil time.Time
	CreatedAt        time.Time
}

// Paused reports whether the channel is paused.
func (c Channel) Paused() bool { return !c.PausedAt.IsZero() }

// Variant is a statement in one language.
type Variant struct {
	Lang  string
	Title string
	Body  string
}

// Override replaces a variant's body on one channel (a shorter X text).
type Override struct {
	ChannelID int64
	Lang      string
	Body      string
}

// Attachment is an image attached to a statement, with alt text per language.
type Attachment struct {
	ID          int64
	Filename    string
	ContentType string
	Data        []byte
	Alts        map[string]string
}

// The choices of a recall for the statement's portal pages.
const (
	RecallNotice = "notice" // keep the page with a withdrawal notice instead of the text
	RecallRemove = "remove" // remove the page: 410 Gone
)

// Statement is what press officers write, clear and publish.
type Statement struct {
	ID              int64
	AuthorID        int64
	Category        string
	Sensitive       bool
	State           string
	DueAt           time.Time
	EmbargoUntil    time.Time
	ArticleURL      string
	ContentHash     string
	ApprovalsNeeded int
	RecallState     string // "", requested or done (withdrawn)
	RecallBy        int64  // who asked for the recall
	RecallReason    string
	// RecallMode is what the recall makes of the statement's portal pages:
	// RecallNotice (a withdrawal notice) or RecallRemove (410 Gone).
	RecallMode        string
	RecallRequestedAt time.Time
	RecallApprovedBy  int64     // who approved the recall
	RecallDoneAt      time.Time // when the approved recall withdrew the statement
	// Corrects is the recalled statement this one corrects, 0 if none.
	Corrects  int64
	CreatedAt time.Time
	UpdatedAt time.Time

	Variants  []Variant
	Overrides []Override
	Media     []Attachment
	Targets   []int64 // channel IDs
	// TargetDue holds the due time of each target whose publication was
	// moved away from DueAt (on the calendar): approvals cover it too.
	TargetDue map[int64]time.Time
}

// Publication is one statement on one channel.
type Publication struct {
	ID            int64
	StatementID   int64
	ChannelID     int64
	State         string
	Held          string
	DueAt         time.Time
	NextAttemptAt time.Time
	LeaseOwner    string
	LeaseUntil    time.Time
	Tries         int
	Reason        string
	RemoteID      string
	RemoteURL     string
	PublishedAt   time.Time
	DeletedAt     time.Time
}

// PostPart is a confirmed part of a publication (one post of a thread).
type PostPart struct {
	Idx       int
	Key       string
	RemoteID  string
	RemoteURL string
	CreatedAt time.Time
	DeletedAt time.Time
}

// Attempt is the write-ahead record of one irreversible call.
type Attempt struct {
	ID            int64
	PublicationID int64
	Idx           int
	Key           string
	Owner         string
	Outcome       string // pending, ok, failed, unknown
	Detail        string
	StartedAt     time.Time
	FinishedAt    time.Time
}

// Attempt outcomes.
const (
	AttemptPending = "pending"
	AttemptOK      = "ok"
	AttemptFailed  = "failed"
	AttemptUnknown = "unknown"
	// AttemptDuplicate: the network refused the post as a duplicate of
	// one it holds, which may be the post an earlier attempt made; it is
	// settled by reconciliation, like an unknown outcome.
	AttemptDuplicate = "duplicate"
)

// OrgPause is the organisation-wide emergency pause.
type OrgPause struct {
	Reason   string
	PausedBy int64
	PausedAt time.Time
}

const channelCols = `id, network, name, account, base_url, languages, time_zone, max_length,
	paused_reason, paused_at, paused_by, rate_limited_until, created_at`

func scanChannel(s interface{ Scan(...any) error }) (Channel, error) {
	var c Channel
	var langs string
	var pausedAt, rl sql.NullTime
	var pausedBy sql.NullInt64
	err := s.Scan(&c.ID, &c.Network, &c.Name, &c.Account, &c.BaseURL, &langs, &c.TimeZone, &c.MaxLength,
		&c.PausedReason, &pausedAt, &pausedBy, &rl, &c.CreatedAt)
	c.Languages = splitList(langs)
	c.PausedAt, c.RateLimitedUntil, c.PausedBy = fromNull(pausedAt), fromNull(rl), pausedBy.Int64
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateChannel stores c and returns it with its ID. A taken name gives
// ErrConflict.
func (db *DB) CreateChannel(ctx context.Context, c Channel, a AuditEntry) (Channel, error) {
	c.CreatedAt = db.nowUTC()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO pub_channels (network, name, account, base_url, languages, time_zone, max_length, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			c.Network, c.Name, c.Account, c.BaseURL, strings.Join(c.Languages, ","), c.TimeZone, c.MaxLength, c.CreatedAt).Scan(&c.ID)
		if err != nil {
			return err
		}
		a.Payload = fmt.Sprintf("channel %d %s %q", c.ID, c.Network, c.Name)
		return db.appendAudit(ctx, tx, a)
	})
	if err != nil {
		return Channel{}, wrap("create channel", err)
	}
	return c, nil
}

// ListChannels returns every channel by name.
func (db *DB) ListChannels(ctx context.Context) ([]Channel, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+channelCols+` FROM pub_channels ORDER BY name`)
	if err != nil {
		return nil, wrap("list channels", err)
	}
	defer rows.Close()
	var out []Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, wrap("list channels", err)
		}
		out = append(out, c)
	}
	return out, wrap("list channels", rows.Err())
}

// GetChannel returns one channel or ErrNotFound.
func (db *DB) GetChannel(ctx context.Context, id int64) (Channel, error) {
	c, err := scanChannel(db.sql.QueryRowContext(ctx, `SELECT `+channelCols+` FROM pub_channels WHERE id = $1`, id))
	if err != nil {
		return Channel{}, wrap(fmt.Sprintf("get channel %d", id), err)
	}
	return c, nil
}

// SetChannelRateLimit records that the network refuses calls until until.
func (db *DB) SetChannelRateLimit(ctx context.Context, id int64, until time.Time) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE pub_channels SET rate_limited_until = $2 WHERE id = $1`, id, nullTime(until))
	return wrap("set rate limit", err)
}

// PauseChannel pauses one channel with a reason.
func (db *DB) PauseChannel(ctx context.Context, id int64, reason string, by int64, a AuditEntry) error {
	return wrap("pause channel", db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pub_channels SET paused_reason = $2, paused_at = $3, paused_by = $4 WHERE id = $1 AND paused_at IS NULL`,
			id, reason, db.nowUTC(), nullID(by))
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return fmt.Errorf("%w: channel %d missing or already paused", ErrConflict, id)
		}
		return db.appendAudit(ctx, tx, a)
	}))
}

// OverduePub is a publication that fell due during a pause.
type OverduePub struct {
	PublicationID int64
	StatementID   int64
	ChannelID     int64
	DueAt         time.Time
}

// ResumeChoice says what to do with publications that fell due during a
// pause: publish them now, move them to a new time, or hold them for a
// person. The store applies now and hold; a new time is a move that voids
// approvals, which the publishing service makes (MovePublication).
type ResumeChoice struct {
	Action string // now, reschedule, hold
	At     time.Time
}

// Resume actions.
const (
	ResumeNow        = "now"
	ResumeReschedule = "reschedule"
	ResumeHold       = "hold"
)

// overdueSQL selects scheduled publications due at or before $1 that are
// not yet held; the caller narrows it to a channel.
const overdueSQL = `SELECT p.id, p.statement_id, p.channel_id, p.due_at FROM pub_publications p
	WHERE p.state = 'scheduled' AND p.held = '' AND p.due_at <= $1`

// OverduePublications lists what fell due and did not go out (on channel,
// or on every channel when channel is 0).
func (db *DB) OverduePublications(ctx context.Context, channel int64) ([]OverduePub, error) {
	q, args := overdueSQL, []any{db.nowUTC()}
	if channel != 0 {
		q += ` AND p.channel_id = $2`
		args = append(args, channel)
	}
	rows, err := db.sql.QueryContext(ctx, q+` ORDER BY p.due_at, p.id`, args...)
	if err != nil {
		return nil, wrap("overdue publications", err)
	}
	defer rows.Close()
	var out []OverduePub
	for rows.Next() {
		var o OverduePub
		if err := rows.Scan(&o.PublicationID, &o.StatementID, &o.ChannelID, &o.DueAt); err != nil {
			return nil, wrap("overdue publications", err)
		}
		o.DueAt = o.DueAt.UTC()
		out = append(out, o)
	}
	return out, wrap("overdue publications", rows.Err())
}

func (db *DB) applyResume(ctx context.Context, tx *sql.Tx, channel int64, c ResumeChoice) error {
	now := db.nowUTC()
	var q string
	var args []any
	switch c.Action {
	case ResumeNow:
		// The due time stays, as approvals cover it: the publication goes
		// out from now on, later than approved, never earlier. A new time
		// chosen by a person is a move (MovePublication), which the service
		// makes after holding what fell due.
		q, args = `UPDATE pub_publications SET next_attempt_at = $1 WHERE state = 'scheduled' AND held = '' AND due_at <= $1`, []any{now}
	case ResumeHold:
		q, args = `UPDATE pub_publications SET held = 'paused' WHERE state = 'scheduled' AND held = '' AND due_at <= $1`, []any{now}
	default:
		return fmt.Errorf("unknown resume action %q", c.Action)
	}
	if channel != 0 {
		q += fmt.Sprintf(` AND channel_id = $%d`, len(args)+1)
		args = append(args, channel)
	}
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

// ResumeChannel lifts a channel's pause and applies c to what fell due.
func (db *DB) ResumeChannel(ctx context.Context, id int64, c ResumeChoice, a AuditEntry) error {
	return wrap("resume channel", db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pub_channels SET paused_reason = '', paused_at = NULL, paused_by = NULL WHERE id = $1 AND paused_at IS NOT NULL`, id)
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return fmt.Errorf("%w: channel %d is not paused", ErrConflict, id)
		}
		if err := db.applyResume(ctx, tx, id, c); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, a)
	}))
}

// GetOrgPause returns the organisation-wide pause, or ErrNotFound when
// publishing runs.
func (db *DB) GetOrgPause(ctx context.Context) (OrgPause, error) {
	var p OrgPause
	var by sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `SELECT reason, paused_by, paused_at FROM pub_org_pause WHERE id = 1`).Scan(&p.Reason, &by, &p.PausedAt)
	if err != nil {
		return OrgPause{}, wrap("get pause", err)
	}
	p.PausedBy, p.PausedAt = by.Int64, p.PausedAt.UTC()
	return p, nil
}

// PauseOrg stops all publishing with a reason.
func (db *DB) PauseOrg(ctx context.Context, reason string, by int64, a AuditEntry) error {
	return wrap("pause", db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pub_org_pause (id, reason, paused_by, paused_at) VALUES (1, $1, $2, $3)`,
			reason, nullID(by), db.nowUTC()); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, a)
	}))
}

// ResumeOrg lifts the organisation-wide pause and applies c to every
// publication that fell due meanwhile on a channel that is not paused.
func (db *DB) ResumeOrg(ctx context.Context, c ResumeChoice, a AuditEntry) error {
	return wrap("resume", db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM pub_org_pause WHERE id = 1`)
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return fmt.Errorf("%w: publishing is not paused", ErrConflict)
		}
		if err := db.applyResume(ctx, tx, 0, c); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, a)
	}))
}

// Gate is what the scheduler checks immediately before every irreversible
// call on a channel.
type Gate struct {
	Paused       bool
	Reason       string
	LimitedUntil time.Time // the network's rate limit, zero if none
}

// ChannelGate reads the pauses and the rate limit of channel now.
func (db *DB) ChannelGate(ctx context.Context, channel int64) (Gate, error) {
	var g Gate
	var org, chReason sql.NullString
	var until sql.NullTime
	err := db.sql.QueryRowContext(ctx, `SELECT (SELECT reason FROM pub_org_pause WHERE id = 1),
		CASE WHEN paused_at IS NOT NULL THEN paused_reason END, rate_limited_until FROM pub_channels WHERE id = $1`, channel).Scan(&org, &chReason, &until)
	if err != nil {
		return Gate{}, wrap("channel gate", err)
	}
	switch {
	case org.Valid:
		g.Paused, g.Reason = true, org.String
	case chReason.Valid:
		g.Paused, g.Reason = true, chReason.String
	}
	g.LimitedUntil = fromNull(until)
	return g, nil
}

func marshalAlts(m map[string]string) string {
	b, _ := json.Marshal(m) // a map of strings always marshals
	return string(b)
}
