package delegations

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// Reception is the digital reception of the room named slug, as the SFU
// asks for it (sfu.Reception): the accredited people whose personal join
// link opens the room now, with their delegation, and the event's
// delegations in order of precedence. A room that is no event's session
// has an empty list. Delegations are named in the precedence language.
func (s *Service) Reception(ctx context.Context, slug string) (sfu.ReceptionList, error) {
	room, err := s.DB.GetRoomBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return sfu.ReceptionList{}, nil
	}
	if err != nil {
		return sfu.ReceptionList{}, err
	}
	toks, err := s.DB.ListRoomTokens(ctx, room.ID)
	if err != nil {
		return sfu.ReceptionList{}, err
	}
	now := s.Now()
	var out sfu.ReceptionList
	var eventID int64
	seen := map[int64]bool{}
	delegationOf := map[int64]int64{}
	for _, t := range toks {
		id, ok := strings.CutPrefix(t.Identity, "reg-")
		regID, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil || t.Revoked() || now.Before(t.NotBefore) || !now.Before(t.ExpiresAt) || seen[regID] {
			continue
		}
		r, err := s.DB.GetRegistration(ctx, regID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return sfu.ReceptionList{}, err
		}
		if r.State != store.RegAccredited {
			continue
		}
		d, ok := delegationOf[r.DelegationID]
		if !ok {
			dl, err := s.DB.GetDelegation(ctx, r.DelegationID)
			if err != nil {
				return sfu.ReceptionList{}, err
			}
			d, delegationOf[r.DelegationID] = dl.EventID, dl.EventID
		}
		if eventID == 0 {
			eventID = d
		}
		if d != eventID { // one room, one event
			continue
		}
		seen[regID] = true
		out.Expected = append(out.Expected, sfu.Expected{Identity: t.Identity, Name: t.Name, Delegation: delegationKey(r.DelegationID),
			Role: sfu.Role(t.Role)})
	}
	if eventID == 0 {
		return sfu.ReceptionList{}, nil
	}
	order, err := s.Order(ctx, eventID)
	if err != nil {
		return sfu.ReceptionList{}, err
	}
	for _, d := range order {
		out.Delegations = append(out.Delegations, sfu.ReceptionDelegation{Key: delegationKey(d.ID), Name: d.Display})
	}
	return out, nil
}

// delegationKey names a delegation in the room's reception.
func delegationKey(id int64) string { return "d" + strconv.FormatInt(id, 10) }
