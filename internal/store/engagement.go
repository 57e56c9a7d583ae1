package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Engagement is the network's count of one language's post of a
// publication; a count of -1 is one the network does not offer.
type Engagement struct {
	PublicationID int64
	ChannelID     int64
	Lang          string
	RemoteID      string
	PublishedAt   time.Time
	Likes         int
	Reposts       int
	Replies       int
	Quotes        int
	Views         int
	FetchedAt     time.Time
	NextAt        time.Time // zero: not read again
	Failures      int
	LastError     string
}

// SeedEngagement adds the posts of published publications that have no
// engagement row yet (the first part of each language), due now.
func (db *DB) SeedEngagement(ctx context.Context) (int, error) {
	type part struct {
		pub      int64
		key, rid string
	}
	var parts []part
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var p part
		if err := rows.Scan(&p.pub, &p.key, &p.rid); err != nil {
			return err
		}
		parts = append(parts, p)
		return nil
	}, `SELECT pp.publication_id, pp.post_key, pp.remote_id FROM pub_parts pp JOIN pub_publications p ON p.id = pp.publication_id
		WHERE p.state = 'published' AND pp.deleted_at IS NULL AND pp.remote_id <> ''
		AND NOT EXISTS (SELECT 1 FROM pub_engagement e WHERE e.publication_id = pp.publication_id)
		ORDER BY pp.publication_id, pp.idx`)
	if err != nil {
		return 0, wrap("seed engagement", err)
	}
	now, n := db.nowUTC(), 0
	for _, p := range parts {
		// Keys are pub-<publication>-<language>-<segment>: the first
		// segment of each language is the post people see and count.
		f := strings.Split(p.key, "-")
		if len(f) < 4 || f[len(f)-1] != "0" {
			continue
		}
		lng := strings.Join(f[2:len(f)-1], "-")
		res, err := db.sql.ExecContext(ctx, `INSERT INTO pub_engagement (publication_id, lang, remote_id, next_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, p.pub, lng, p.rid, now)
		if err != nil {
			return n, wrap("seed engagement", err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	return n, nil
}

const engagementCols = `e.publication_id, p.channel_id, e.lang, e.remote_id, p.published_at, e.likes, e.reposts, e.replies, e.quotes, e.views,
	e.fetched_at, e.next_at, e.failures, e.last_error`

func scanEngagement(rows *sql.Rows) (Engagement, error) {
	var e Engagement
	var pub, fetched, next sql.NullTime
	err := rows.Scan(&e.PublicationID, &e.ChannelID, &e.Lang, &e.RemoteID, &pub, &e.Likes, &e.Reposts, &e.Replies, &e.Quotes, &e.Views,
		&fetched, &next, &e.Failures, &e.LastError)
	e.PublishedAt, e.FetchedAt, e.NextAt = fromNull(pub), fromNull(fetched), fromNull(next)
	return e, err
}

// DueEngagement returns up to limit posts whose counts are due, the
// longest-waiting first.
func (db *DB) DueEngagement(ctx context.Context, limit int) ([]Engagement, error) {
	out := []Engagement{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		e, err := scanEngagement(rows)
		out = append(out, e)
		return err
	}, `SELECT `+engagementCols+` FROM pub_engagement e JOIN pub_publications p ON p.id = e.publication_id
		WHERE e.next_at IS NOT NULL AND e.next_at <= $1 ORDER BY e.next_at, e.publication_id, e.lang LIMIT $2`, db.nowUTC(), limit)
	return out, wrap("due engagement", err)
}

// SaveEngagement records a read of one post: its counts when it worked,
// else the failure, and when to read it next (zero: never).
func (db *DB) SaveEngagement(ctx context.Context, e Engagement) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE pub_engagement SET likes = $1, reposts = $2, replies = $3, quotes = $4, views = $5,
		fetched_at = $6, next_at = $7, failures = $8, last_error = $9 WHERE publication_id = $10 AND lang = $11`,
		e.Likes, e.Reposts, e.Replies, e.Quotes, e.Views, nullTime(e.FetchedAt), nullTime(e.NextAt), e.Failures, e.LastError,
		e.PublicationID, e.Lang)
	if err == nil {
		err = mustAffect(res)
	}
	return wrap(fmt.Sprintf("save engagement %d %s", e.PublicationID, e.Lang), err)
}

// StatementEngagement returns the counts of a statement's posts, by
// channel and language.
func (db *DB) StatementEngagement(ctx context.Context, statement int64) ([]Engagement, error) {
	out := []Engagement{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		e, err := scanEngagement(rows)
		out = append(out, e)
		return err
	}, `SELECT `+engagementCols+` FROM pub_engagement e JOIN pub_publications p ON p.id = e.publication_id
		WHERE p.statement_id = $1 ORDER BY p.channel_id, e.lang`, statement)
	return out, wrap("statement engagement", err)
}
