package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// Recording is the record of one recording of a room: who started and
// stopped it, when, why it stopped, and its files. The files are on disk
// (internal/recording) under RoomSlug and Recording, its directory's name.
type Recording struct {
	ID        int64
	RoomSlug  string
	Recording string
	StartedAt time.Time
	StartedBy string
	// StoppedAt is zero while it records (or when the server died
	// recording it); Reason is why it stopped: "chair", "staff",
	// "low_disk", "shutdown".
	StoppedAt time.Time
	StoppedBy string
	Reason    string
	Files     []RecordingFile
	Bytes     int64
}

// RecordingFile is one file of a recording, as it was at the stop.
type RecordingFile struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Kind        string `json:"kind,omitempty"`
	Language    string `json:"language,omitempty"`
	Bytes       int64  `json:"bytes"`
}

const recordingCols = `id, room_slug, recording, started_at, started_by, stopped_at, stopped_by, reason, files, bytes`

func scanRecording(s interface{ Scan(...any) error }) (Recording, error) {
	var r Recording
	var stopped sql.NullTime
	var files string
	if err := s.Scan(&r.ID, &r.RoomSlug, &r.Recording, &r.StartedAt, &r.StartedBy, &stopped, &r.StoppedBy, &r.Reason, &files, &r.Bytes); err != nil {
		return Recording{}, err
	}
	r.StartedAt, r.StoppedAt = r.StartedAt.UTC(), fromNull(stopped)
	r.Files = []RecordingFile{}
	if err := json.Unmarshal([]byte(files), &r.Files); err != nil {
		return Recording{}, err
	}
	return r, nil
}

// RecordingStarted stores the start of a recording; the same room and
// recording twice is ErrConflict.
func (db *DB) RecordingStarted(ctx context.Context, r Recording) (Recording, error) {
	err := db.sql.QueryRowContext(ctx, `INSERT INTO recordings (room_slug, recording, started_at, started_by)
		VALUES ($1, $2, $3, $4) RETURNING id`, r.RoomSlug, r.Recording, dbTime(r.StartedAt), r.StartedBy).Scan(&r.ID)
	if err != nil {
		return Recording{}, wrap("recording started", err)
	}
	return r, nil
}

// RecordingStopped stores the stop of a recording: when, by whom, why,
// its files and their total size. A recording not started is ErrNotFound;
// one already stopped keeps its first stop (ErrConflict).
func (db *DB) RecordingStopped(ctx context.Context, r Recording) error {
	files := r.Files
	if files == nil {
		files = []RecordingFile{}
	}
	b, err := json.Marshal(files)
	if err != nil {
		return err
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE recordings SET stopped_at = $1, stopped_by = $2, reason = $3, files = $4, bytes = $5
		WHERE room_slug = $6 AND recording = $7 AND stopped_at IS NULL`,
		dbTime(r.StoppedAt), r.StoppedBy, r.Reason, string(b), r.Bytes, r.RoomSlug, r.Recording)
	if err != nil {
		return wrap("recording stopped", err)
	}
	if mustAffect(res) == nil {
		return nil
	}
	if _, err := db.GetRecording(ctx, r.RoomSlug, r.Recording); err != nil {
		return err
	}
	return wrap("recording stopped", ErrConflict)
}

// GetRecording returns the room's recording, or ErrNotFound.
func (db *DB) GetRecording(ctx context.Context, room, recording string) (Recording, error) {
	r, err := scanRecording(db.sql.QueryRowContext(ctx, `SELECT `+recordingCols+` FROM recordings WHERE room_slug = $1 AND recording = $2`, room, recording))
	return r, wrap("get recording", err)
}

// ListRecordings returns the room's recordings, the latest first.
func (db *DB) ListRecordings(ctx context.Context, room string) ([]Recording, error) {
	out := []Recording{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		r, err := scanRecording(rows)
		out = append(out, r)
		return err
	}, `SELECT `+recordingCols+` FROM recordings WHERE room_slug = $1 ORDER BY started_at DESC, id DESC`, room)
	return out, wrap("list recordings", err)
}
