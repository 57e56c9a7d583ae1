package sfu_test

import (
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// TestInterpretationBoothsFromTheMeetingLanguages: a room whose meeting
// languages staff set has a booth for each (the sign language's a video
// one) before any interpreter joins: a listener sees them, chooses French
// and is not refused; the French interpreter who joins later finds the
// booth with the listener already on its channel, goes live, and the
// listener hears her on the channel chosen before she came.
func TestInterpretationBoothsFromTheMeetingLanguages(t *testing.T) {
	e := newEnv(t)
	room, err := e.db.CreateRoom(t.Context(), store.Room{Slug: "plenary", Title: "Plenary"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetRoomLanguages(t.Context(), room.ID, []string{"en", "FR", "sgn", "not a language!"}); err != nil {
		t.Fatal(err)
	}
	chair := e.join("chair", sfu.RoleChair, nil)
	e.officer = chair
	rc := newTagReceiver()
	lena := joinTagged(t, e, "lena", e.token("lena", sfu.RoleDelegate), rc.onTrack)
	st := interpState(t, lena, "the meeting's booths", func(in *sfu.InterpInfo) bool { return len(in.Booths) == 3 })
	for _, l := range []string{"en", "fr", "sgn"} {
		b := boothIn(st, l)
		if b == nil || len(b.Interpreters) != 0 || b.Live != "" || b.Sign != (l == "sgn") {
			t.Fatalf("booth %s: %+v", l, b)
		}
	}
	send(t, lena, sfu.ClientMessage{Type: sfu.TypeInterpListen, Language: "fr"})
	interpState(t, lena, "lena listens to French", func(in *sfu.InterpInfo) bool { return in.Listen == "fr" })
	ch := boothIn(st, "fr").TrackID

	speak(t, chair, sfu.SourceMicrophone, "en", 'F')
	anne := joinTagged(t, e, "anne", e.tokenBooth("anne", "fr"), nil)
	speak(t, anne, sfu.SourceInterpretation, "fr", 'A')
	interpState(t, anne, "anne in the booth", func(in *sfu.InterpInfo) bool {
		return in.Booth == "fr" && len(boothIn(in, "fr").Interpreters) == 1 && len(in.Booths) == 3
	})
	send(t, anne, sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true})
	waitFor(t, 10*time.Second, "lena hears anne", func() bool { return rc.count(ch, 'A') > 20 })
	if n := rc.count(ch, 'F'); n != 0 {
		t.Errorf("the French channel carried %d packets of the floor", n)
	}
}
