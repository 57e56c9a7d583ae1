package lang

import (
	"testing"
	"time"
)

// Every language names every weekday and every month, each day apart from
// the others, so that a calendar's columns never go unlabelled.
func TestCalendarNames(t *testing.T) {
	for _, l := range All() {
		seen := map[string]bool{}
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			n := WeekdayName(l.Code, wd)
			if n == "" || seen[n] {
				t.Errorf("%s: weekday %v named %q", l.Code, wd, n)
			}
			seen[n] = true
		}
		for m := time.January; m <= time.December; m++ {
			got := MonthYear(l.Code, time.Date(2026, m, 15, 0, 0, 0, 0, time.UTC), time.UTC)
			if len(got) <= len("2026") || got[len(got)-4:] != "2026" && got[:4] != "2026" {
				t.Errorf("%s: month %v as %q", l.Code, m, got)
			}
		}
	}
	if got := MonthYear("en", time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC), time.FixedZone("UTC+7", 7*3600)); got != "January 2027" {
		t.Errorf("MonthYear in the zone given: %q", got)
	}
	if got := WeekdayName("fr", time.Monday); got != "lun." {
		t.Errorf("French Monday: %q", got)
	}
}
