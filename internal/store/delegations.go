package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Errors of the delegations' store.
var (
	// ErrQuotaExceeded means the delegation has no seat left in the
	// registration's category.
	ErrQuotaExceeded = errors.New("store: quota exceeded")
	// ErrWrongState means a decision does not apply to the registration's
	// current state (accrediting before the focal point approved, deciding
	// twice). It is also an ErrConflict.
	ErrWrongState = fmt.Errorf("%w: the registration is not in a state this decision applies to", ErrConflict)
)

// Delegation kinds.
const (
	DelegationState = "state" // a state, named by its ISO 3166-1 alpha-2 code
	DelegationIO    = "io"    // an international organisation
	DelegationNGO   = "ngo"   // a non-governmental organisation
)

// Delegation is one delegation to an event.
type Delegation struct {
	ID      int64
	EventID int64
	Kind    string
	Country string            // ISO 3166-1 alpha-2, states only
	Name    string            // the name when none is given in a language
	Names   map[string]string // names by language code
	// Quotas are the seats per registration category; a category
	// without a quota is not limited.
	Quotas map[string]int
	// CredentialsAt is when the head of mission presented credentials
	// (zero: not yet), for precedence by credentials.
	CredentialsAt time.Time
	ManualRank    int // position in the manual order (0: last)
	CreatedAt     time.Time
}

// Link kinds.
const (
	LinkRegister = "register" // opens the registration form
	LinkFocal    = "focal"    // opens the focal point's page
)

// DelegationLink is a private link of a delegation; only its token's
// SHA-256 is stored.
type DelegationLink struct {
	ID           int64
	DelegationID int64
	Kind         string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	RevokedAt    time.Time
}

// Registration states.
const (
	RegPending    = "pending"
	RegFocal      = "approved_by_focal_point"
	RegAccredited = "accredited"
	RegRejected   = "rejected"
	RegWithdrawn  = "withdrawn"
)

// Registration is one person registered to a delegation. The credentials
// letter and the photo are read apart (RegistrationFile).
type Registration struct {
	ID                int64
	EventID           int64
	DelegationID      int64
	Name              string
	Title             string
	Category          string
	Email             string
	Lang              string
	State             string
	Reason            string
	CredentialsSHA256 string
	CredentialsSize   int64
	PhotoType         string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// OutboxMail is a message waiting in the mail outbox: Message is the whole
// RFC 5322 text.
type OutboxMail struct {
	ID        int64
	Recipient string
	Message   []byte
	Attempts  int
	LastError string
	CreatedAt time.Time
	NextAt    time.Time
	SentAt    time.Time
}

const delegationCols = `id, event_id, kind, country, name, names, quotas, credentials_at, manual_rank, created_at`

func scanDelegation(s interface{ Scan(...any) error }) (Delegation, error) {
	var d Delegation
	var names, quotas string
	var cred sql.NullTime
	if err := s.Scan(&d.ID, &d.EventID, &d.Kind, &d.Country, &d.Name, &names, &quotas, &cred, &d.ManualRank, &d.CreatedAt); err != nil {
		return Delegation{}, err
	}
	if err := json.Unmarshal([]byte(names), &d.Names); err != nil {
		return Delegation{}, fmt.Errorf("names of delegation %d: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(quotas), &d.Quotas); err != nil {
		return Delegation{}, fmt.Errorf("quotas of delegation %d: %w", d.ID, err)
	}
	d.CredentialsAt, d.CreatedAt = fromNull(cred), d.CreatedAt.UTC()
	return d, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v) // maps of strings and ints always marshal
	return string(b)
}

// CreateDelegation stores d and a, in one transaction, and returns d with
// its ID. A second delegation of one country to one event gives
// ErrConflict.
func (db *DB) CreateDelegation(ctx context.Context, d Delegation, a AuditEntry) (Delegation, error) {
	d.CreatedAt = db.nowUTC()
	if d.Names == nil {
		d.Names = map[string]string{}
	}
	if d.Quotas == nil {
		d.Quotas = map[string]int{}
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO delegations (event_id, kind, country, name, names, quotas, credentials_at, manual_rank, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			d.EventID, d.Kind, d.Country, d.Name, jsonText(d.Names), jsonText(d.Quotas), nullTime(d.CredentialsAt), d.ManualRank, d.CreatedAt).
			Scan(&d.ID); err != nil {
			return err
		}
		a.Payload = auditPayload(a.Payload, d.EventID, d.ID, 0)
		return db.appendAudit(ctx, tx, a)
	})
	return d, wrap("create delegation", err)
}

