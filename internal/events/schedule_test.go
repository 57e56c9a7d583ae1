package events

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
)

func TestZones(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"Europe/Zurich", "", true},
		{"Asia/Ho_Chi_Minh", "", true},
		{"UTC", "", true},
		{"Europe/Geneva", "Europe/Zurich", false},
		{"Asia/Hanoi", "Asia/Ho_Chi_Minh", false},
		{"europe/paris", "Europe/Paris", false},
		{"Europe/Pariss", "Europe/Paris", false},
		{"Asia/Ho_Chi_Min", "Asia/Ho_Chi_Minh", false},
		{"America/Nw_York", "America/New_York", false},
		{"Mars/Olympus_Mons", "", false},
		{"Local", "", false},
		{"", "", false},
		{"../../etc/passwd", "", false},
	} {
		loc, suggestion, ok := LoadZone(tc.in)
		if ok != tc.ok || suggestion != tc.want || (ok && loc.String() != tc.in) {
			t.Errorf("LoadZone(%q) = %v, %q, %v; want suggestion %q, ok %v", tc.in, loc, suggestion, ok, tc.want, tc.ok)
		}
	}
	// Every zone of the list loads: it is Go's own tzdata.
	for _, z := range zones() {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("%s: %v", z, err)
		}
	}
}

func TestParseWallFindsDaylightSavingGaps(t *testing.T) {
	zurich, _ := time.LoadLocation("Europe/Zurich")
	for _, tc := range []struct {
		wall string
		gap  bool
		utc  string
	}{
		{"2026-03-29T01:30", false, "2026-03-29T00:30:00Z"},
		{"2026-03-29T02:30", true, ""}, // clocks go from 02:00 to 03:00
		{"2026-03-29T03:00", false, "2026-03-29T01:00:00Z"},
		{"2026-10-25T02:30", false, ""}, // twice, not missing
	} {
		got, gap, err := ParseWall(tc.wall, zurich)
		if err != nil || gap != tc.gap || (tc.utc != "" && got.Format(time.RFC3339) != tc.utc) {
			t.Errorf("ParseWall(%s) = %v, %v, %v; want gap %v, %s", tc.wall, got, gap, err, tc.gap, tc.utc)
		}
	}
	for _, bad := range []string{"", "2026-02-30T10:00", "tomorrow", "2026-03-29 10:00", "2026-03-29T25:00"} {
		if _, _, err := ParseWall(bad, zurich); err == nil {
			t.Errorf("ParseWall(%q) accepted", bad)
		}
	}
}

func session(id int64, start, end string, room, chair int64) store.EventSession {
	s, _ := time.Parse(time.RFC3339, start)
	e, _ := time.Parse(time.RFC3339, end)
	return store.EventSession{ID: id, Titles: map[string]string{"en": "S"}, StartsAt: s, EndsAt: e, RoomID: room, ChairID: chair,
		Status: store.SessionScheduled, StartLocal: s.Format(WallLayout), EndLocal: e.Format(WallLayout)}
}

func TestWarnings(t *testing.T) {
	a := session(1, "2026-05-04T09:00:00Z", "2026-05-04T11:00:00Z", 10, 7)
	b := session(2, "2026-05-04T10:30:00Z", "2026-05-04T12:00:00Z", 10, 8) // same room, overlaps a
	c := session(3, "2026-05-04T10:00:00Z", "2026-05-04T10:45:00Z", 11, 7) // chair 7 overlaps a
	d := session(4, "2026-05-04T11:00:00Z", "2026-05-04T12:00:00Z", 11, 7) // starts when a ends: no overlap
	e := session(5, "2026-05-04T09:30:00Z", "2026-05-04T10:00:00Z", 10, 7)
	e.Status = store.SessionCancelled // cancelled: never warned about
	ws := Warnings([]store.EventSession{d, c, b, a, e}, time.UTC)
	var got []string
	for _, w := range ws {
		got = append(got, w.Kind+":"+itoa(w.Sessions))
	}
	want := []string{"chair_overlap:1,3", "room_overlap:1,2"}
	if !slices.Equal(got, want) {
		t.Fatalf("warnings %v, want %v", got, want)
	}
	zurich, _ := time.LoadLocation("Europe/Zurich")
	gap := session(6, "2026-03-29T00:30:00Z", "2026-03-29T02:00:00Z", 12, 0)
	gap.StartLocal, gap.EndLocal = "2026-03-29T02:30", "2026-03-29T04:00"
	ws = Warnings([]store.EventSession{gap}, zurich)
	if len(ws) != 1 || ws[0].Kind != WarnDSTGap || ws[0].Wall != "2026-03-29T02:30" {
		t.Fatalf("gap warnings %+v", ws)
	}
}

func itoa(ids []int64) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ","
		}
		s += strconv.FormatInt(id, 10)
	}
	return s
}

func TestChangelog(t *testing.T) {
	a := session(1, "2026-05-04T09:00:00Z", "2026-05-04T10:00:00Z", 1, 0)
	b := session(2, "2026-05-04T10:00:00Z", "2026-05-04T11:00:00Z", 1, 0)
	c := session(3, "2026-05-04T11:00:00Z", "2026-05-04T12:00:00Z", 1, 0)
	d := session(4, "2026-05-04T13:00:00Z", "2026-05-04T14:00:00Z", 1, 0)
	prev := []store.EventSession{a, b, c, d}
	a2 := session(1, "2026-05-04T15:00:00Z", "2026-05-04T16:00:00Z", 1, 0) // moved
	b2 := b
	b2.Titles = map[string]string{"en": "Renamed"} // renamed
	c2 := c
	c2.Status = store.SessionCancelled                                    // cancelled
	e := session(5, "2026-05-04T08:00:00Z", "2026-05-04T09:00:00Z", 1, 0) // added; d removed
	got := Changelog(prev, []store.EventSession{e, b2, c2, a2})
	var kinds []string
	for _, ch := range got {
		kinds = append(kinds, ch.Kind)
	}
	want := []string{ChangeAdded, ChangeRenamed, ChangeCancelled, ChangeRemoved, ChangeMoved}
	if !slices.Equal(kinds, want) {
		t.Fatalf("changes %v, want %v (%+v)", kinds, want, got)
	}
	if len(Changelog(prev, prev)) != 0 {
		t.Fatal("a release without changes lists changes")
	}
	restored := Changelog([]store.EventSession{c2}, []store.EventSession{c})
	if len(restored) != 1 || restored[0].Kind != ChangeRestored {
		t.Fatalf("restored %+v", restored)
	}
}
