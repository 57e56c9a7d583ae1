package sfu

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/mofa-vn/chancery/internal/procedure"
)

// Roll call, quorum and votes by delegation (conference.md §4), beside the
// floor and under the floor's lock, so that a vote and the floor never
// race: the floor is closed while a vote is open.
//
// A delegation acts through one member: the member its head designated
// from the room, or else its head (Claims.Head). The chair (a moderator)
// opens and closes roll calls and votes and sets the quorum rule; the
// delegations present are those that answered the last roll call, and
// only they vote. The rules (quorum, decision, secret ballot receipts) are
// internal/procedure's; the state is written through to the
// ProcedureStore before it changes in memory. A secret ballot's choice is
// never kept in memory past the call, never logged and never audited: the
// store keeps who voted apart from the counts, which stay sealed until the
// close, and the voter's client the receipt that lets it change its
// ballot (see internal/procedure).

// ProcedureSettings are a room's quorum rule and whether its speakers'
// list and results are shown to the public.
type ProcedureSettings struct {
	Quorum procedure.Quorum `json:"quorum"`
	Public bool             `json:"public"`
}

// Voter is a delegation's member in the procedure.
type Voter struct {
	Delegation string `json:"delegation"`
	Identity   string `json:"identity"`
	Name       string `json:"name"`
}

// RollCall is the room's last roll call: who answered present.
type RollCall struct {
	ID       int64
	Open     bool
	OpenedAt time.Time
	Present  []Voter
}

// Vote is a motion put to the delegations. Counts are known to the room
// only once the vote is closed.
type Vote struct {
	ID                int64
	AgendaItem        string
	Motion            string
	Secret            bool
	Rule              procedure.Rule
	Open              bool
	Key               []byte
	Present, Required int
	Counts            procedure.Counts
	Outcome           procedure.Outcome
	OpenedBy          string
	OpenedAt          time.Time
	ClosedAt          time.Time
	// Voted are the delegations that voted; Ballots a closed named
	// vote's choices by delegation.
	Voted   []string
	Ballots map[string]procedure.Choice
}

// ProcedureStore keeps roll calls, quorum rules, designations and votes.
// main wires it to the database with the rest of Store.
type ProcedureStore interface {
	ProcedureSettings(ctx context.Context, room string) (ProcedureSettings, error)
	SaveProcedureSettings(ctx context.Context, room string, s ProcedureSettings) error
	// Accredited is the number of delegations accredited to the events
	// meeting in the room (0: none known).
	Accredited(ctx context.Context, room string) (int, error)
	Voters(ctx context.Context, room string) ([]Voter, error)
	SaveVoter(ctx context.Context, room string, v Voter) error
	// LastRollCall returns the room's last roll call, and false if none.
	LastRollCall(ctx context.Context, room string) (RollCall, bool, error)
	OpenRollCall(ctx context.Context, room, by string, at time.Time) (RollCall, error)
	CloseRollCall(ctx context.Context, id int64, at time.Time) error
	AnswerRollCall(ctx context.Context, id int64, v Voter, at time.Time) error
	// Votes returns the room's last votes, newest first.
	Votes(ctx context.Context, room string, limit int) ([]Vote, error)
	OpenVote(ctx context.Context, room string, v Vote) (Vote, error)
	CastNamed(ctx context.Context, vote int64, v Voter, c procedure.Choice, at time.Time) error
	// CastSecret adds a first secret ballot: the voter, and one count in
	// the sealed tally.
	CastSecret(ctx context.Context, vote int64, delegation string, c procedure.Choice) error
	// SecretVersion is the version of a delegation's secret ballot.
	SecretVersion(ctx context.Context, vote int64, delegation string) (int, error)
	// ChangeSecret moves one count from old to c in the sealed tally if
	// the ballot is still at version.
	ChangeSecret(ctx context.Context, vote int64, delegation string, version int, old, c procedure.Choice) error
	// CloseVote closes the vote, decides it and records the result in the
	// hash-chained audit log.
	CloseVote(ctx context.Context, vote int64, at time.Time, actor string) (Vote, error)
	// RecordConsensus records a decision taken without a vote, audited
	// likewise.
	RecordConsensus(ctx context.Context, room string, v Vote, actor string) (Vote, error)
}

