package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The store's side of out-of-band post detection (internal/social/watch):
// per channel, where the last read of the timeline stopped and how the
// channel answered; and the alerts, one per post Chancery did not make.

// Watch states of a channel, as WatchChannel.State.
const (
	WatchNew         = "new"          // never read yet
	WatchOK          = "ok"           // the last read succeeded
	WatchRateLimited = "rate-limited" // the network asked to wait until RetryAt
	WatchAuthExpired = "auth-expired" // the credentials no longer work
	WatchFailing     = "failing"      // any other failure; Reason says which
)

// Verdicts a press officer gives when acknowledging an alert.
const (
	// VerdictOurs: the post was made by the ministry outside Chancery (by
	// hand, in the network's app).
	VerdictOurs = "ours"
	// VerdictHijack: the post was not the ministry's; the account was
	// secured and the incident reported.
	VerdictHijack = "hijack"
)

// MaxWatchNote is the longest acknowledgement note kept, in characters.
const MaxWatchNote = 2000

// ErrBadVerdict means an acknowledgement named no known verdict or carried
// an over-long note.
var ErrBadVerdict = errors.New("store: unknown verdict or note too long")

// WatchChannel is the watch state and health of one channel.
type WatchChannel struct {
	ChannelID int64
	// StartedAt is when the channel was first watched.
	StartedAt time.Time
	// Watermark is the creation time from which the next read starts, zero
	// before the first successful read.
	Watermark time.Time
	// NextCheck is when the channel may be read again.
	NextCheck time.Time
	State     string // WatchNew, WatchOK, …
	// ErrorClass is the social.Class of the last failure ("rate-limited"),
	// or "internal" for a failure inside Chancery; "" after a success.
	ErrorClass string
	Reason     string    // what the network said, for the press office
	RetryAt    time.Time // when a rate limit ends
	Failures   int       // consecutive failed reads
	// LastCheckedAt is the last read, successful or not; LastOKAt the last
	// successful one.
	LastCheckedAt, LastOKAt time.Time
}

// WatchOutcome is what one read of a channel found, for FinishWatch.
type WatchOutcome struct {
	// OK is true when the timeline was read.
	OK bool
	// Watermark replaces the stored one when not zero.
	Watermark time.Time
	// NextCheck is when the channel may be read again.
	NextCheck time.Time
	// ErrorClass, Reason and RetryAt describe a failure; State is derived
	// from ErrorClass when OK is false (WatchFailing if unknown).
	State, ErrorClass, Reason string
	RetryAt                   time.Time
}

const watchChannelCols = `channel_id, started_at, watermark, next_check, state, error_class, reason,
	retry_at, failures, last_checked_at, last_ok_at`

func scanWatchChannel(row interface{ Scan(...any) error }) (WatchChannel, error) {
	var c WatchChannel
	var wm, retry, checked, ok sql.NullTime
	err := row.Scan(&c.ChannelID, &c.StartedAt, &wm, &c.NextCheck, &c.State, &c.ErrorClass, &c.Reason,
		&retry, &c.Failures, &checked, &ok)
	if err != nil {
		return WatchChannel{}, err
	}
	c.StartedAt, c.NextCheck = c.StartedAt.UTC(), c.NextCheck.UTC()
	c.Watermark, c.RetryAt, c.LastCheckedAt, c.LastOKAt = fromNull(wm), fromNull(retry), fromNull(checked), fromNull(ok)
	return c, nil
}

// ClaimWatch takes the right to read channelID's timeline for lease, for
// owner (an instance's random name). The channel is created, due at once,
// the first time it is claimed. claimed is false, with the channel's state,
// when it is not due yet (NextCheck in the future) or another owner holds an
// unexpired lease: across instances sharing a database one channel is read
// by one instance at a time, and its rate limits are honoured by all.
func (db *DB) ClaimWatch(ctx context.Context, channelID int64, owner string, lease time.Duration) (c WatchChannel, claimed bool, err error) {
	op := fmt.Sprintf("claim watch of channel %d", channelID)
	if owner == "" || lease <= 0 {
		return WatchChannel{}, false, fmt.Errorf("store: %s: empty owner or lease", op)
	}
	now := db.nowUTC()
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO watch_channels (channel_id, started_at, next_check) VALUES ($1, $2, $2)
			ON CONFLICT (channel_id) DO NOTHING`, channelID, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE watch_channels SET lease_owner = $2, lease_until = $3
			WHERE channel_id = $1 AND next_check <= $4 AND (lease_until IS NULL OR lease_until <= $4)`,
			channelID, owner, now.Add(lease), now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		claimed = n == 1
		c, err = scanWatchChannel(tx.QueryRowContext(ctx,
			`SELECT `+watchChannelCols+` FROM watch_channels WHERE channel_id = $1`, channelID))
		return err
	})
	if err != nil {
		return WatchChannel{}, false, wrap(op, err)
	}
	return c, claimed, nil
}

