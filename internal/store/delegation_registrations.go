package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// activeStates are the states that hold a seat of the delegation's quota.
var activeStates = []string{RegPending, RegFocal, RegAccredited}

const registrationCols = `id, event_id, delegation_id, name, title, category, email, lang, state, reason, credentials_sha256,
	length(credentials), photo_type, created_at, updated_at`

func scanRegistration(s interface{ Scan(...any) error }) (Registration, error) {
	var r Registration
	err := s.Scan(&r.ID, &r.EventID, &r.DelegationID, &r.Name, &r.Title, &r.Category, &r.Email, &r.Lang, &r.State, &r.Reason,
		&r.CredentialsSHA256, &r.CredentialsSize, &r.PhotoType, &r.CreatedAt, &r.UpdatedAt)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

// checkQuota returns ErrQuotaExceeded when the delegation has no seat left
// in category, not counting the registration except (0: none). It locks
// the delegation's row first on PostgreSQL, so that concurrent
// registrations to one delegation count one after the other; SQLite's
// immediate transactions already do.
func (db *DB) checkQuota(ctx context.Context, tx *sql.Tx, delegationID int64, category string, except int64) (Delegation, error) {
	d, err := scanDelegation(tx.QueryRowContext(ctx, `SELECT `+delegationCols+` FROM delegations WHERE id = $1`+db.lockRow(), delegationID))
	if err != nil {
		return Delegation{}, err
	}
	quota, limited := d.Quotas[category]
	if !limited {
		return d, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM delegation_registrations
		WHERE delegation_id = $1 AND category = $2 AND id <> $3 AND state IN ($4, $5, $6)`,
		delegationID, category, except, activeStates[0], activeStates[1], activeStates[2]).Scan(&n); err != nil {
		return Delegation{}, err
	}
	if n >= quota {
		return Delegation{}, ErrQuotaExceeded
	}
	return d, nil
}

// CreateRegistration stores r with its credentials letter and photo, the
// audit entry a and the mail announcing it, in one transaction: nothing is
// kept when any fails. A delegation without a seat left in r's category
// gives ErrQuotaExceeded.
func (db *DB) CreateRegistration(ctx context.Context, r Registration, credentials, photo []byte, a AuditEntry, mails []OutboxMail) (Registration, error) {
	now := db.nowUTC()
	r.State, r.Reason, r.CreatedAt, r.UpdatedAt, r.CredentialsSize = RegPending, "", now, now, int64(len(credentials))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		d, err := db.checkQuota(ctx, tx, r.DelegationID, r.Category, 0)
		if err != nil {
			return err
		}
		r.EventID = d.EventID
		if err := tx.QueryRowContext(ctx, `INSERT INTO delegation_registrations (event_id, delegation_id, name, title, category, email, lang, state,
			credentials, credentials_sha256, photo, photo_type, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			r.EventID, r.DelegationID, r.Name, r.Title, r.Category, r.Email, r.Lang, r.State,
			credentials, r.CredentialsSHA256, photo, r.PhotoType, r.CreatedAt, r.UpdatedAt).Scan(&r.ID); err != nil {
			return err
		}
		a.ContentHash = r.CredentialsSHA256
		a.Payload = auditPayload(a.Payload, r.EventID, r.DelegationID, r.ID)
		if err := db.appendAudit(ctx, tx, a); err != nil {
			return err
		}
		return db.enqueueMail(ctx, tx, mails)
	})
	if errors.Is(err, ErrQuotaExceeded) {
		return Registration{}, err
	}
	return r, wrap("create registration", err)
}

// GetRegistration returns the registration, or ErrNotFound.
func (db *DB) GetRegistration(ctx context.Context, id int64) (Registration, error) {
	r, err := scanRegistration(db.sql.QueryRowContext(ctx, `SELECT `+registrationCols+` FROM delegation_registrations WHERE id = $1`, id))
	return r, wrap(fmt.Sprintf("get registration %d", id), err)
}

// RegistrationFilter narrows ListRegistrations.
type RegistrationFilter struct {
	EventID      int64
	DelegationID int64 // 0: every delegation of the event
}

// ListRegistrations returns the registrations of an event or of one of its
// delegations, in the order they came.
func (db *DB) ListRegistrations(ctx context.Context, f RegistrationFilter) ([]Registration, error) {
	out := []Registration{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		r, err := scanRegistration(rows)
		out = append(out, r)
		return err
	}, `SELECT `+registrationCols+` FROM delegation_registrations WHERE event_id = $1 AND ($2 = 0 OR delegation_id = $2) ORDER BY id`,
		f.EventID, f.DelegationID)
	return out, wrap("list registrations", err)
}

