package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// LibraryImage is an image of the press office's media library: the
// bytes (by SHA-256, so one image is kept once), the type and dimensions
// checked at upload, and its alt text per language, kept with the image
// so that whoever picks it again gets its descriptions too.
type LibraryImage struct {
	ID          int64
	SHA256      string
	Name        string
	ContentType string
	Width       int
	Height      int
	Size        int
	Data        []byte // empty in lists
	Alts        map[string]string
	UploadedBy  int64
	CreatedAt   time.Time
}

// RememberImage keeps img in the library. An image already there (the
// same SHA-256) is kept once: the alt texts given replace those of their
// languages, the others stay. It returns the image as stored, without its
// bytes.
func (db *DB) RememberImage(ctx context.Context, img LibraryImage) (LibraryImage, error) {
	var out LibraryImage
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var alts string
		err := tx.QueryRowContext(ctx, `SELECT id, alts FROM media_library WHERE sha256 = $1`, img.SHA256).Scan(&id, &alts)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			a, err := json.Marshal(nonNilAlts(img.Alts))
			if err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO media_library (sha256, name, content_type, width, height, size, data, alts,
				uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
				img.SHA256, img.Name, img.ContentType, img.Width, img.Height, len(img.Data), img.Data, string(a), nullID(img.UploadedBy),
				db.nowUTC()).Scan(&id); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			merged := map[string]string{}
			if err := json.Unmarshal([]byte(alts), &merged); err != nil {
				return fmt.Errorf("alts of image %d: %w", id, err)
			}
			for k, v := range img.Alts {
				if v != "" {
					merged[k] = v
				}
			}
			a, err := json.Marshal(merged)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE media_library SET alts = $1 WHERE id = $2`, string(a), id); err != nil {
				return err
			}
		}
		out, err = scanLibrary(tx.QueryRowContext(ctx, `SELECT `+libraryCols+` FROM media_library WHERE id = $1`, id))
		return err
	})
	return out, wrap("remember image", err)
}

func nonNilAlts(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

const libraryCols = `id, sha256, name, content_type, width, height, size, alts, uploaded_by, created_at`

func scanLibrary(s interface{ Scan(...any) error }) (LibraryImage, error) {
	var m LibraryImage
	var alts string
	var by sql.NullInt64
	if err := s.Scan(&m.ID, &m.SHA256, &m.Name, &m.ContentType, &m.Width, &m.Height, &m.Size, &alts, &by, &m.CreatedAt); err != nil {
		return m, err
	}
	m.UploadedBy, m.CreatedAt = by.Int64, m.CreatedAt.UTC()
	m.Alts = map[string]string{}
	if err := json.Unmarshal([]byte(alts), &m.Alts); err != nil {
		return m, fmt.Errorf("alts of image %d: %w", m.ID, err)
	}
	return m, nil
}

// ListImages returns the library's images without their bytes, the
// latest first.
func (db *DB) ListImages(ctx context.Context, limit int) ([]LibraryImage, error) {
	out := []LibraryImage{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		m, err := scanLibrary(rows)
		out = append(out, m)
		return err
	}, `SELECT `+libraryCols+` FROM media_library ORDER BY id DESC LIMIT $1`, limit)
	return out, wrap("list images", err)
}

// GetImage returns one image of the library with its bytes.
func (db *DB) GetImage(ctx context.Context, id int64) (LibraryImage, error) {
	m, err := scanLibrary(db.sql.QueryRowContext(ctx, `SELECT `+libraryCols+` FROM media_library WHERE id = $1`, id))
	if err == nil {
		err = db.sql.QueryRowContext(ctx, `SELECT data FROM media_library WHERE id = $1`, id).Scan(&m.Data)
	}
	return m, wrap(fmt.Sprintf("get image %d", id), err)
}
