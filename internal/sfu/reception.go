package sfu

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// TypeAdmitDelegation admits every waiting member of a delegation
// (moderator; rooms with a Reception): its Delegation is a
// ReceptionDelegation's Key.
const TypeAdmitDelegation = "admit_delegation"

// Reception is what a Store implements when a room's meeting knows who is
// invited and in which order delegations take precedence (an event's
// session): the room's digital reception then shows moderators who is
// expected, who has arrived and from which delegation, admits a whole
// delegation at once (TypeAdmitDelegation), and orders the participants,
// the lobby and the speakers' list by precedence. A Store without it has a
// plain lobby.
type Reception interface {
	// Reception returns who is expected in the room named slug now (their
	// invitation opens it at this moment) and the delegations in order of
	// precedence; an empty list when the room belongs to no such meeting.
	Reception(ctx context.Context, slug string) (ReceptionList, error)
}

// ReceptionList is a room's invited people and delegations.
type ReceptionList struct {
	// Delegations are in order of precedence, the first first.
	Delegations []ReceptionDelegation `json:"delegations"`
	Expected    []Expected            `json:"expected"`
}

// ReceptionDelegation is one delegation of the meeting.
type ReceptionDelegation struct {
	Key  string `json:"key"`  // stable: what TypeAdmitDelegation names
	Name string `json:"name"` // as the reception shows it
}

// Expected is one invited person and, as the room sends it to moderators,
// where they are.
type Expected struct {
	Identity   string `json:"identity"`
	Name       string `json:"name"`
	Delegation string `json:"delegation"` // a ReceptionDelegation's Key
	Role       Role   `json:"role"`
	// State is ExpectedAbsent, ExpectedWaiting or ExpectedAdmitted.
	State string `json:"state"`
	// Participant is the session's ID while they are in the room.
	Participant string `json:"participant,omitempty"`
}

// The states of an expected person.
const (
	ExpectedAbsent   = "absent"
	ExpectedWaiting  = "waiting"
	ExpectedAdmitted = "admitted"
)

// rankOf returns the 1-based place of the delegation key in l's order of
// precedence; 0 when it has none.
func (l ReceptionList) rankOf(identity string) int {
	for _, e := range l.Expected {
		if e.Identity == identity {
			for i, d := range l.Delegations {
				if d.Key == e.Delegation {
					return i + 1
				}
			}
		}
	}
	return 0
}

// reception asks the store, when it is a Reception, for the room's list;
// ok is false without one, when the list is empty, or when the store
// fails (the lobby still works, without the list).
//
// A list read less than receptionTTL ago is reused: a crowd arriving at
// the start of a session asks once, not once per person. The TTL runs on
// the monotonic clock, not the injected one, as it only bounds load.
func (r *Room) reception(ctx context.Context) (ReceptionList, bool) {
	rs, ok := r.s.store.(Reception)
	if !ok {
		return ReceptionList{}, false
	}
	r.mu.Lock()
	if !r.receptionAt.IsZero() && time.Since(r.receptionAt) < receptionTTL {
		l := r.receptionList
		r.mu.Unlock()
		return l, len(l.Delegations) > 0 || len(l.Expected) > 0
	}
	r.mu.Unlock()
	sctx, cancel := r.s.storeContext(ctx)
	defer cancel()
	l, err := rs.Reception(sctx, r.slug)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error("reception list", "err", err)
		}
		return ReceptionList{}, false
	}
	r.mu.Lock()
	r.receptionList, r.receptionAt = l, time.Now()
	r.mu.Unlock()
	return l, len(l.Delegations) > 0 || len(l.Expected) > 0
}

// receptionTTL is how long a room reuses its reception list.
const receptionTTL = 3 * time.Second

// rememberRanksLocked keeps the precedence rank of each invited identity,
// which the participants' information carries. r.mu must be held.
func (r *Room) rememberRanksLocked(l ReceptionList) {
	if r.ranks == nil {
		r.ranks = map[string]int{}
	}
	for _, e := range l.Expected {
		r.ranks[e.Identity] = l.rankOf(e.Identity)
	}
}