// RegistrationFile returns the credentials letter ("credentials") or the
// photo ("photo") of the registration, with the photo's media type.
func (db *DB) RegistrationFile(ctx context.Context, id int64, which string) ([]byte, string, error) {
	col, typ := "credentials", "'application/pdf'"
	if which == "photo" {
		col, typ = "photo", "photo_type"
	}
	var data []byte
	var ct string
	err := db.sql.QueryRowContext(ctx, `SELECT `+col+`, `+typ+` FROM delegation_registrations WHERE id = $1`, id).Scan(&data, &ct)
	return data, ct, wrap(fmt.Sprintf("registration %d %s", id, which), err)
}

// Decision moves a registration from one of From to To.
type Decision struct {
	RegistrationID int64
	// DelegationID, when set, must be the registration's delegation (a
	// focal point decides for their own delegation only).
	DelegationID int64
	From         []string
	To           string
	Reason       string
}

// DecideRegistration applies d, the audit entry a and the mails announcing
// it in one transaction, and returns the registration as it now is. A
// registration that is not in a state of d.From gives ErrWrongState; one
// of another delegation than d.DelegationID, ErrNotFound.
func (db *DB) DecideRegistration(ctx context.Context, d Decision, a AuditEntry, mails func(Registration) []OutboxMail) (Registration, error) {
	var r Registration
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanRegistration(tx.QueryRowContext(ctx, `SELECT `+registrationCols+` FROM delegation_registrations WHERE id = $1`+db.lockRow(),
			d.RegistrationID))
		if err != nil {
			return err
		}
		if d.DelegationID != 0 && r.DelegationID != d.DelegationID {
			return ErrNotFound
		}
		if !slices.Contains(d.From, r.State) {
			return ErrWrongState
		}
		r.State, r.Reason, r.UpdatedAt = d.To, d.Reason, db.nowUTC()
		res, err := tx.ExecContext(ctx, `UPDATE delegation_registrations SET state = $1, reason = $2, updated_at = $3
			WHERE id = $4 AND state IN (`+placeholders(5, len(d.From))+`)`,
			append([]any{r.State, r.Reason, r.UpdatedAt, r.ID}, anySlice(d.From)...)...)
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return ErrWrongState // another decision came first (SQLite only reaches here with the row unchanged)
		}
		a.Payload = auditPayload(a.Payload, r.EventID, r.DelegationID, r.ID)
		if err := db.appendAudit(ctx, tx, a); err != nil {
			return err
		}
		if mails != nil {
			return db.enqueueMail(ctx, tx, mails(r))
		}
		return nil
	})
	if errors.Is(err, ErrWrongState) {
		return Registration{}, err
	}
	return r, wrap(fmt.Sprintf("decide registration %d", d.RegistrationID), err)
}

// RegistrationChange is new data for a registration.
type RegistrationChange struct {
	ID           int64
	DelegationID int64 // when set, must be the registration's delegation
	Name         string
	Title        string
	Category     string
	Email        string
	Lang         string
}

// ChangeRegistration replaces the person's data. A registration that was
// approved or accredited goes back to pending: what was approved is not
// what it now says. A withdrawn or rejected registration gives
// ErrWrongState; a new category without a seat left, ErrQuotaExceeded.
func (db *DB) ChangeRegistration(ctx context.Context, c RegistrationChange, a AuditEntry) (Registration, error) {
	var r Registration
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanRegistration(tx.QueryRowContext(ctx, `SELECT `+registrationCols+` FROM delegation_registrations WHERE id = $1`+db.lockRow(), c.ID))
		if err != nil {
			return err
		}
		if c.DelegationID != 0 && r.DelegationID != c.DelegationID {
			return ErrNotFound
		}
		if !slices.Contains(activeStates, r.State) {
			return ErrWrongState
		}
		if c.Category != r.Category {
			if _, err := db.checkQuota(ctx, tx, r.DelegationID, c.Category, r.ID); err != nil {
				return err
			}
		}
		prev := r.State
		r.Name, r.Title, r.Category, r.Email, r.Lang = c.Name, c.Title, c.Category, c.Email, c.Lang
		r.State, r.Reason, r.UpdatedAt = RegPending, "", db.nowUTC()
		if _, err := tx.ExecContext(ctx, `UPDATE delegation_registrations SET name = $1, title = $2, category = $3, email = $4, lang = $5,
			state = $6, reason = '', updated_at = $7 WHERE id = $8`, r.Name, r.Title, r.Category, r.Email, r.Lang, r.State, r.UpdatedAt, r.ID); err != nil {
			return err
		}
		a.Payload = auditPayload(a.Payload, r.EventID, r.DelegationID, r.ID)
		if prev != RegPending {
			a.Payload = withPayload(a.Payload, "previous_state", prev)
		}
		return db.appendAudit(ctx, tx, a)
	})
	if errors.Is(err, ErrWrongState) || errors.Is(err, ErrQuotaExceeded) {
		return Registration{}, err
	}
	return r, wrap(fmt.Sprintf("change registration %d", c.ID), err)
}