// Error codes of the procedure.
const (
	// CodeVoteOpen refuses what a vote in progress forbids: the floor, a
	// roll call, a second vote.
	CodeVoteOpen = "vote_open"
	// CodeVoteClosed is a ballot for a vote that is not open.
	CodeVoteClosed = "vote_closed"
	// CodeNotEntitled is an answer or ballot from a member who does not
	// act for a delegation.
	CodeNotEntitled = "not_entitled"
	// CodeNotPresent is a ballot from a delegation not present at the
	// last roll call.
	CodeNotPresent = "not_present"
	// CodeNoQuorum is a vote opened without a quorum.
	CodeNoQuorum = "no_quorum"
	// CodeRollCallClosed is an answer with no roll call open.
	CodeRollCallClosed = "roll_call_closed"
	// CodeAnswered is a delegation answering twice.
	CodeAnswered = "already_answered"
	// CodeReceipt is a change of a secret ballot without its last receipt.
	CodeReceipt = "receipt_unknown"
)

// Procedure message types.
const (
	TypeRollCallOpen   = "roll_call_open"     // (moderator)
	TypeRollCallClose  = "roll_call_close"    // (moderator)
	TypeRollCallAnswer = "roll_call_answer"   // the delegation is present
	TypeDesignate      = "voter_designate"    // participant: the head names the delegation's voter
	TypeProcSettings   = "procedure_settings" // settings (moderator)
	TypeVoteOpen       = "vote_open"          // motion, secret, rule (moderator)
	TypeVoteCast       = "vote_cast"          // vote, choice, receipt (a secret ballot's change)
	TypeVoteClose      = "vote_close"         // vote (moderator)
	TypeProcState      = "procedure_state"    // procedure: server to client
	TypeVoteReceipt    = "vote_receipt"       // vote, receipt (secret ballots): to the voter alone, once the ballot counts
)

var procChairOnly = map[string]bool{TypeRollCallOpen: true, TypeRollCallClose: true, TypeProcSettings: true, TypeVoteOpen: true, TypeVoteClose: true}

// procResults is how many closed votes procedure_state carries.
const procResults = 5

// checkProcedure checks a procedure message's fields.
func (m *ClientMessage) checkProcedure() error {
	switch m.Type {
	case TypeDesignate:
		if m.Participant == "" || len(m.Participant) > 64 {
			return protoErr(CodeBadMessage, "voter_designate needs a participant")
		}
	case TypeProcSettings:
		s := m.Settings
		if s == nil || !s.Quorum.Kind.Valid() || s.Quorum.N < 0 || s.Quorum.N > procedure.MaxDelegations ||
			(s.Quorum.Kind == procedure.QuorumFixed && s.Quorum.N < 1) {
			return protoErr(CodeBadMessage, "a quorum is a majority, or a fixed number of 1 to %d delegations", procedure.MaxDelegations)
		}
	case TypeVoteOpen:
		if !procedure.ValidMotion(m.Motion) {
			return protoErr(CodeBadMessage, "a motion is 1 to %d characters", procedure.MaxMotionRunes)
		}
		if !m.Rule.Valid() {
			return protoErr(CodeBadMessage, "unknown rule %q", m.Rule)
		}
		if m.Rule == procedure.Consensus && m.Secret {
			return protoErr(CodeBadMessage, "a consensus is recorded without a ballot")
		}
	case TypeVoteCast:
		if m.Vote <= 0 || !m.Choice.Valid() || len(m.Receipt) > 64 {
			return protoErr(CodeBadMessage, "vote_cast needs a vote and a choice: yes, no or abstain")
		}
	case TypeVoteClose:
		if m.Vote <= 0 {
			return protoErr(CodeBadMessage, "vote_close needs a vote")
		}
	}
	return nil
}

