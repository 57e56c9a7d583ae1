package events

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
)

// WallLayout is how wall times in the venue's zone are typed and stored
// (the value of an <input type="datetime-local">).
const WallLayout = "2006-01-02T15:04"

// ParseWall reads a wall time in loc. gap is true when the time does not
// exist there (the clocks jumped over it): time.ParseInLocation then moves
// it forward, so it does not read back the same.
func ParseWall(s string, loc *time.Location) (t time.Time, gap bool, err error) {
	t, err = time.ParseInLocation(WallLayout, s, loc)
	if err != nil {
		return time.Time{}, false, err
	}
	return t.UTC(), t.Format(WallLayout) != s, nil
}

// Warning kinds: editors are told, never refused.
const (
	WarnRoomOverlap  = "room_overlap"  // two sessions in one room at once
	WarnChairOverlap = "chair_overlap" // a chair in two sessions at once
	WarnDSTGap       = "dst_gap"       // a wall time the venue's clocks skip
)

// Warning is something in a timetable an editor should look at.
type Warning struct {
	Kind     string
	Sessions []int64 // the sessions concerned, in timetable order
	Wall     string  // WarnDSTGap: the wall time that does not exist
}

// Warnings checks a draft timetable: sessions overlapping in one room, a
// chair in two sessions at once, and start or end times in a
// daylight-saving gap of loc. Cancelled sessions are left out.
func Warnings(sessions []store.EventSession, loc *time.Location) []Warning {
	var out []Warning
	live := slices.DeleteFunc(slices.Clone(sessions), func(s store.EventSession) bool { return s.Status == store.SessionCancelled })
	slices.SortFunc(live, func(a, b store.EventSession) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ID, b.ID))
	})
	for i, a := range live {
		for _, b := range live[i+1:] {
			if !b.StartsAt.Before(a.EndsAt) {
				break // sorted by start: no later one overlaps a
			}
			if a.RoomID != 0 && a.RoomID == b.RoomID {
				out = append(out, Warning{Kind: WarnRoomOverlap, Sessions: []int64{a.ID, b.ID}})
			}
			if a.ChairID != 0 && a.ChairID == b.ChairID {
				out = append(out, Warning{Kind: WarnChairOverlap, Sessions: []int64{a.ID, b.ID}})
			}
		}
	}
	for _, s := range live {
		for _, w := range []string{s.StartLocal, s.EndLocal} {
			if _, gap, err := ParseWall(w, loc); err == nil && gap {
				out = append(out, Warning{Kind: WarnDSTGap, Sessions: []int64{s.ID}, Wall: w})
			}
		}
	}
	return out
}

// Change kinds of the public changelog.
const (
	ChangeAdded     = "added"
	ChangeRemoved   = "removed"
	ChangeMoved     = "moved"
	ChangeRenamed   = "renamed"
	ChangeCancelled = "cancelled"
	ChangeRestored  = "restored"
)

// Changelog lists what changed from the sessions of one release (prev)
// to the next (next): sessions added, removed, moved, renamed, cancelled
// or restored, in the order of their (new, else old) start.
func Changelog(prev, next []store.EventSession) []store.TimetableChange {
	old := map[int64]store.EventSession{}
	for _, s := range prev {
		old[s.ID] = s
	}
	var out []store.TimetableChange
	seen := map[int64]bool{}
	for _, s := range next {
		seen[s.ID] = true
		o, ok := old[s.ID]
		c := store.TimetableChange{SessionID: s.ID, Titles: s.Titles}
		switch {
		case !ok:
			c.Kind, c.NewStart, c.NewEnd = ChangeAdded, s.StartsAt, s.EndsAt
			out = append(out, c)
			continue
		case o.Status != store.SessionCancelled && s.Status == store.SessionCancelled:
			c.Kind, c.OldStart, c.OldEnd = ChangeCancelled, o.StartsAt, o.EndsAt
			out = append(out, c)
			continue // a cancelled session's other changes do not matter
		case o.Status == store.SessionCancelled && s.Status != store.SessionCancelled:
			c.Kind, c.NewStart, c.NewEnd = ChangeRestored, s.StartsAt, s.EndsAt
			out = append(out, c)
		}
		if !o.StartsAt.Equal(s.StartsAt) || !o.EndsAt.Equal(s.EndsAt) {
			m := c
			m.Kind, m.OldStart, m.OldEnd, m.NewStart, m.NewEnd = ChangeMoved, o.StartsAt, o.EndsAt, s.StartsAt, s.EndsAt
			out = append(out, m)
		}
		if !maps.Equal(o.Titles, s.Titles) {
			r := c
			r.Kind, r.NewStart, r.NewEnd = ChangeRenamed, s.StartsAt, s.EndsAt
			out = append(out, r)
		}
	}
	for _, o := range prev {
		if !seen[o.ID] {
			out = append(out, store.TimetableChange{SessionID: o.ID, Kind: ChangeRemoved, Titles: o.Titles, OldStart: o.StartsAt, OldEnd: o.EndsAt})
		}
	}
	slices.SortStableFunc(out, func(a, b store.TimetableChange) int {
		return cmp.Or(cmp.Or(a.NewStart, a.OldStart).Compare(cmp.Or(b.NewStart, b.OldStart)), cmp.Compare(a.SessionID, b.SessionID))
	})
	return out
}