// UpdateDelegation changes the names, quotas, credentials date and manual
// rank of d, recording a.
func (db *DB) UpdateDelegation(ctx context.Context, d Delegation, a AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE delegations SET name = $1, names = $2, quotas = $3, credentials_at = $4, manual_rank = $5
			WHERE id = $6 AND event_id = $7`,
			d.Name, jsonText(d.Names), jsonText(d.Quotas), nullTime(d.CredentialsAt), d.ManualRank, d.ID, d.EventID)
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		a.Payload = auditPayload(a.Payload, d.EventID, d.ID, 0)
		return db.appendAudit(ctx, tx, a)
	})
	return wrap(fmt.Sprintf("update delegation %d", d.ID), err)
}

// GetDelegation returns the delegation, or ErrNotFound.
func (db *DB) GetDelegation(ctx context.Context, id int64) (Delegation, error) {
	d, err := scanDelegation(db.sql.QueryRowContext(ctx, `SELECT `+delegationCols+` FROM delegations WHERE id = $1`, id))
	return d, wrap(fmt.Sprintf("get delegation %d", id), err)
}

// ListDelegations returns the event's delegations in the order they were
// created; precedence is the caller's.
func (db *DB) ListDelegations(ctx context.Context, eventID int64) ([]Delegation, error) {
	out := []Delegation{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		d, err := scanDelegation(rows)
		out = append(out, d)
		return err
	}, `SELECT `+delegationCols+` FROM delegations WHERE event_id = $1 ORDER BY id`, eventID)
	return out, wrap("list delegations", err)
}

// SetManualOrder ranks the event's delegations in the order of ids (the
// first is 1); delegations not named go last.
func (db *DB) SetManualOrder(ctx context.Context, eventID int64, ids []int64, a AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE delegations SET manual_rank = 0 WHERE event_id = $1`, eventID); err != nil {
			return err
		}
		for i, id := range ids {
			res, err := tx.ExecContext(ctx, `UPDATE delegations SET manual_rank = $1 WHERE id = $2 AND event_id = $3`, i+1, id, eventID)
			if err != nil {
				return err
			}
			if err := mustAffect(res); err != nil {
				return err
			}
		}
		a.Payload = auditPayload(a.Payload, eventID, 0, 0)
		return db.appendAudit(ctx, tx, a)
	})
	return wrap("set manual order", err)
}

// CreateDelegationLink stores a link of the delegation whose token has the
// SHA-256 tokenHash, recording a.
func (db *DB) CreateDelegationLink(ctx context.Context, l DelegationLink, tokenHash string, a AuditEntry) (DelegationLink, error) {
	l.CreatedAt, l.ExpiresAt = db.nowUTC(), dbTime(l.ExpiresAt)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var eventID int64
		if err := tx.QueryRowContext(ctx, `SELECT event_id FROM delegations WHERE id = $1`, l.DelegationID).Scan(&eventID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO delegation_links (delegation_id, kind, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, l.DelegationID, l.Kind, tokenHash, l.CreatedAt, l.ExpiresAt).Scan(&l.ID); err != nil {
			return err
		}
		a.Payload = auditPayload(a.Payload, eventID, l.DelegationID, 0)
		return db.appendAudit(ctx, tx, a)
	})
	return l, wrap("create delegation link", err)
}