// byPrecedence orders participants by their delegation's rank (those
// without one last), then in the order they came.
func byPrecedence(a, b ParticipantInfo) int {
	return cmp.Or(cmp.Compare(rankKey(a.Rank), rankKey(b.Rank)), compareIDs(a.ID, b.ID))
}

// speechAtLocked is where a new speech request of identity goes by
// default in pending: after the points of order, and, in a room with an
// order of precedence, before the first speech of a delegation that
// comes after the speaker's (those without a rank go last, in the order
// they asked). The floor's lock must be held, not r.mu.
func (r *Room) speechAt(pending []*FloorRequest, identity string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	at := 0
	for at < len(pending) && pending[at].Kind == KindPointOfOrder {
		at++
	}
	mine := rankKey(r.ranks[identity])
	for at < len(pending) && (pending[at].Kind != KindSpeech || rankKey(r.ranks[pending[at].Identity]) <= mine) {
		at++
	}
	if mine == rankKey(0) {
		return len(pending)
	}
	return at
}

// rankKey puts rank 0 (none) after every rank.
func rankKey(rank int) int {
	if rank <= 0 {
		return int(^uint(0) >> 1)
	}
	return rank
}

// receptionStateLocked fills in where each expected person is. r.mu must
// be held.
func (r *Room) receptionStateLocked(l ReceptionList) *ReceptionList {
	out := ReceptionList{Delegations: l.Delegations, Expected: make([]Expected, 0, len(l.Expected))}
	for _, e := range l.Expected {
		e.State = ExpectedAbsent
		for _, m := range r.members {
			if m.claims.Identity == e.Identity {
				e.Participant, e.State = m.id, ExpectedWaiting
				if m.joined {
					e.State = ExpectedAdmitted
				}
			}
		}
		out.Expected = append(out.Expected, e)
	}
	rank := map[string]int{}
	for i, d := range l.Delegations {
		rank[d.Key] = i + 1
	}
	slices.SortStableFunc(out.Expected, func(a, b Expected) int {
		return cmp.Or(cmp.Compare(rankKey(rank[a.Delegation]), rankKey(rank[b.Delegation])), strings.Compare(a.Name, b.Name))
	})
	return &out
}

// admitDelegation admits every member of the delegation key waiting in
// the lobby, as the reception lists them now, each audited.
func (r *Room) admitDelegation(ctx context.Context, by *Participant, key string) {
	l, ok := r.reception(ctx)
	if !ok {
		by.send(errorMessage(protoErr(CodeNotFound, "this room has no list of delegations")))
		return
	}
	name := ""
	for _, d := range l.Delegations {
		if d.Key == key {
			name = d.Name
		}
	}
	if name == "" {
		by.send(errorMessage(protoErr(CodeNotFound, "no such delegation")))
		return
	}
	of := map[string]bool{}
	for _, e := range l.Expected {
		if e.Delegation == key {
			of[e.Identity] = true
		}
	}
	r.mu.Lock()
	r.rememberRanksLocked(l)
	var waiting []*Participant
	for _, m := range r.members {
		if !m.joined && of[m.claims.Identity] {
			waiting = append(waiting, m)
		}
	}
	r.mu.Unlock()
	slices.SortFunc(waiting, func(a, b *Participant) int { return compareIDs(a.id, b.id) })
	for _, t := range waiting {
		if err := r.admit(t); err != nil {
			t.send(errorMessage(err))
			t.close("error")
			continue
		}
		r.audit(ctx, by, "admit", t, "delegation: "+name)
	}
	r.pushWaiting()
}

// checkDelegationKey bounds a delegation key in a client message.
func checkDelegationKey(k string) bool {
	return k != "" && len(k) <= 64 && utf8.ValidString(k)
}
