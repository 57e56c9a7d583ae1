package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
)

// Conference procedure: roll calls, the quorum rule, the members heads of
// delegation designate to vote, and votes. The room (internal/sfu) owns
// the rules; the store keeps what it decided. Secret votes keep no ballot
// row and no plaintext count until the close: see internal/procedure for
// the design, and CastSecret.

// ProcedureRoom is a room's quorum rule and whether its procedure is
// public.
type ProcedureRoom struct {
	RoomSlug   string
	QuorumKind string // majority or fixed
	QuorumN    int
	Public     bool
}

// ProcedureRoom returns a room's settings; a room never set has a
// majority quorum and is not public.
func (db *DB) ProcedureRoom(ctx context.Context, room string) (ProcedureRoom, error) {
	p := ProcedureRoom{RoomSlug: room, QuorumKind: "majority"}
	err := db.sql.QueryRowContext(ctx, `SELECT quorum_kind, quorum_n, public FROM procedure_rooms WHERE room_slug = $1`, room).
		Scan(&p.QuorumKind, &p.QuorumN, &p.Public)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return p, wrap(fmt.Sprintf("procedure of room %q", room), err)
}

// SetProcedureRoom stores a room's settings.
func (db *DB) SetProcedureRoom(ctx context.Context, p ProcedureRoom) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO procedure_rooms (room_slug, quorum_kind, quorum_n, public) VALUES ($1, $2, $3, $4)
		ON CONFLICT (room_slug) DO UPDATE SET quorum_kind = excluded.quorum_kind, quorum_n = excluded.quorum_n, public = excluded.public`,
		p.RoomSlug, p.QuorumKind, p.QuorumN, p.Public)
	return wrap(fmt.Sprintf("set the procedure of room %q", p.RoomSlug), err)
}

// AccreditedDelegations counts the delegations with at least one
// accredited member to the events whose sessions meet in the room; 0
// when no event uses it.
func (db *DB) AccreditedDelegations(ctx context.Context, room string) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `
		SELECT COUNT(DISTINCT d.id) FROM delegations d
		JOIN delegation_registrations r ON r.delegation_id = d.id AND r.state = 'accredited'
		WHERE d.event_id IN (SELECT s.event_id FROM event_sessions s JOIN rooms rm ON rm.id = s.room_id WHERE rm.slug = $1)`, room).Scan(&n)
	return n, wrap(fmt.Sprintf("accredited delegations of room %q", room), err)
}

// Voter is the member designated to vote for a delegation.
type Voter struct {
	Delegation string
	Identity   string
	Name       string
}

// ProcedureVoters returns the designated members of a room's delegations.
func (db *DB) ProcedureVoters(ctx context.Context, room string) ([]Voter, error) {
	var out []Voter
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var v Voter
		err := rows.Scan(&v.Delegation, &v.Identity, &v.Name)
		out = append(out, v)
		return err
	}, `SELECT delegation, identity, name FROM procedure_voters WHERE room_slug = $1 ORDER BY delegation`, room)
	return out, wrap(fmt.Sprintf("voters of room %q", room), err)
}

// SetProcedureVoter designates the member who votes for a delegation.
func (db *DB) SetProcedureVoter(ctx context.Context, room string, v Voter) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO procedure_voters (room_slug, delegation, identity, name) VALUES ($1, $2, $3, $4)
		ON CONFLICT (room_slug, delegation) DO UPDATE SET identity = excluded.identity, name = excluded.name`,
		room, v.Delegation, v.Identity, v.Name)
	return wrap(fmt.Sprintf("designate a voter in room %q", room), err)
}

// RollCall is one roll call and the delegations that answered it.
type RollCall struct {
	ID       int64
	RoomSlug string
	OpenedBy string
	OpenedAt time.Time
	ClosedAt time.Time
	Answers  []RollCallAnswer
}

// RollCallAnswer is a delegation's answer, through one member.
type RollCallAnswer struct {
	Delegation string
	Identity   string
	Name       string
	AnsweredAt time.Time
}

