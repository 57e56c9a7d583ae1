package conference

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"

	"github.com/mofa-vn/chancery/internal/procedure"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

var _ sfu.ProcedureStore = Store{}

// ProcedureSettings implements sfu.ProcedureStore.
func (s Store) ProcedureSettings(ctx context.Context, room string) (sfu.ProcedureSettings, error) {
	p, err := s.DB.ProcedureRoom(ctx, room)
	if err != nil {
		return sfu.ProcedureSettings{}, err
	}
	return sfu.ProcedureSettings{Quorum: procedure.Quorum{Kind: procedure.QuorumKind(p.QuorumKind), N: p.QuorumN}, Public: p.Public}, nil
}

// SaveProcedureSettings implements sfu.ProcedureStore.
func (s Store) SaveProcedureSettings(ctx context.Context, room string, p sfu.ProcedureSettings) error {
	return s.DB.SetProcedureRoom(ctx, store.ProcedureRoom{RoomSlug: room, QuorumKind: string(p.Quorum.Kind), QuorumN: p.Quorum.N, Public: p.Public})
}

// Accredited implements sfu.ProcedureStore.
func (s Store) Accredited(ctx context.Context, room string) (int, error) {
	return s.DB.AccreditedDelegations(ctx, room)
}

// Voters implements sfu.ProcedureStore.
func (s Store) Voters(ctx context.Context, room string) ([]sfu.Voter, error) {
	vs, err := s.DB.ProcedureVoters(ctx, room)
	out := make([]sfu.Voter, 0, len(vs))
	for _, v := range vs {
		out = append(out, sfu.Voter(v))
	}
	return out, err
}

// SaveVoter implements sfu.ProcedureStore.
func (s Store) SaveVoter(ctx context.Context, room string, v sfu.Voter) error {
	return s.DB.SetProcedureVoter(ctx, room, store.Voter(v))
}

// LastRollCall implements sfu.ProcedureStore.
func (s Store) LastRollCall(ctx context.Context, room string) (sfu.RollCall, bool, error) {
	rc, err := s.DB.LastRollCall(ctx, room)
	if errors.Is(err, store.ErrNotFound) {
		return sfu.RollCall{}, false, nil
	}
	if err != nil {
		return sfu.RollCall{}, false, err
	}
	out := sfu.RollCall{ID: rc.ID, Open: rc.ClosedAt.IsZero(), OpenedAt: rc.OpenedAt}
	for _, a := range rc.Answers {
		out.Present = append(out.Present, sfu.Voter{Delegation: a.Delegation, Identity: a.Identity, Name: a.Name})
	}
	return out, true, nil
}

// OpenRollCall implements sfu.ProcedureStore.
func (s Store) OpenRollCall(ctx context.Context, room, by string, at time.Time) (sfu.RollCall, error) {
	rc, err := s.DB.OpenRollCall(ctx, room, by, at)
	return sfu.RollCall{ID: rc.ID, Open: true, OpenedAt: rc.OpenedAt}, err
}

// CloseRollCall implements sfu.ProcedureStore.
func (s Store) CloseRollCall(ctx context.Context, id int64, at time.Time) error {
	return s.DB.CloseRollCall(ctx, id, at)
}

// AnswerRollCall implements sfu.ProcedureStore.
func (s Store) AnswerRollCall(ctx context.Context, id int64, v sfu.Voter, at time.Time) error {
	return s.DB.AnswerRollCall(ctx, id, store.RollCallAnswer{Delegation: v.Delegation, Identity: v.Identity, Name: v.Name, AnsweredAt: at})
}

// Votes implements sfu.ProcedureStore.
func (s Store) Votes(ctx context.Context, room string, limit int) ([]sfu.Vote, error) {
	vs, err := s.DB.RoomVotes(ctx, room, limit)
	if err != nil {
		return nil, err
	}
	out := make([]sfu.Vote, 0, len(vs))
	for _, v := range vs {
		out = append(out, s.withKey(VoteFromStore(v)))
	}
	return out, nil
}

// ballotKeyName binds the sealed key of a vote's receipts.
const ballotKeyName = "procedure ballot key"

// withKey opens the key of v's receipts, which the database keeps sealed
// with the server's secret key, so that reading the database and a
// delegation's receipt does not tell its choice. A key that does not
// open is a vote's opened before the keys were sealed (migration 0030),
// kept in the clear: it is used as it is (and a key that is neither
// makes receipts unknown, nothing worse).
func (s Store) withKey(v sfu.Vote) sfu.Vote {
	if s.Box == nil || len(v.Key) == 0 {
		return v
	}
	if k, err := s.Box.OpenNamed(ballotKeyName, v.Key); err == nil {
		v.Key = k
	}
	return v
}

// VoteFromStore turns a stored vote into the room's (with its receipts'
// key as stored: Store's methods open it).
func VoteFromStore(v store.Vote) sfu.Vote {
	out := sfu.Vote{ID: v.ID, AgendaItem: v.AgendaItem, Motion: v.Motion, Secret: v.Secret, Rule: procedure.Rule(v.Rule), Open: v.State == "open",
		Key: v.Key, Present: v.Present, Required: v.Required, Outcome: procedure.Outcome(v.Outcome), OpenedBy: v.OpenedBy,
		OpenedAt: v.OpenedAt, ClosedAt: v.ClosedAt, Voted: v.Voters}
	if !out.Open {
		out.Counts = procedure.Counts{Yes: v.Yes, No: v.No, Abstain: v.Abstain}
		if !v.Secret && len(v.Ballots) > 0 {
			out.Ballots = map[string]procedure.Choice{}
			for _, b := range v.Ballots {
				out.Ballots[b.Delegation] = procedure.Choice(b.Choice)
			}
		}
	}
	return out
}