// proc is a room's procedure state, guarded by floor.mu.
type proc struct {
	loaded     bool
	settings   ProcedureSettings
	accredited int
	voters     map[string]Voter // designations, by delegation
	roll       *RollCall
	present    map[string]Voter // the last roll call's answers
	vote       *Vote            // the open vote
	voted      map[string]bool  // delegations that voted in it
	results    []Vote           // the last closed, newest first
}

// ensureProcLocked reads the room's procedure from the Store once. f.mu
// must be held.
func (r *Room) ensureProcLocked(ctx context.Context) error {
	pr := &r.proc
	if pr.loaded {
		return nil
	}
	ctx, cancel := r.s.storeContext(ctx)
	defer cancel()
	st := r.s.store
	s, err := st.ProcedureSettings(ctx, r.slug)
	if err != nil {
		return err
	}
	acc, err := st.Accredited(ctx, r.slug)
	if err != nil {
		return err
	}
	vs, err := st.Voters(ctx, r.slug)
	if err != nil {
		return err
	}
	rc, ok, err := st.LastRollCall(ctx, r.slug)
	if err != nil {
		return err
	}
	votes, err := st.Votes(ctx, r.slug, procResults+1)
	if err != nil {
		return err
	}
	*pr = proc{loaded: true, settings: s, accredited: acc, voters: map[string]Voter{}, present: map[string]Voter{}, voted: map[string]bool{}}
	for _, v := range vs {
		pr.voters[v.Delegation] = v
	}
	if ok {
		pr.roll = &rc
		for _, v := range rc.Present {
			pr.present[v.Delegation] = v
		}
	}
	for i := range votes {
		v := votes[i]
		if v.Open {
			if pr.vote == nil {
				pr.vote = &v
				for _, d := range v.Voted {
					pr.voted[d] = true
				}
			}
			continue
		}
		if len(pr.results) < procResults {
			pr.results = append(pr.results, v)
		}
	}
	return nil
}

// voteOpenLocked reports whether a vote is open; f.mu must be held. A
// Store that cannot say is an error: the floor stays closed.
func (r *Room) voteOpenLocked(ctx context.Context) (bool, error) {
	if err := r.ensureProcLocked(ctx); err != nil {
		r.log.Error("load the procedure", "err", err)
		return true, protoErr(CodeUnavailable, "the procedure cannot be read now; try again")
	}
	return r.proc.vote != nil, nil
}

// errVoteOpen refuses the floor while a vote is open.
var errVoteOpen = protoErr(CodeVoteOpen, "the floor is closed while a vote is open")

// entitledLocked returns the delegation p acts for, or a refusal: p must
// be a delegate of a delegation, and its designated member or, with none
// designated, its head.
func (r *Room) entitledLocked(p *Participant) (Voter, error) {
	c := p.claims
	if c.Delegation == "" || c.Role != RoleDelegate {
		return Voter{}, protoErr(CodeNotEntitled, "only a delegation's voting member may do this")
	}
	if v, ok := r.proc.voters[c.Delegation]; ok {
		if v.Identity != c.Identity {
			return Voter{}, protoErr(CodeNotEntitled, "%s acts for your delegation", v.Name)
		}
	} else if !c.Head {
		return Voter{}, protoErr(CodeNotEntitled, "only the head of delegation, or the member the head designates, acts for the delegation")
	}
	return Voter{Delegation: c.Delegation, Identity: c.Identity, Name: c.Name}, nil
}

// handleProcedure runs a procedure message. A refusal goes to the sender
// alone and changes nothing; the session goes on.
func (p *Participant) handleProcedure(m ClientMessage) {
	if procChairOnly[m.Type] && !p.permissions().Moderate {
		p.send(errorMessage(protoErr(CodeForbidden, "only the chair may do this")))
		return
	}
	if err := p.room.procAction(context.WithoutCancel(p.ctx), p, m); err != nil {
		p.send(errorMessage(err))
	}
}