// OpenRollCall closes the room's open roll call, if any, and opens a new
// one.
func (db *DB) OpenRollCall(ctx context.Context, room, by string, at time.Time) (RollCall, error) {
	rc := RollCall{RoomSlug: room, OpenedBy: by, OpenedAt: dbTime(at)}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE roll_calls SET closed_at = $1 WHERE room_slug = $2 AND closed_at IS NULL`, rc.OpenedAt, room); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO roll_calls (room_slug, opened_by, opened_at) VALUES ($1, $2, $3) RETURNING id`,
			room, by, rc.OpenedAt).Scan(&rc.ID)
	})
	return rc, wrap(fmt.Sprintf("open a roll call in room %q", room), err)
}

// CloseRollCall closes an open roll call: ErrConflict if it is closed.
func (db *DB) CloseRollCall(ctx context.Context, id int64, at time.Time) error {
	op := fmt.Sprintf("close roll call %d", id)
	res, err := db.sql.ExecContext(ctx, `UPDATE roll_calls SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL`, dbTime(at), id)
	if err != nil {
		return wrap(op, err)
	}
	if mustAffect(res) != nil {
		return fmt.Errorf("store: %s: %w: it is not open", op, ErrConflict)
	}
	return nil
}

// AnswerRollCall records a delegation present in an open roll call:
// ErrConflict if the roll call is closed or the delegation answered.
func (db *DB) AnswerRollCall(ctx context.Context, id int64, a RollCallAnswer) error {
	op := fmt.Sprintf("answer roll call %d", id)
	return wrap(op, db.inTx(ctx, func(tx *sql.Tx) error {
		var open bool
		if err := tx.QueryRowContext(ctx, `SELECT closed_at IS NULL FROM roll_calls WHERE id = $1`, id).Scan(&open); err != nil {
			return err
		}
		if !open {
			return fmt.Errorf("%w: the roll call is closed", ErrConflict)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO roll_call_answers (roll_call_id, delegation, identity, name, answered_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (roll_call_id, delegation) DO NOTHING`, id, a.Delegation, a.Identity, a.Name, dbTime(a.AnsweredAt))
		if err != nil {
			return err
		}
		if mustAffect(res) != nil {
			return fmt.Errorf("%w: the delegation already answered", ErrConflict)
		}
		return nil
	}))
}

// LastRollCall returns the room's last roll call with its answers
// (by delegation); ErrNotFound if the room never had one.
func (db *DB) LastRollCall(ctx context.Context, room string) (RollCall, error) {
	op := fmt.Sprintf("last roll call of room %q", room)
	rc := RollCall{RoomSlug: room}
	var closed sql.NullTime
	err := db.sql.QueryRowContext(ctx, `SELECT id, opened_by, opened_at, closed_at FROM roll_calls WHERE room_slug = $1 ORDER BY id DESC LIMIT 1`, room).
		Scan(&rc.ID, &rc.OpenedBy, &rc.OpenedAt, &closed)
	if err != nil {
		return RollCall{}, wrap(op, err)
	}
	rc.OpenedAt, rc.ClosedAt = rc.OpenedAt.UTC(), fromNull(closed)
	err = eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var a RollCallAnswer
		err := rows.Scan(&a.Delegation, &a.Identity, &a.Name, &a.AnsweredAt)
		a.AnsweredAt = a.AnsweredAt.UTC()
		rc.Answers = append(rc.Answers, a)
		return err
	}, `SELECT delegation, identity, name, answered_at FROM roll_call_answers WHERE roll_call_id = $1 ORDER BY delegation`, rc.ID)
	return rc, wrap(op, err)
}

// Vote is one motion put to the delegations.
type Vote struct {
	ID         int64
	RoomSlug   string
	AgendaItem string
	Motion     string
	Secret     bool
	Rule       string // simple, two_thirds or consensus
	State      string // open or closed
	// Key keys the receipts of a secret vote's ballots.
	Key               []byte
	Present, Required int
	// The counts, written at close (a secret vote's running counts are
	// sealed in its tally until then).
	Yes, No, Abstain int
	Outcome          string
	OpenedBy         string
	OpenedAt         time.Time
	ClosedAt         time.Time
	// Ballots are a named vote's ballots, by delegation (VoteDetail).
	Ballots []Ballot
	// Voters are the delegations that voted, in delegation order
	// (VoteDetail).
	Voters []string
}

// Ballot is a delegation's ballot in a named vote.
type Ballot struct {
	Delegation string
	Identity   string
	Name       string
	Choice     string
	CastAt     time.Time
}

const voteColumns = `id, room_slug, agenda_item, motion, secret, rule, state, ballot_key, present, required,
	count_yes, count_no, count_abstain, outcome, opened_by, opened_at, closed_at`

func scanVote(s interface{ Scan(...any) error }) (Vote, error) {
	var v Vote
	var closed sql.NullTime
	err := s.Scan(&v.ID, &v.RoomSlug, &v.AgendaItem, &v.Motion, &v.Secret, &v.Rule, &v.State, &v.Key, &v.Present, &v.Required,
		&v.Yes, &v.No, &v.Abstain, &v.Outcome, &v.OpenedBy, &v.OpenedAt, &closed)
	v.OpenedAt, v.ClosedAt = v.OpenedAt.UTC(), fromNull(closed)
	return v, err
}

// OpenVote stores a new open vote: ErrConflict if the room has one open.
func (db *DB) OpenVote(ctx context.Context, v Vote) (Vote, error) {
	v.State, v.OpenedAt = "open", dbTime(v.OpenedAt)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM votes WHERE room_slug = $1 AND state = 'open'`, v.RoomSlug).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: a vote is open", ErrConflict)
		}
		return tx.QueryRowContext(ctx, `INSERT INTO votes (room_slug, agenda_item, motion, secret, rule, state, ballot_key, present, required, opened_by, opened_at)
			VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10) RETURNING id`,
			v.RoomSlug, v.AgendaItem, v.Motion, v.Secret, v.Rule, v.Key, v.Present, v.Required, v.OpenedBy, v.OpenedAt).Scan(&v.ID)
	})
	if err != nil {
		return Vote{}, wrap(fmt.Sprintf("open a vote in room %q", v.RoomSlug), err)
	}
	return v, nil
}

// voteOpen checks inside tx that the vote is open and of the kind asked.
func voteOpen(ctx context.Context, tx *sql.Tx, id int64, secret bool) error {
	var state string
	var s bool
	if err := tx.QueryRowContext(ctx, `SELECT state, secret FROM votes WHERE id = $1`, id).Scan(&state, &s); err != nil {
		return err
	}
	if state != "open" {
		return fmt.Errorf("%w: the vote is closed", ErrConflict)
	}
	if s != secret {
		return fmt.Errorf("%w: the vote is not of that kind", ErrConflict)
	}
	return nil
}

// CastNamed records or changes a delegation's ballot in an open named
// vote.
func (db *DB) CastNamed(ctx context.Context, vote int64, b Ballot) error {
	return wrap(fmt.Sprintf("cast a ballot in vote %d", vote), db.inTx(ctx, func(tx *sql.Tx) error {
		if err := voteOpen(ctx, tx, vote, false); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO vote_ballots (vote_id, delegation, identity, name, choice, cast_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (vote_id, delegation) DO UPDATE SET identity = excluded.identity, name = excluded.name, choice = excluded.choice, cast_at = excluded.cast_at`,
			vote, b.Delegation, b.Identity, b.Name, b.Choice, dbTime(b.CastAt))
		return err
	}))
}

// Reseal turns the sealed tally of an open secret vote into the next one:
// it opens sealed (nil before the first ballot), counts the ballot and
// seals the result afresh. The store calls it inside the ballot's
// transaction, with the vote's row locked, and never sees the counts.
type Reseal func(sealed []byte) ([]byte, error)

// lockSecretVote checks inside tx that the vote is open and secret, and
// returns its sealed tally, the vote's row locked (PostgreSQL; SQLite's
// immediate transactions already serialise writers).
func (db *DB) lockSecretVote(ctx context.Context, tx *sql.Tx, vote int64) ([]byte, error) {
	if err := voteOpen(ctx, tx, vote, true); err != nil {
		return nil, err
	}
	lock := ""
	if db.backend == BackendPostgres {
		lock = " FOR UPDATE"
	}
	var tally []byte
	err := tx.QueryRowContext(ctx, `SELECT tally FROM votes WHERE id = $1`+lock, vote).Scan(&tally)
	return tally, err
}

// writeTally stores the next sealed tally: every ballot writes one, a
// first ballot or a change, to the same choice or another.
func writeTally(ctx context.Context, tx *sql.Tx, vote int64, sealed []byte, reseal Reseal) error {
	next, err := reseal(sealed)
	if err != nil {
		return err
	}
	if len(next) == 0 {
		return fmt.Errorf("%w: an empty sealed tally", fault.ErrInvalid)
	}
	_, err = tx.ExecContext(ctx, `UPDATE votes SET tally = $1 WHERE id = $2`, next, vote)
	return err
}

// CastSecret records a delegation's first ballot in an open secret vote:
// the delegation joins the voters and reseal rewrites the sealed tally, in
// one transaction, and nothing else is written. ErrConflict if the
// delegation has voted or the vote is closed; nothing is written then.
func (db *DB) CastSecret(ctx context.Context, vote int64, delegation string, reseal Reseal) error {
	return wrap(fmt.Sprintf("cast a secret ballot in vote %d", vote), db.inTx(ctx, func(tx *sql.Tx) error {
		sealed, err := db.lockSecretVote(ctx, tx, vote)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO vote_voters (vote_id, delegation, version) VALUES ($1, $2, 1)
			ON CONFLICT (vote_id, delegation) DO NOTHING`, vote, delegation)
		if err != nil {
			return err
		}
		if mustAffect(res) != nil {
			return fmt.Errorf("%w: the delegation has voted", ErrConflict)
		}
		return writeTally(ctx, tx, vote, sealed, reseal)
	}))
}

// SecretVersion returns the version of a delegation's secret ballot;
// ErrNotFound if it has not voted.
func (db *DB) SecretVersion(ctx context.Context, vote int64, delegation string) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT version FROM vote_voters WHERE vote_id = $1 AND delegation = $2`, vote, delegation).Scan(&n)
	return n, wrap(fmt.Sprintf("ballot of vote %d", vote), err)
}

// ChangeSecret changes a delegation's secret ballot: the ballot's version
// goes from version to version+1 and reseal rewrites the sealed tally
// (moving one count, or none when the choice is the same: the writes are
// the same), in one transaction. ErrConflict if the ballot is no longer
// at version (an old receipt) or the vote is closed.
func (db *DB) ChangeSecret(ctx context.Context, vote int64, delegation string, version int, reseal Reseal) error {
	return wrap(fmt.Sprintf("change a secret ballot in vote %d", vote), db.inTx(ctx, func(tx *sql.Tx) error {
		sealed, err := db.lockSecretVote(ctx, tx, vote)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE vote_voters SET version = version + 1 WHERE vote_id = $1 AND delegation = $2 AND version = $3`,
			vote, delegation, version)
		if err != nil {
			return err
		}
		if mustAffect(res) != nil {
			return fmt.Errorf("%w: the receipt is not the ballot's last", ErrConflict)
		}
		return writeTally(ctx, tx, vote, sealed, reseal)
	}))
}