// OpenVote implements sfu.ProcedureStore. A secret vote is refused
// without the server's secret key, before any ballot could be lost.
func (s Store) OpenVote(ctx context.Context, room string, v sfu.Vote) (sfu.Vote, error) {
	if v.Secret && s.Box == nil {
		return sfu.Vote{}, errNoBox
	}
	key := v.Key
	if s.Box != nil && len(key) > 0 {
		var err error
		if key, err = s.Box.SealNamed(ballotKeyName, key); err != nil {
			return sfu.Vote{}, err
		}
	}
	sv, err := s.DB.OpenVote(ctx, store.Vote{RoomSlug: room, AgendaItem: v.AgendaItem, Motion: v.Motion, Secret: v.Secret, Rule: string(v.Rule),
		Key: key, Present: v.Present, Required: v.Required, OpenedBy: v.OpenedBy, OpenedAt: v.OpenedAt})
	if err != nil {
		return sfu.Vote{}, err
	}
	return s.withKey(VoteFromStore(sv)), nil
}

// CastNamed implements sfu.ProcedureStore.
func (s Store) CastNamed(ctx context.Context, vote int64, v sfu.Voter, c procedure.Choice, at time.Time) error {
	return s.DB.CastNamed(ctx, vote, store.Ballot{Delegation: v.Delegation, Identity: v.Identity, Name: v.Name, Choice: string(c), CastAt: at})
}

// errNoBox refuses a secret vote on a store without the server's secret
// key, which seals its running tally.
var errNoBox = fmt.Errorf("%w: secret ballots need the server's secret key", fault.ErrRefused)

// tallyName binds a vote's sealed tally to the vote: a tally copied onto
// another vote does not open.
func tallyName(vote int64) string { return "procedure vote tally " + strconv.FormatInt(vote, 10) }

// unsealTally opens a vote's sealed tally (nil: no ballot yet).
func (s Store) unsealTally(vote int64, sealed []byte) (procedure.Counts, error) {
	if s.Box == nil {
		return procedure.Counts{}, errNoBox
	}
	if sealed == nil {
		return procedure.Counts{}, nil
	}
	b, err := s.Box.OpenNamed(tallyName(vote), sealed)
	if err != nil {
		return procedure.Counts{}, err
	}
	return procedure.DecodeTally(b)
}

// reseal counts one ballot into a vote's sealed tally: from is the
// ballot's previous choice ("" for a first ballot), to its choice. The
// tally is sealed afresh with a new nonce whatever moved, so that the
// bytes change at every ballot and tell nothing of it.
func (s Store) reseal(vote int64, from, to procedure.Choice) store.Reseal {
	return func(sealed []byte) ([]byte, error) {
		c, err := s.unsealTally(vote, sealed)
		if err != nil {
			return nil, err
		}
		if from != "" {
			c.Add(from, -1)
		}
		c.Add(to, 1)
		b, err := procedure.EncodeTally(c)
		if err != nil {
			return nil, err
		}
		return s.Box.SealNamed(tallyName(vote), b)
	}
}

// CastSecret implements sfu.ProcedureStore.
func (s Store) CastSecret(ctx context.Context, vote int64, delegation string, c procedure.Choice) error {
	if s.Box == nil {
		return errNoBox
	}
	return s.DB.CastSecret(ctx, vote, delegation, s.reseal(vote, "", c))
}

// SecretVersion implements sfu.ProcedureStore.
func (s Store) SecretVersion(ctx context.Context, vote int64, delegation string) (int, error) {
	return s.DB.SecretVersion(ctx, vote, delegation)
}

// ChangeSecret implements sfu.ProcedureStore.
func (s Store) ChangeSecret(ctx context.Context, vote int64, delegation string, version int, old, c procedure.Choice) error {
	if s.Box == nil {
		return errNoBox
	}
	return s.DB.ChangeSecret(ctx, vote, delegation, version, s.reseal(vote, old, c))
}

// CloseVote implements sfu.ProcedureStore.
func (s Store) CloseVote(ctx context.Context, vote int64, at time.Time, actor string) (sfu.Vote, error) {
	unseal := func(sealed []byte) (int, int, int, error) {
		c, err := s.unsealTally(vote, sealed)
		return c.Yes, c.No, c.Abstain, err
	}
	v, err := s.DB.CloseVote(ctx, vote, at, actor, unseal, func(rl string, yes, no, abstain int) string {
		return string(procedure.Decide(procedure.Rule(rl), procedure.Counts{Yes: yes, No: no, Abstain: abstain}))
	})
	if err != nil {
		return sfu.Vote{}, err
	}
	return VoteFromStore(v), nil
}

// RecordConsensus implements sfu.ProcedureStore.
func (s Store) RecordConsensus(ctx context.Context, room string, v sfu.Vote, actor string) (sfu.Vote, error) {
	sv, err := s.DB.RecordConsensus(ctx, store.Vote{RoomSlug: room, AgendaItem: v.AgendaItem, Motion: v.Motion, Present: v.Present,
		Required: v.Required, OpenedBy: v.OpenedBy, OpenedAt: v.OpenedAt}, actor)
	if err != nil {
		return sfu.Vote{}, err
	}
	return VoteFromStore(sv), nil
}