func (r *Room) procAction(ctx context.Context, p *Participant, m ClientMessage) error {
	f := &r.floor
	f.mu.Lock()
	defer f.mu.Unlock()
	if !r.floorAllowedLocked(p) {
		return protoErr(CodeRateLimit, "too many requests; wait a moment")
	}
	if err := r.ensureLoadedLocked(ctx); err != nil {
		r.log.Error("load the speakers' list", "err", err)
		return protoErr(CodeUnavailable, "the procedure cannot be read now; try again")
	}
	if err := r.ensureProcLocked(ctx); err != nil {
		r.log.Error("load the procedure", "err", err)
		return protoErr(CodeUnavailable, "the procedure cannot be read now; try again")
	}
	sctx, cancel := r.s.storeContext(ctx)
	defer cancel()
	var err error
	switch m.Type {
	case TypeRollCallOpen:
		err = r.rollCallOpenLocked(sctx, p)
	case TypeRollCallClose:
		err = r.rollCallCloseLocked(sctx, p)
	case TypeRollCallAnswer:
		err = r.rollCallAnswerLocked(sctx, p)
	case TypeDesignate:
		err = r.designateLocked(sctx, p, m.Participant)
	case TypeProcSettings:
		err = r.procSettingsLocked(sctx, p, *m.Settings)
	case TypeVoteOpen:
		err = r.voteOpenMsgLocked(sctx, p, m)
	case TypeVoteCast:
		err = r.voteCastLocked(sctx, p, m)
	case TypeVoteClose:
		err = r.voteCloseLocked(sctx, p, m.Vote)
	}
	if err != nil {
		return err
	}
	r.broadcastProcLocked()
	return nil
}

func (r *Room) rollCallOpenLocked(ctx context.Context, p *Participant) error {
	pr := &r.proc
	if pr.vote != nil {
		return protoErr(CodeVoteOpen, "close the vote before calling the roll")
	}
	rc, err := r.s.store.OpenRollCall(ctx, r.slug, p.claims.Identity, r.s.now().UTC())
	if err != nil {
		return r.storeErr("open a roll call", err)
	}
	if n, err := r.s.store.Accredited(ctx, r.slug); err == nil {
		pr.accredited = n
	}
	rc.Open = true
	pr.roll, pr.present = &rc, map[string]Voter{}
	r.floorAudit(ctx, p, "roll_call_open", nil, fmt.Sprintf("roll call %d", rc.ID))
	return nil
}

func (r *Room) rollCallCloseLocked(ctx context.Context, p *Participant) error {
	pr := &r.proc
	if pr.roll == nil || !pr.roll.Open {
		return protoErr(CodeRollCallClosed, "no roll call is open")
	}
	if err := r.s.store.CloseRollCall(ctx, pr.roll.ID, r.s.now().UTC()); err != nil {
		return r.storeErr("close a roll call", err)
	}
	pr.roll.Open = false
	present, required := len(pr.present), pr.settings.Quorum.Required(pr.accredited)
	r.floorAudit(ctx, p, "roll_call_close", nil, fmt.Sprintf("roll call %d: %d present, quorum %d", pr.roll.ID, present, required))
	return nil
}

func (r *Room) rollCallAnswerLocked(ctx context.Context, p *Participant) error {
	pr := &r.proc
	v, err := r.entitledLocked(p)
	if err != nil {
		return err
	}
	if pr.roll == nil || !pr.roll.Open {
		return protoErr(CodeRollCallClosed, "no roll call is open")
	}
	if _, ok := pr.present[v.Delegation]; ok {
		return protoErr(CodeAnswered, "your delegation has answered")
	}
	if err := r.s.store.AnswerRollCall(ctx, pr.roll.ID, v, r.s.now().UTC()); err != nil {
		return r.storeErr("answer a roll call", err)
	}
	pr.present[v.Delegation] = v
	r.floorAudit(ctx, p, "roll_call_answer", nil, fmt.Sprintf("roll call %d: %s present", pr.roll.ID, v.Delegation))
	return nil
}