// VoteResult is what a vote's close records in the hash-chained audit log.
type VoteResult struct {
	Room       string `json:"room"`
	Vote       int64  `json:"vote"`
	AgendaItem string `json:"agenda_item"`
	Motion     string `json:"motion"`
	Secret     bool   `json:"secret"`
	Rule       string `json:"rule"`
	Present    int    `json:"present"`
	Required   int    `json:"required"`
	Yes        int    `json:"yes"`
	No         int    `json:"no"`
	Abstain    int    `json:"abstain"`
	Outcome    string `json:"outcome"`
	// Ballots are a named vote's choices by delegation; Voters the
	// delegations that voted in a secret one.
	Ballots map[string]string `json:"ballots,omitempty"`
	Voters  []string          `json:"voters,omitempty"`
}

// Unseal opens the sealed tally of a secret vote at its close (nil: no
// ballot was cast).
type Unseal func(sealed []byte) (yes, no, abstain int, err error)

// CloseVote closes an open vote: a named vote's counts are taken from its
// ballots, a secret vote's from its sealed tally, which unseal opens (and
// which is then cleared: the counts are public), decide turns the counts
// into the outcome, and the result goes into the hash-chained audit log,
// all in the same transaction. ErrConflict if the vote is closed.
func (db *DB) CloseVote(ctx context.Context, id int64, at time.Time, actor string, unseal Unseal, decide func(rule string, yes, no, abstain int) string) (Vote, error) {
	op := fmt.Sprintf("close vote %d", id)
	var v Vote
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if v, err = scanVote(tx.QueryRowContext(ctx, `SELECT `+voteColumns+` FROM votes WHERE id = $1`, id)); err != nil {
			return err
		}
		if v.State != "open" {
			return fmt.Errorf("%w: the vote is closed", ErrConflict)
		}
		if err := voteDetail(ctx, tx, &v); err != nil {
			return err
		}
		if v.Secret {
			sealed, err := db.lockSecretVote(ctx, tx, id)
			if err != nil {
				return err
			}
			yes, no, abstain, err := unseal(sealed)
			if err != nil {
				return err
			}
			// The count columns of an open secret vote stay at zero,
			// except for a vote opened before the tally was sealed
			// (migration 0030), which counted in them.
			v.Yes, v.No, v.Abstain = v.Yes+yes, v.No+no, v.Abstain+abstain
		} else {
			v.Yes, v.No, v.Abstain = 0, 0, 0
			for _, b := range v.Ballots {
				switch b.Choice {
				case "yes":
					v.Yes++
				case "no":
					v.No++
				case "abstain":
					v.Abstain++
				}
			}
		}
		v.State, v.Outcome, v.ClosedAt = "closed", decide(v.Rule, v.Yes, v.No, v.Abstain), dbTime(at)
		if _, err := tx.ExecContext(ctx, `UPDATE votes SET state = 'closed', count_yes = $1, count_no = $2, count_abstain = $3, outcome = $4, closed_at = $5,
			tally = NULL WHERE id = $6`, v.Yes, v.No, v.Abstain, v.Outcome, v.ClosedAt, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, voteAudit(v, actor))
	})
	if err != nil {
		return Vote{}, wrap(op, err)
	}
	return v, nil
}

