package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// A room's recordings: started, stopped once (a second stop keeps the
// first), listed latest first per room, their files kept.
func TestRecordingsStartStopList(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		at := time.Date(2026, 12, 7, 4, 0, 0, 123456789, time.UTC)
		a, err := db.RecordingStarted(ctx, store.Recording{RoomSlug: "plenary", Recording: "20261207T040000Z", StartedAt: at, StartedBy: "chair"})
		if err != nil || a.ID == 0 {
			t.Fatalf("start: %+v %v", a, err)
		}
		if _, err := db.RecordingStarted(ctx, store.Recording{RoomSlug: "plenary", Recording: "20261207T040000Z", StartedAt: at, StartedBy: "x"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("the same recording twice: %v", err)
		}
		if _, err := db.RecordingStarted(ctx, store.Recording{RoomSlug: "plenary", Recording: "20261207T050000Z", StartedAt: at.Add(time.Hour), StartedBy: "staff:admin"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordingStarted(ctx, store.Recording{RoomSlug: "side", Recording: "20261207T040000Z", StartedAt: at, StartedBy: "chair"}); err != nil {
			t.Fatal(err)
		}
		files := []store.RecordingFile{{Name: "001-audio-microphone.ogg", ContentType: "audio/ogg", Kind: "audio", Bytes: 1234},
			{Name: "002-audio-interpretation-fr.ogg", ContentType: "audio/ogg", Kind: "audio", Language: "fr", Bytes: 999}}
		stop := store.Recording{RoomSlug: "plenary", Recording: "20261207T040000Z", StoppedAt: at.Add(time.Minute), StoppedBy: "chair", Reason: "chair", Files: files, Bytes: 2233}
		if err := db.RecordingStopped(ctx, stop); err != nil {
			t.Fatal(err)
		}
		again := stop
		again.Reason, again.StoppedAt = "shutdown", at.Add(2*time.Minute)
		if err := db.RecordingStopped(ctx, again); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second stop: %v", err)
		}
		if err := db.RecordingStopped(ctx, store.Recording{RoomSlug: "plenary", Recording: "nope", StoppedAt: at}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the stop of a recording never started: %v", err)
		}
		list, err := db.ListRecordings(ctx, "plenary")
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %+v %v", list, err)
		}
		if list[0].Recording != "20261207T050000Z" || !list[0].StoppedAt.IsZero() || len(list[0].Files) != 0 || list[0].StartedBy != "staff:admin" {
			t.Errorf("the running one: %+v", list[0])
		}
		got := list[1]
		if !got.StartedAt.Equal(at.Truncate(time.Microsecond)) || !got.StoppedAt.Equal(at.Add(time.Minute).Truncate(time.Microsecond)) ||
			got.StoppedBy != "chair" || got.Reason != "chair" || got.Bytes != 2233 || len(got.Files) != 2 || got.Files[1] != files[1] {
			t.Errorf("the stopped one: %+v", got)
		}
		if l, err := db.ListRecordings(ctx, "nowhere"); err != nil || len(l) != 0 {
			t.Errorf("another room: %+v %v", l, err)
		}
	})
}