// FinishWatch records the outcome of a read that owner claimed and releases
// the lease. It returns ErrNotFound when owner no longer holds the lease (it
// expired and another instance took it): the outcome is then dropped, the
// other instance's read being as recent.
func (db *DB) FinishWatch(ctx context.Context, channelID int64, owner string, o WatchOutcome) error {
	now := db.nowUTC()
	state, failures := WatchOK, "0"
	if !o.OK {
		state, failures = o.State, "failures + 1"
		if state == "" {
			state = watchStateOf(o.ErrorClass)
		}
	}
	lastOK := "last_ok_at"
	if o.OK {
		lastOK = "$8"
	}
	res, err := db.sql.ExecContext(ctx, `
		UPDATE watch_channels SET
			watermark = COALESCE($3, watermark), next_check = $4, state = $5, error_class = $6, reason = $7,
			retry_at = $9, failures = `+failures+`, last_checked_at = $8, last_ok_at = `+lastOK+`,
			lease_owner = '', lease_until = NULL
		WHERE channel_id = $1 AND lease_owner = $2`,
		channelID, owner, nullTime(o.Watermark), dbTime(o.NextCheck), state, o.ErrorClass, o.Reason, now, nullTime(o.RetryAt))
	if err == nil {
		err = mustAffect(res)
	}
	return wrap(fmt.Sprintf("finish watch of channel %d", channelID), err)
}

func watchStateOf(class string) string {
	switch class {
	case "rate-limited":
		return WatchRateLimited
	case "auth-expired":
		return WatchAuthExpired
	}
	return WatchFailing
}

// WatchChannelState returns the watch state of a channel, or ErrNotFound
// when it was never watched.
func (db *DB) WatchChannelState(ctx context.Context, channelID int64) (WatchChannel, error) {
	c, err := scanWatchChannel(db.sql.QueryRowContext(ctx,
		`SELECT `+watchChannelCols+` FROM watch_channels WHERE channel_id = $1`, channelID))
	if err != nil {
		return WatchChannel{}, wrap(fmt.Sprintf("watch state of channel %d", channelID), err)
	}
	return c, nil
}

// WatchChannels returns the watch state of every watched channel, for the
// channels' health page.
func (db *DB) WatchChannels(ctx context.Context) ([]WatchChannel, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+watchChannelCols+` FROM watch_channels ORDER BY channel_id`)
	if err != nil {
		return nil, wrap("watch channels", err)
	}
	defer rows.Close()
	var out []WatchChannel
	for rows.Next() {
		c, err := scanWatchChannel(rows)
		if err != nil {
			return nil, wrap("watch channels", err)
		}
		out = append(out, c)
	}
	return out, wrap("watch channels", rows.Err())
}