func (r *Room) designateLocked(ctx context.Context, p *Participant, participant string) error {
	c := p.claims
	if !c.Head || c.Delegation == "" || c.Role != RoleDelegate {
		return protoErr(CodeNotEntitled, "only the head of delegation designates its voting member")
	}
	r.mu.Lock()
	t := r.members[participant]
	var tc Claims
	if t != nil && t.joined {
		tc = t.claims
	}
	r.mu.Unlock()
	if tc.Identity == "" {
		return protoErr(CodeNotFound, "no such participant in the room")
	}
	if tc.Delegation != c.Delegation || tc.Role != RoleDelegate {
		return protoErr(CodeNotEntitled, "only a delegate of your delegation can vote for it")
	}
	v := Voter{Delegation: c.Delegation, Identity: tc.Identity, Name: tc.Name}
	if err := r.s.store.SaveVoter(ctx, r.slug, v); err != nil {
		return r.storeErr("designate a voter", err)
	}
	r.proc.voters[c.Delegation] = v
	e := AuditEntry{Room: r.slug, Action: "voter_designate", At: r.s.now().UTC(), ActorIdentity: c.Identity, ActorName: c.Name,
		TargetIdentity: tc.Identity, Detail: "votes for " + c.Delegation}
	if err := r.s.store.Audit(ctx, e); err != nil {
		r.log.Error("audit", "action", e.Action, "err", err)
	}
	return nil
}

func (r *Room) procSettingsLocked(ctx context.Context, p *Participant, s ProcedureSettings) error {
	if err := r.s.store.SaveProcedureSettings(ctx, r.slug, s); err != nil {
		return r.storeErr("set the quorum", err)
	}
	r.proc.settings = s
	r.floorAudit(ctx, p, "procedure_settings", nil, fmt.Sprintf("quorum %s %d, public %v", s.Quorum.Kind, s.Quorum.N, s.Public))
	return nil
}

func (r *Room) voteOpenMsgLocked(ctx context.Context, p *Participant, m ClientMessage) error {
	pr := &r.proc
	if pr.vote != nil {
		return protoErr(CodeVoteOpen, "a vote is open; close it first")
	}
	present, required := len(pr.present), pr.settings.Quorum.Required(pr.accredited)
	v := Vote{AgendaItem: r.floor.item, Motion: m.Motion, Secret: m.Secret, Rule: m.Rule, Present: present, Required: required,
		OpenedBy: p.claims.Identity, OpenedAt: r.s.now().UTC()}
	if m.Rule == procedure.Consensus {
		saved, err := r.s.store.RecordConsensus(ctx, r.slug, v, p.claims.Identity)
		if err != nil {
			return r.storeErr("record a consensus", err)
		}
		pr.results = append([]Vote{saved}, pr.results...)[:min(len(pr.results)+1, procResults)]
		r.floorAudit(ctx, p, "vote_consensus", nil, fmt.Sprintf("vote %d: %q adopted by consensus", saved.ID, saved.Motion))
		return nil
	}
	if pr.roll == nil || present < required {
		return protoErr(CodeNoQuorum, "no quorum: %d delegations present, %d needed; call the roll first", present, required)
	}
	v.Key = make([]byte, 32)
	if _, err := rand.Read(v.Key); err != nil {
		return r.storeErr("open a vote", err)
	}
	saved, err := r.s.store.OpenVote(ctx, r.slug, v)
	if err != nil {
		return r.storeErr("open a vote", err)
	}
	saved.Open = true
	pr.vote, pr.voted = &saved, map[string]bool{}
	r.floorAudit(ctx, p, "vote_open", nil, fmt.Sprintf("vote %d (%s, %s): %q", saved.ID, secrecy(saved.Secret), saved.Rule, saved.Motion))
	// Nobody speaks while a vote is open: a running turn is paused (the
	// chair resumes it after the vote), and the gates close.
	if q := r.floor.cur; q != nil && q.State == FloorInProgress {
		if err := r.floorStepLocked(ctx, p, q, evPause); err != nil {
			r.log.Error("pause the turn for a vote", "err", err)
		}
	}
	r.applyFloorLocked()
	r.broadcastFloorLocked()
	return nil
}