// RecordConsensus stores a decision taken by consensus, without a vote,
// and records it in the hash-chained audit log.
func (db *DB) RecordConsensus(ctx context.Context, v Vote, actor string) (Vote, error) {
	v.State, v.Rule, v.Outcome, v.OpenedAt, v.ClosedAt = "closed", "consensus", "adopted", dbTime(v.OpenedAt), dbTime(v.OpenedAt)
	if v.Key == nil {
		v.Key = []byte{}
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO votes (room_slug, agenda_item, motion, secret, rule, state, ballot_key, present, required,
			outcome, opened_by, opened_at, closed_at) VALUES ($1, $2, $3, $4, 'consensus', 'closed', $5, $6, $7, 'adopted', $8, $9, $9) RETURNING id`,
			v.RoomSlug, v.AgendaItem, v.Motion, false, v.Key, v.Present, v.Required, v.OpenedBy, v.OpenedAt).Scan(&v.ID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, voteAudit(v, actor))
	})
	if err != nil {
		return Vote{}, wrap(fmt.Sprintf("record a consensus in room %q", v.RoomSlug), err)
	}
	return v, nil
}

func voteAudit(v Vote, actor string) AuditEntry {
	r := VoteResult{Room: v.RoomSlug, Vote: v.ID, AgendaItem: v.AgendaItem, Motion: v.Motion, Secret: v.Secret, Rule: v.Rule, Present: v.Present,
		Required: v.Required, Yes: v.Yes, No: v.No, Abstain: v.Abstain, Outcome: v.Outcome, Voters: v.Voters}
	if len(v.Ballots) > 0 {
		r.Ballots = map[string]string{}
		for _, b := range v.Ballots {
			r.Ballots[b.Delegation] = b.Choice
		}
	}
	b, _ := json.Marshal(r)
	return AuditEntry{Actor: "room:" + actor, Action: "procedure.vote_result", Payload: string(b)}
}

// voteDetail reads a vote's ballots (named) or voters (secret).
func voteDetail(ctx context.Context, q querier, v *Vote) error {
	v.Ballots, v.Voters = nil, nil
	if v.Secret {
		return eachRow(ctx, q, func(rows *sql.Rows) error {
			var d string
			err := rows.Scan(&d)
			v.Voters = append(v.Voters, d)
			return err
		}, `SELECT delegation FROM vote_voters WHERE vote_id = $1 ORDER BY delegation`, v.ID)
	}
	return eachRow(ctx, q, func(rows *sql.Rows) error {
		var b Ballot
		err := rows.Scan(&b.Delegation, &b.Identity, &b.Name, &b.Choice, &b.CastAt)
		b.CastAt = b.CastAt.UTC()
		v.Ballots = append(v.Ballots, b)
		v.Voters = append(v.Voters, b.Delegation)
		return err
	}, `SELECT delegation, identity, name, choice, cast_at FROM vote_ballots WHERE vote_id = $1 ORDER BY delegation`, v.ID)
}

// GetVote returns a vote with its ballots or voters.
func (db *DB) GetVote(ctx context.Context, id int64) (Vote, error) {
	op := fmt.Sprintf("vote %d", id)
	v, err := scanVote(db.sql.QueryRowContext(ctx, `SELECT `+voteColumns+` FROM votes WHERE id = $1`, id))
	if err != nil {
		return Vote{}, wrap(op, err)
	}
	if err := voteDetail(ctx, db.sql, &v); err != nil {
		return Vote{}, wrap(op, err)
	}
	return v, nil
}

// RoomVotes returns a room's last votes, newest first, at most limit,
// with their ballots or voters.
func (db *DB) RoomVotes(ctx context.Context, room string, limit int) ([]Vote, error) {
	op := fmt.Sprintf("votes of room %q", room)
	var out []Vote
	if err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		v, err := scanVote(rows)
		out = append(out, v)
		return err
	}, `SELECT `+voteColumns+` FROM votes WHERE room_slug = $1 ORDER BY id DESC LIMIT $2`, room, limit); err != nil {
		return nil, wrap(op, err)
	}
	for i := range out {
		if err := voteDetail(ctx, db.sql, &out[i]); err != nil {
			return nil, wrap(op, err)
		}
	}
	return out, nil
}

// RoomEventZone returns the time zone of the event whose sessions meet in
// the room, when exactly one zone is concerned; "" when none or several.
func (db *DB) RoomEventZone(ctx context.Context, room string) (string, error) {
	var zones []string
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var z string
		err := rows.Scan(&z)
		zones = append(zones, z)
		return err
	}, `SELECT DISTINCT e.zone FROM events e JOIN event_sessions s ON s.event_id = e.id JOIN rooms rm ON rm.id = s.room_id WHERE rm.slug = $1`, room)
	if err != nil || len(zones) != 1 {
		return "", wrap(fmt.Sprintf("time zone of room %q", room), err)
	}
	return zones[0], nil
}
