package conference

import (
	"context"
	"time"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// FloorAgenda implements sfu.FloorStore.
func (s Store) FloorAgenda(ctx context.Context, room string) (string, error) {
	return s.DB.FloorAgenda(ctx, room)
}

// SaveFloorAgenda implements sfu.FloorStore.
func (s Store) SaveFloorAgenda(ctx context.Context, room, item string) error {
	return s.DB.SetFloorAgenda(ctx, room, item)
}

// FloorItem implements sfu.FloorStore.
func (s Store) FloorItem(ctx context.Context, room, item string, closed int) (sfu.FloorItem, error) {
	rs, err := s.DB.FloorRequests(ctx, room, item, closed)
	if err != nil {
		return sfu.FloorItem{}, err
	}
	ts, err := s.DB.FloorTimes(ctx, room, item)
	if err != nil {
		return sfu.FloorItem{}, err
	}
	fi := sfu.FloorItem{Requests: make([]sfu.FloorRequest, 0, len(rs)), Times: make(map[sfu.Role]time.Duration, len(ts))}
	for _, r := range rs {
		fi.Requests = append(fi.Requests, floorFromStore(r))
	}
	for role, d := range ts {
		fi.Times[sfu.Role(role)] = d
	}
	return fi, nil
}

// SaveFloorTime implements sfu.FloorStore.
func (s Store) SaveFloorTime(ctx context.Context, room, item string, role sfu.Role, d time.Duration) error {
	return s.DB.SetFloorTime(ctx, room, item, string(role), d)
}

// AddFloorRequest implements sfu.FloorStore.
func (s Store) AddFloorRequest(ctx context.Context, room string, q sfu.FloorRequest) (sfu.FloorRequest, error) {
	r, err := s.DB.AddFloorRequest(ctx, floorToStore(room, q))
	if err != nil {
		return sfu.FloorRequest{}, err
	}
	return floorFromStore(r), nil
}

// UpdateFloorRequest implements sfu.FloorStore.
func (s Store) UpdateFloorRequest(ctx context.Context, room string, q sfu.FloorRequest, from sfu.FloorState) error {
	return s.DB.UpdateFloorRequest(ctx, floorToStore(room, q), string(from))
}

// SaveFloorOrder implements sfu.FloorStore.
func (s Store) SaveFloorOrder(ctx context.Context, room, item string, ids []int64) error {
	return s.DB.SetFloorOrder(ctx, room, item, ids)
}

func floorToStore(room string, q sfu.FloorRequest) store.FloorRequest {
	return store.FloorRequest{ID: q.ID, RoomSlug: room, AgendaItem: q.AgendaItem, Identity: q.Identity, Name: q.Name, Delegation: q.Delegation,
		Role: string(q.Role), Kind: string(q.Kind), State: string(q.State), Position: q.Position, Language: q.Language, Limit: q.Limit,
		Elapsed: q.Elapsed, RequestedAt: q.RequestedAt, GrantedAt: q.GrantedAt, StartedAt: q.StartedAt, RunningSince: q.RunningSince,
		EndedAt: q.EndedAt, EndedBy: q.EndedBy}
}

func floorFromStore(r store.FloorRequest) sfu.FloorRequest {
	return sfu.FloorRequest{ID: r.ID, AgendaItem: r.AgendaItem, Identity: r.Identity, Name: r.Name, Delegation: r.Delegation,
		Role: sfu.Role(r.Role), Kind: sfu.FloorKind(r.Kind), State: sfu.FloorState(r.State), Position: r.Position, Language: r.Language,
		Limit: r.Limit, Elapsed: r.Elapsed, RequestedAt: r.RequestedAt, GrantedAt: r.GrantedAt, StartedAt: r.StartedAt,
		RunningSince: r.RunningSince, EndedAt: r.EndedAt, EndedBy: r.EndedBy}
}
