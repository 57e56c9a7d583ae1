package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// RoomChat is one chat message of a conference room.
type RoomChat struct {
	ID         int64
	RoomSlug   string
	Identity   string
	Name       string
	Delegation string
	Body       string
	CreatedAt  time.Time
}

// AddRoomChat stores m and returns it with its ID set. CreatedAt is kept
// if set (the SFU's clock), else taken from the store's clock.
func (db *DB) AddRoomChat(ctx context.Context, m RoomChat) (RoomChat, error) {
	if m.CreatedAt.IsZero() {
		m.CreatedAt = db.nowUTC()
	}
	m.CreatedAt = m.CreatedAt.UTC()
	err := db.sql.QueryRowContext(ctx,
		`INSERT INTO room_chat (room_slug, identity, name, delegation, body, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		m.RoomSlug, m.Identity, m.Name, m.Delegation, m.Body, m.CreatedAt).Scan(&m.ID)
	if err != nil {
		return RoomChat{}, wrap(fmt.Sprintf("add chat to room %q", m.RoomSlug), err)
	}
	return m, nil
}

// RecentRoomChat returns the last limit messages of a room, oldest first.
func (db *DB) RecentRoomChat(ctx context.Context, slug string, limit int) ([]RoomChat, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT id, room_slug, identity, name, delegation, body, created_at FROM (
			SELECT * FROM room_chat WHERE room_slug = $1 ORDER BY id DESC LIMIT $2
		) AS recent ORDER BY id`, slug, limit)
	if err != nil {
		return nil, wrap(fmt.Sprintf("chat of room %q", slug), err)
	}
	defer rows.Close()
	var out []RoomChat
	for rows.Next() {
		var m RoomChat
		if err := rows.Scan(&m.ID, &m.RoomSlug, &m.Identity, &m.Name, &m.Delegation, &m.Body, &m.CreatedAt); err != nil {
			return nil, wrap(fmt.Sprintf("chat of room %q", slug), err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, m)
	}
	return out, wrap(fmt.Sprintf("chat of room %q", slug), rows.Err())
}

// RoomAudit is one moderator action in a conference room.
type RoomAudit struct {
	ID             int64
	RoomSlug       string
	ActorIdentity  string
	ActorName      string
	Action         string
	TargetIdentity string
	Detail         string
	CreatedAt      time.Time
}

// roomAuditPrefix starts the action of the hash-chained audit entry that
// carries a room audit row: "room." and the row's action.
const roomAuditPrefix = "room."

// roomAuditPayload is what the chained entry of a room audit row holds:
// everything the row says but its own id and entry number.
func roomAuditPayload(a RoomAudit) string {
	b, _ := json.Marshal(struct {
		Room      string `json:"room"`
		Actor     string `json:"actor"`
		ActorName string `json:"actor_name"`
		Action    string `json:"action"`
		Target    string `json:"target,omitempty"`
		Detail    string `json:"detail,omitempty"`
		At        string `json:"at"`
	}{a.RoomSlug, a.ActorIdentity, a.ActorName, a.Action, a.TargetIdentity, a.Detail, a.CreatedAt.UTC().Format(time.RFC3339Nano)})
	return string(b)
}

// AddRoomAudit records a moderator action (a chair's, an officer's, the
// staff's on a room): a row of the room's audit and, in the same
// transaction, an entry of the hash-chained audit log that carries the
// same facts, which VerifyAudit checks the row against.
func (db *DB) AddRoomAudit(ctx context.Context, a RoomAudit) error {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.nowUTC()
	}
	a.CreatedAt = dbTime(a.CreatedAt)
	return wrap(fmt.Sprintf("audit room %q", a.RoomSlug), db.inTx(ctx, func(tx *sql.Tx) error {
		seq, err := db.appendAuditSeq(ctx, tx, AuditEntry{Actor: "room:" + a.ActorIdentity, Action: roomAuditPrefix + a.Action,
			Payload: roomAuditPayload(a)})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO room_audit (room_slug, actor_identity, actor_name, action, target_identity, detail, created_at, audit_seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			a.RoomSlug, a.ActorIdentity, a.ActorName, a.Action, a.TargetIdentity, a.Detail, a.CreatedAt, seq)
		return err
	}))
}

// verifyRoomAudit checks every row of the rooms' audit against the
// chained entries (seq → payload) VerifyAudit collected from the n
// entries of the log: a row whose facts differ from its entry's was
// modified; an entry without its row means a row deleted; a row without
// an entry, newer than the rows written before the audit was chained
// (migration 0030), was added behind the log's back.
func (db *DB) verifyRoomAudit(ctx context.Context, entries map[int64]string, n int64) error {
	var legacy int64
	if err := db.sql.QueryRowContext(ctx, `SELECT max_id FROM room_audit_unchained WHERE id = 1`).Scan(&legacy); err != nil {
		return wrap("verify the rooms' audit", err)
	}
	var broken *AuditBreak
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var a RoomAudit
		var seq sql.NullInt64
		if err := rows.Scan(&a.ID, &a.RoomSlug, &a.ActorIdentity, &a.ActorName, &a.Action, &a.TargetIdentity, &a.Detail, &a.CreatedAt, &seq); err != nil {
			return err
		}
		if broken != nil {
			return nil
		}
		switch payload, ok := entries[seq.Int64]; {
		case !seq.Valid && a.ID > legacy:
			// No entry is at fault: the break is named, like a deleted
			// tail, after the last entry.
			broken = &AuditBreak{Seq: n + 1, Reason: fmt.Sprintf("room audit row %d (room %q) is in no entry of the log (added behind its back)", a.ID, a.RoomSlug)}
		case !seq.Valid:
		case !ok:
			broken = &AuditBreak{Seq: seq.Int64, Reason: fmt.Sprintf("room audit row %d names entry %d, which does not carry it", a.ID, seq.Int64)}
		case payload != roomAuditPayload(a):
			broken = &AuditBreak{Seq: seq.Int64, Reason: fmt.Sprintf("room audit row %d (room %q) does not match the entry that chains it (modified)", a.ID, a.RoomSlug)}
		default:
			delete(entries, seq.Int64)
		}
		return nil
	}, `SELECT id, room_slug, actor_identity, actor_name, action, target_identity, detail, created_at, audit_seq FROM room_audit ORDER BY id`)
	if err != nil {
		return wrap("verify the rooms' audit", err)
	}
	if broken != nil {
		return broken
	}
	if len(entries) > 0 {
		seqs := slices.Sorted(maps.Keys(entries))
		return &AuditBreak{Seq: seqs[0], Reason: fmt.Sprintf("the room audit row of entry %d is missing (deleted)", seqs[0])}
	}
	return nil
}

// ListRoomAudit returns a room's moderator actions, oldest first.
func (db *DB) ListRoomAudit(ctx context.Context, slug string) ([]RoomAudit, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT id, room_slug, actor_identity, actor_name, action, target_identity, detail, created_at
		FROM room_audit WHERE room_slug = $1 ORDER BY id`, slug)
	if err != nil {
		return nil, wrap(fmt.Sprintf("audit of room %q", slug), err)
	}
	defer rows.Close()
	var out []RoomAudit
	for rows.Next() {
		var a RoomAudit
		if err := rows.Scan(&a.ID, &a.RoomSlug, &a.ActorIdentity, &a.ActorName, &a.Action, &a.TargetIdentity, &a.Detail, &a.CreatedAt); err != nil {
			return nil, wrap(fmt.Sprintf("audit of room %q", slug), err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		out = append(out, a)
	}
	return out, wrap(fmt.Sprintf("audit of room %q", slug), rows.Err())
}