func secrecy(secret bool) string {
	if secret {
		return "secret"
	}
	return "named"
}

func (r *Room) voteCastLocked(ctx context.Context, p *Participant, m ClientMessage) error {
	pr := &r.proc
	if pr.vote == nil || pr.vote.ID != m.Vote {
		return protoErr(CodeVoteClosed, "vote %d is not open", m.Vote)
	}
	v, err := r.entitledLocked(p)
	if err != nil {
		return err
	}
	if _, ok := pr.present[v.Delegation]; !ok {
		return protoErr(CodeNotPresent, "your delegation did not answer the roll call, so it cannot vote")
	}
	vote := pr.vote
	if !vote.Secret {
		if err := r.s.store.CastNamed(ctx, vote.ID, v, m.Choice, r.s.now().UTC()); err != nil {
			return r.storeErr("cast a ballot", err)
		}
		pr.voted[v.Delegation] = true
		// The voter alone learns that the ballot counts (a named ballot
		// needs no receipt).
		p.send(ServerMessage{Type: TypeVoteReceipt, VoteID: vote.ID})
		return nil
	}
	version := 1
	if !pr.voted[v.Delegation] {
		if err := r.s.store.CastSecret(ctx, vote.ID, v.Delegation, m.Choice); err != nil {
			return r.storeErr("cast a ballot", err)
		}
	} else {
		n, err := r.s.store.SecretVersion(ctx, vote.ID, v.Delegation)
		if err != nil {
			return r.storeErr("read a ballot", err)
		}
		old, ok := procedure.Opened(vote.Key, vote.ID, v.Delegation, n, m.Receipt)
		if !ok {
			return protoErr(CodeReceipt, "your delegation has voted; a secret ballot can be changed only from the device that cast it last")
		}
		if err := r.s.store.ChangeSecret(ctx, vote.ID, v.Delegation, n, old, m.Choice); err != nil {
			return r.storeErr("change a ballot", err)
		}
		version = n + 1
	}
	pr.voted[v.Delegation] = true
	p.send(ServerMessage{Type: TypeVoteReceipt, VoteID: vote.ID, Receipt: procedure.Receipt(vote.Key, vote.ID, v.Delegation, version, m.Choice)})
	return nil
}

func (r *Room) voteCloseLocked(ctx context.Context, p *Participant, id int64) error {
	pr := &r.proc
	if pr.vote == nil || pr.vote.ID != id {
		return protoErr(CodeVoteClosed, "vote %d is not open", id)
	}
	v, err := r.s.store.CloseVote(ctx, id, r.s.now().UTC(), p.claims.Identity)
	if err != nil {
		return r.storeErr("close a vote", err)
	}
	pr.vote, pr.voted = nil, map[string]bool{}
	pr.results = append([]Vote{v}, pr.results...)[:min(len(pr.results)+1, procResults)]
	r.floorAudit(ctx, p, "vote_close", nil, fmt.Sprintf("vote %d: %s (yes %d, no %d, abstain %d)", v.ID, v.Outcome, v.Counts.Yes, v.Counts.No, v.Counts.Abstain))
	return nil
}

// QuorumInfo is the quorum as the room stands.
type QuorumInfo struct {
	procedure.Quorum
	Membership int  `json:"membership"`
	Required   int  `json:"required"`
	Present    int  `json:"present"`
	Met        bool `json:"met"`
}

// RollCallInfo describes the last roll call.
type RollCallInfo struct {
	ID      int64   `json:"id"`
	Open    bool    `json:"open"`
	Present []Voter `json:"present"`
}