const linkCols = `id, delegation_id, kind, created_at, expires_at, revoked_at`

func scanLink(s interface{ Scan(...any) error }) (DelegationLink, error) {
	var l DelegationLink
	var rev sql.NullTime
	err := s.Scan(&l.ID, &l.DelegationID, &l.Kind, &l.CreatedAt, &l.ExpiresAt, &rev)
	l.CreatedAt, l.ExpiresAt, l.RevokedAt = l.CreatedAt.UTC(), l.ExpiresAt.UTC(), fromNull(rev)
	return l, err
}

// DelegationLinkByToken returns the link of the kind whose token has the
// SHA-256 tokenHash, revoked or expired ones included (the caller says
// which), or ErrNotFound.
func (db *DB) DelegationLinkByToken(ctx context.Context, kind, tokenHash string) (DelegationLink, error) {
	l, err := scanLink(db.sql.QueryRowContext(ctx, `SELECT `+linkCols+` FROM delegation_links WHERE token_hash = $1 AND kind = $2`, tokenHash, kind))
	return l, wrap("find delegation link", err)
}

// ListDelegationLinks returns the delegation's links, the latest first.
func (db *DB) ListDelegationLinks(ctx context.Context, delegationID int64) ([]DelegationLink, error) {
	out := []DelegationLink{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		l, err := scanLink(rows)
		out = append(out, l)
		return err
	}, `SELECT `+linkCols+` FROM delegation_links WHERE delegation_id = $1 ORDER BY id DESC`, delegationID)
	return out, wrap("list delegation links", err)
}

// RevokeDelegationLink revokes the delegation's link, recording a; an
// unknown link gives ErrNotFound, a revoked one changes nothing.
func (db *DB) RevokeDelegationLink(ctx context.Context, delegationID, linkID int64, a AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var eventID int64
		if err := tx.QueryRowContext(ctx, `SELECT d.event_id FROM delegation_links l JOIN delegations d ON d.id = l.delegation_id
			WHERE l.id = $1 AND l.delegation_id = $2`, linkID, delegationID).Scan(&eventID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE delegation_links SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, db.nowUTC(), linkID); err != nil {
			return err
		}
		a.Payload = auditPayload(a.Payload, eventID, delegationID, 0)
		return db.appendAudit(ctx, tx, a)
	})
	return wrap(fmt.Sprintf("revoke delegation link %d", linkID), err)
}

// auditPayload adds the event, delegation and registration to a JSON
// object payload (or makes one), so that every delegation entry of the
// audit log names what it concerns.
func auditPayload(payload string, eventID, delegationID, registrationID int64) string {
	m := map[string]any{}
	if payload != "" {
		if err := json.Unmarshal([]byte(payload), &m); err != nil {
			m = map[string]any{"detail": payload}
		}
	}
	m["event_id"] = eventID
	if delegationID != 0 {
		m["delegation_id"] = delegationID
	}
	if registrationID != 0 {
		m["registration_id"] = registrationID
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// withPayload sets key in a JSON object payload.
func withPayload(payload, key string, value any) string {
	m := map[string]any{}
	_ = json.Unmarshal([]byte(payload), &m) // made by auditPayload
	m[key] = value
	b, _ := json.Marshal(m)
	return string(b)
}

// enqueueMail writes the messages to the outbox inside tx: they are sent
// after it commits, and never if it does not.
func (db *DB) enqueueMail(ctx context.Context, tx *sql.Tx, mails []OutboxMail) error {
	now := db.nowUTC()
	for _, m := range mails {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mail_outbox (recipient, message, created_at, next_at) VALUES ($1, $2, $3, $4)`,
			m.Recipient, m.Message, now, now); err != nil {
			return fmt.Errorf("enqueue mail: %w", err)
		}
	}
	return nil
}
