package media

import "testing"

func TestRankSpeakers(t *testing.T) {
	var a, b, c audioLevel
	for range 8 {
		for range 25 {
			a.observe(20)  // loud
			b.observe(40)  // quieter
			c.observe(120) // background
		}
		a.tick()
		b.tick()
		c.tick()
	}
	got := RankSpeakers([]Loudness{{"c", c.smoothed}, {"b", b.smoothed}, {"a", a.smoothed}})
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("speakers = %v (a %.0f b %.0f c %.0f)", got, a.smoothed, b.smoothed, c.smoothed)
	}
	// Silence (DTX sends almost nothing) brings a speaker down within a
	// few intervals.
	for range 8 {
		a.tick()
	}
	if a.smoothed >= activeLoudness {
		t.Errorf("silent speaker still at %.0f", a.smoothed)
	}
}