// VoteInfo describes a vote to clients: who voted while it is open, the
// counts and outcome once closed, and a named vote's ballots.
type VoteInfo struct {
	ID         int64                       `json:"id"`
	AgendaItem string                      `json:"agenda_item"`
	Motion     string                      `json:"motion"`
	Secret     bool                        `json:"secret"`
	Rule       procedure.Rule              `json:"rule"`
	Open       bool                        `json:"open"`
	Present    int                         `json:"present"`
	Required   int                         `json:"required"`
	Voted      []string                    `json:"voted"`
	Counts     *procedure.Counts           `json:"counts,omitempty"`
	Outcome    procedure.Outcome           `json:"outcome,omitempty"`
	Ballots    map[string]procedure.Choice `json:"ballots,omitempty"`
	OpenedAt   int64                       `json:"opened_at"`
	ClosedAt   int64                       `json:"closed_at,omitempty"`
}

// ProcedureInfo is the procedure_state broadcast.
type ProcedureInfo struct {
	Public   bool          `json:"public"`
	Quorum   QuorumInfo    `json:"quorum"`
	RollCall *RollCallInfo `json:"roll_call,omitempty"`
	// Voters are the members heads designated, by delegation.
	Voters  []Voter    `json:"voters"`
	Vote    *VoteInfo  `json:"vote,omitempty"`
	Results []VoteInfo `json:"results"`
}

// NewVoteInfo describes v.
func NewVoteInfo(v Vote) VoteInfo {
	vi := VoteInfo{ID: v.ID, AgendaItem: v.AgendaItem, Motion: v.Motion, Secret: v.Secret, Rule: v.Rule, Open: v.Open, Present: v.Present,
		Required: v.Required, Voted: slices.Clone(v.Voted), OpenedAt: v.OpenedAt.UnixMilli()}
	if vi.Voted == nil {
		vi.Voted = []string{}
	}
	slices.Sort(vi.Voted)
	if !v.Open {
		c := v.Counts
		vi.Counts, vi.Outcome, vi.Ballots, vi.ClosedAt = &c, v.Outcome, v.Ballots, v.ClosedAt.UnixMilli()
	}
	return vi
}

// procInfoLocked describes the procedure. f.mu must be held.
func (r *Room) procInfoLocked() *ProcedureInfo {
	pr := &r.proc
	q := pr.settings.Quorum
	qi := QuorumInfo{Quorum: q, Membership: q.Membership(pr.accredited), Required: q.Required(pr.accredited), Present: len(pr.present)}
	qi.Met = pr.roll != nil && qi.Present >= qi.Required
	out := &ProcedureInfo{Public: pr.settings.Public, Quorum: qi, Voters: make([]Voter, 0, len(pr.voters)), Results: make([]VoteInfo, 0, len(pr.results))}
	if pr.roll != nil {
		ri := &RollCallInfo{ID: pr.roll.ID, Open: pr.roll.Open, Present: make([]Voter, 0, len(pr.present))}
		for _, v := range pr.present {
			ri.Present = append(ri.Present, v)
		}
		slices.SortFunc(ri.Present, func(a, b Voter) int { return compareStrings(a.Delegation, b.Delegation) })
		out.RollCall = ri
	}
	for _, v := range pr.voters {
		out.Voters = append(out.Voters, v)
	}
	slices.SortFunc(out.Voters, func(a, b Voter) int { return compareStrings(a.Delegation, b.Delegation) })
	if v := pr.vote; v != nil {
		cur := *v
		cur.Voted = nil
		for d := range pr.voted {
			cur.Voted = append(cur.Voted, d)
		}
		vi := NewVoteInfo(cur)
		out.Vote = &vi
	}
	for _, v := range pr.results {
		out.Results = append(out.Results, NewVoteInfo(v))
	}
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// broadcastProcLocked sends everyone the procedure's state. f.mu must be
// held.
func (r *Room) broadcastProcLocked() {
	r.broadcast(ServerMessage{Type: TypeProcState, Procedure: r.procInfoLocked()})
}

// procJoined sends a newcomer the procedure's state.
func (r *Room) procJoined(p *Participant) {
	f := &r.floor
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := r.ensureProcLocked(context.WithoutCancel(p.ctx)); err != nil {
		r.log.Error("load the procedure", "err", err)
		return
	}
	p.send(ServerMessage{Type: TypeProcState, Procedure: r.procInfoLocked()})
}
