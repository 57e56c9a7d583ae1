package events

import (
	"slices"
	"testing"
	"time"
)

// FuzzZoneAndWallTime feeds the zone and time fields of the event and
// session forms: no panic, a suggestion is always a zone that loads, and
// a wall time that parses reads back the same unless it is in a gap.
func FuzzZoneAndWallTime(f *testing.F) {
	for _, s := range []string{"Europe/Geneva", "Asia/Ho_Chi_Min", "UTC", "", "../../etc/passwd", "Ëurope/Pàris", "a/b/c/d", "\x00"} {
		f.Add(s, "2026-03-29T02:30")
	}
	f.Add("Europe/Zurich", "9999-12-31T23:59")
	f.Add("Asia/Tokyo", "2026-02-30T10:00")
	f.Fuzz(func(t *testing.T, zone, wall string) {
		loc, suggestion, ok := LoadZone(zone)
		if ok && (loc == nil || suggestion != "") {
			t.Fatalf("LoadZone(%q) = %v, %q, true", zone, loc, suggestion)
		}
		if !ok {
			if suggestion != "" && !slices.Contains(zones(), suggestion) {
				t.Fatalf("LoadZone(%q) suggests %q, which is no zone", zone, suggestion)
			}
			loc = time.UTC
		}
		got, gap, err := ParseWall(wall, loc)
		if err == nil && !gap && got.In(loc).Format(WallLayout) != wall {
			t.Fatalf("ParseWall(%q) = %v, no gap, but reads back %q", wall, got, got.In(loc).Format(WallLayout))
		}
	})
}