// ForgetWatch removes a channel's watch state (when it is disconnected or
// reconnected to another account), so that the next watch starts afresh.
// Its alerts are kept. Forgetting an unwatched channel is not an error.
func (db *DB) ForgetWatch(ctx context.Context, channelID int64) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM watch_channels WHERE channel_id = $1`, channelID)
	return wrap(fmt.Sprintf("forget watch of channel %d", channelID), err)
}

// WatchAlert is a post found on a channel that Chancery did not publish.
type WatchAlert struct {
	ID        int64
	ChannelID int64
	Network   string
	RemoteID  string
	URL       string
	Excerpt   string
	// PostedAt is when the network says the post was made, zero if unknown.
	PostedAt   time.Time
	DetectedAt time.Time
	// AckBy (a user ID), AckAt, Verdict and Note are set once a press
	// officer acknowledges the alert.
	AckBy   int64
	AckAt   time.Time
	Verdict string
	Note    string
}

// Open reports whether the alert awaits acknowledgement.
func (a WatchAlert) Open() bool { return a.AckAt.IsZero() }

const watchAlertCols = `id, channel_id, network, remote_id, url, excerpt, posted_at, detected_at,
	ack_by, ack_at, verdict, note`

func scanWatchAlert(row interface{ Scan(...any) error }) (WatchAlert, error) {
	var a WatchAlert
	var posted, ackAt sql.NullTime
	var ackBy sql.NullInt64
	err := row.Scan(&a.ID, &a.ChannelID, &a.Network, &a.RemoteID, &a.URL, &a.Excerpt, &posted, &a.DetectedAt,
		&ackBy, &ackAt, &a.Verdict, &a.Note)
	if err != nil {
		return WatchAlert{}, err
	}
	a.DetectedAt = a.DetectedAt.UTC()
	a.PostedAt, a.AckAt, a.AckBy = fromNull(posted), fromNull(ackAt), ackBy.Int64
	return a, nil
}

// RecordWatchAlert stores an alert for a.ChannelID and a.RemoteID, detected
// now, unless one exists: created is then false and the existing alert is
// returned unchanged. Concurrent calls for one post, from any number of
// instances, create exactly one alert.
func (db *DB) RecordWatchAlert(ctx context.Context, a WatchAlert) (stored WatchAlert, created bool, err error) {
	op := fmt.Sprintf("record watch alert for channel %d post %q", a.ChannelID, a.RemoteID)
	if a.RemoteID == "" {
		return WatchAlert{}, false, fmt.Errorf("store: %s: empty remote id", op)
	}
	a.DetectedAt = db.nowUTC()
	err = db.sql.QueryRowContext(ctx, `
		INSERT INTO watch_alerts (channel_id, network, remote_id, url, excerpt, posted_at, detected_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (channel_id, remote_id) DO NOTHING
		RETURNING id`,
		a.ChannelID, a.Network, a.RemoteID, a.URL, a.Excerpt, nullTime(a.PostedAt), a.DetectedAt).Scan(&a.ID)
	switch {
	case err == nil:
		if !a.PostedAt.IsZero() {
			a.PostedAt = dbTime(a.PostedAt)
		}
		return a, true, nil
	case errors.Is(err, sql.ErrNoRows):
		stored, err = scanWatchAlert(db.sql.QueryRowContext(ctx,
			`SELECT `+watchAlertCols+` FROM watch_alerts WHERE channel_id = $1 AND remote_id = $2`, a.ChannelID, a.RemoteID))
		if err != nil {
			return WatchAlert{}, false, wrap(op, err)
		}
		return stored, false, nil
	}
	return WatchAlert{}, false, wrap(op, err)
}

// WatchAlert returns the alert id, or ErrNotFound.
func (db *DB) WatchAlert(ctx context.Context, id int64) (WatchAlert, error) {
	a, err := scanWatchAlert(db.sql.QueryRowContext(ctx, `SELECT `+watchAlertCols+` FROM watch_alerts WHERE id = $1`, id))
	if err != nil {
		return WatchAlert{}, wrap(fmt.Sprintf("watch alert %d", id), err)
	}
	return a, nil
}

// WatchAlertFilter selects alerts for WatchAlerts.
type WatchAlertFilter struct {
	OpenOnly  bool  // only alerts not yet acknowledged
	ChannelID int64 // 0 for every channel
	Limit     int   // at most this many, newest first; 0 means 100
}

// WatchAlerts returns the alerts f selects, newest first.
func (db *DB) WatchAlerts(ctx context.Context, f WatchAlertFilter) ([]WatchAlert, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var where []string
	var args []any
	if f.OpenOnly {
		where = append(where, "ack_at IS NULL")
	}
	if f.ChannelID != 0 {
		args = append(args, f.ChannelID)
		where = append(where, fmt.Sprintf("channel_id = $%d", len(args)))
	}
	q := `SELECT ` + watchAlertCols + ` FROM watch_alerts`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(" ORDER BY detected_at DESC, id DESC LIMIT $%d", len(args))
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("watch alerts", err)
	}
	defer rows.Close()
	var out []WatchAlert
	for rows.Next() {
		a, err := scanWatchAlert(rows)
		if err != nil {
			return nil, wrap("watch alerts", err)
		}
		out = append(out, a)
	}
	return out, wrap("watch alerts", rows.Err())
}

// CountOpenWatchAlerts returns how many alerts await acknowledgement, for
// the press office banner.
func (db *DB) CountOpenWatchAlerts(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM watch_alerts WHERE ack_at IS NULL`).Scan(&n); err != nil {
		return 0, wrap("count open watch alerts", err)
	}
	return n, nil
}

// AcknowledgeWatchAlert records that user by looked at alert id, with a
// verdict (VerdictOurs or VerdictHijack) and a note, now. It returns
// ErrBadVerdict for an unknown verdict or a note longer than MaxWatchNote,
// ErrNotFound for a missing alert or user, and ErrConflict when the alert
// was already acknowledged: the first acknowledgement stands.
func (db *DB) AcknowledgeWatchAlert(ctx context.Context, id, by int64, verdict, note string) (WatchAlert, error) {
	op := fmt.Sprintf("acknowledge watch alert %d", id)
	note = strings.TrimSpace(note)
	if (verdict != VerdictOurs && verdict != VerdictHijack) || utf8.RuneCountInString(note) > MaxWatchNote || !utf8.ValidString(note) {
		return WatchAlert{}, fmt.Errorf("store: %s: %w", op, ErrBadVerdict)
	}
	var a WatchAlert
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE watch_alerts SET ack_by = $2, ack_at = $3, verdict = $4, note = $5
			WHERE id = $1 AND ack_at IS NULL`, id, by, db.nowUTC(), verdict, note)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		a, err = scanWatchAlert(tx.QueryRowContext(ctx, `SELECT `+watchAlertCols+` FROM watch_alerts WHERE id = $1`, id))
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrConflict
		}
		return nil
	})
	if err != nil {
		return WatchAlert{}, wrap(op, err)
	}
	return a, nil
}
