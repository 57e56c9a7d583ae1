package conference

import (
	"context"
	"errors"
	"time"

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
		out = append(out, VoteFromStore(v))
	}
	return out, nil
}

// VoteFromStore turns a stored vote into the room's.
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

// OpenVote implements sfu.ProcedureStore.
func (s Store) OpenVote(ctx context.Context, room string, v sfu.Vote) (sfu.Vote, error) {
	sv, err := s.DB.OpenVote(ctx, store.Vote{RoomSlug: room, AgendaItem: v.AgendaItem, Motion: v.Motion, Secret: v.Secret, Rule: string(v.Rule),
		Key: v.Key, Present: v.Present, Required: v.Required, OpenedBy: v.OpenedBy, OpenedAt: v.OpenedAt})
	if err != nil {
		return sfu.Vote{}, err
	}
	return VoteFromStore(sv), nil
}

// CastNamed implements sfu.ProcedureStore.
func (s Store) CastNamed(ctx context.Context, vote int64, v sfu.Voter, c procedure.Choice, at time.Time) error {
	return s.DB.CastNamed(ctx, vote, store.Ballot{Delegation: v.Delegation, Identity: v.Identity, Name: v.Name, Choice: string(c), CastAt: at})
}

// CastSecret implements sfu.ProcedureStore.
func (s Store) CastSecret(ctx context.Context, vote int64, delegation string, c procedure.Choice) error {
	return s.DB.CastSecret(ctx, vote, delegation, string(c))
}

// SecretVersion implements sfu.ProcedureStore.
func (s Store) SecretVersion(ctx context.Context, vote int64, delegation string) (int, error) {
	return s.DB.SecretVersion(ctx, vote, delegation)
}

// ChangeSecret implements sfu.ProcedureStore.
func (s Store) ChangeSecret(ctx context.Context, vote int64, delegation string, version int, old, c procedure.Choice) error {
	return s.DB.ChangeSecret(ctx, vote, delegation, version, string(old), string(c))
}

// CloseVote implements sfu.ProcedureStore.
func (s Store) CloseVote(ctx context.Context, vote int64, at time.Time, actor string) (sfu.Vote, error) {
	v, err := s.DB.CloseVote(ctx, vote, at, actor, func(rl string, yes, no, abstain int) string {
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