func placeholders(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", first+i)
	}
	return b.String()
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Precedence methods.
const (
	PrecedenceAlphabetical = "alphabetical"
	PrecedenceCredentials  = "credentials"
	PrecedenceManual       = "manual"
)

// Precedence is how an event orders its delegations.
type Precedence struct {
	EventID int64
	Method  string
	Lang    string // alphabetical: the language of the names and of the collation
	// StartDelegation is the delegation drawn by lot that the
	// alphabetical order starts from (0: none drawn).
	StartDelegation int64
	DrawnAt         time.Time
	UpdatedAt       time.Time
}

// GetPrecedence returns the event's precedence; an event that chose none
// is alphabetical in English, as the UN seats states.
func (db *DB) GetPrecedence(ctx context.Context, eventID int64) (Precedence, error) {
	return getPrecedence(ctx, db.sql, eventID)
}

func getPrecedence(ctx context.Context, q querier, eventID int64) (Precedence, error) {
	p := Precedence{EventID: eventID}
	var start sql.NullInt64
	var drawn sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT method, lang, start_delegation, drawn_at, updated_at FROM event_precedence WHERE event_id = $1`, eventID).
		Scan(&p.Method, &p.Lang, &start, &drawn, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Precedence{EventID: eventID, Method: PrecedenceAlphabetical, Lang: "en"}, nil
	}
	p.StartDelegation, p.DrawnAt, p.UpdatedAt = start.Int64, fromNull(drawn), p.UpdatedAt.UTC()
	return p, wrap("get precedence", err)
}

// SetPrecedence records the event's method and language, keeping a drawn
// start only while the method stays alphabetical, and the audit entry a.
func (db *DB) SetPrecedence(ctx context.Context, p Precedence, a AuditEntry) (Precedence, error) {
	p.UpdatedAt = db.nowUTC()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := getPrecedence(ctx, tx, p.EventID)
		if err != nil {
			return err
		}
		p.StartDelegation, p.DrawnAt = 0, time.Time{}
		if p.Method == PrecedenceAlphabetical && cur.Method == PrecedenceAlphabetical {
			p.StartDelegation, p.DrawnAt = cur.StartDelegation, cur.DrawnAt
		}
		if err := db.upsertPrecedence(ctx, tx, p); err != nil {
			return err
		}
		a.Payload = auditPayload(a.Payload, p.EventID, 0, 0)
		return db.appendAudit(ctx, tx, a)
	})
	return p, wrap("set precedence", err)
}

func (db *DB) upsertPrecedence(ctx context.Context, tx *sql.Tx, p Precedence) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO event_precedence (event_id, method, lang, start_delegation, drawn_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (event_id) DO UPDATE SET method = excluded.method, lang = excluded.lang,
		start_delegation = excluded.start_delegation, drawn_at = excluded.drawn_at, updated_at = excluded.updated_at`,
		p.EventID, p.Method, p.Lang, nullID(p.StartDelegation), nullTime(p.DrawnAt), p.UpdatedAt)
	return err
}

// RecordDraw records that the lot drew delegationID to start the event's
// alphabetical order, with the audit entry a, in one transaction. The
// method becomes alphabetical if it was not.
func (db *DB) RecordDraw(ctx context.Context, eventID, delegationID int64, a AuditEntry) (Precedence, error) {
	var p Precedence
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var ev int64
		if err := tx.QueryRowContext(ctx, `SELECT event_id FROM delegations WHERE id = $1`, delegationID).Scan(&ev); err != nil {
			return err
		}
		if ev != eventID {
			return ErrNotFound
		}
		var err error
		if p, err = getPrecedence(ctx, tx, eventID); err != nil {
			return err
		}
		now := db.nowUTC()
		p.Method, p.StartDelegation, p.DrawnAt, p.UpdatedAt = PrecedenceAlphabetical, delegationID, now, now
		if err := db.upsertPrecedence(ctx, tx, p); err != nil {
			return err
		}
		a.Payload = auditPayload(a.Payload, eventID, delegationID, 0)
		return db.appendAudit(ctx, tx, a)
	})
	return p, wrap("record draw", err)
}
