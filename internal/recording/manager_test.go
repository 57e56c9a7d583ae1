package recording_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

func nextEvent(t *testing.T, c *sfuclient.Client, typ string, match func(sfu.ServerMessage) bool) sfu.ServerMessage {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case m, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection closed waiting for %s", typ)
			}
			if m.Type == typ && (match == nil || match(m)) {
				return m
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", typ)
		}
	}
}

func recordingIs(on bool, reason string) func(sfu.ServerMessage) bool {
	return func(m sfu.ServerMessage) bool { return m.Recording != nil && *m.Recording == on && m.Reason == reason }
}

// TestModeratorStartsAndStopsRecordingFromTheRoom: the chair starts and
// stops recording with the room protocol, everyone in the room is told,
// both actions are audited, a delegate may do neither, and the recording
// is listed with its track; its files open only by the names its
// manifest lists.
func TestModeratorStartsAndStopsRecordingFromTheRoom(t *testing.T) {
	e := newEnv(t)
	m := &recording.Manager{Root: t.TempDir(), Rooms: e.srv, FreeSpace: func(string) (uint64, error) { return 1 << 40, nil }}
	e.srv.SetRecordControl(m)
	chair := e.join(t, "chair", sfu.RoleChair)
	officer := e.join(t, "officer", sfu.RoleProtocol)

	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeRecord, Recording: true}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, officer, sfu.TypeRecording, recordingIs(true, ""))
	nextEvent(t, chair, sfu.TypeRecording, recordingIs(true, ""))
	if m.Active("plenary") == nil {
		t.Fatal("not recording after the chair's start")
	}
	// Whoever joins now is told at once that the room is recorded.
	late := e.join(t, "late", sfu.RoleChair)
	if late.Welcome.Recording == nil || !*late.Welcome.Recording {
		t.Error("the welcome of a joiner does not say the room is recorded")
	}
	// A second start is refused, and changes nothing.
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeRecord, Recording: true}); err != nil {
		t.Fatal(err)
	}
	if msg := nextEvent(t, chair, sfu.TypeError, nil); msg.Code != "recording_error_already" {
		t.Errorf("a second start: %+v, want the code recording_error_already", msg)
	}

	pub, err := chair.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Stop()
	rec := m.Active("plenary")
	await(t, "audio recorded", func() bool { a := trackOf(rec.Manifest(), "audio"); return a != nil && a.Packets >= 20 })

	if err := officer.Send(sfu.ClientMessage{Type: sfu.TypeRecord, Recording: false}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, chair, sfu.TypeRecording, recordingIs(false, ""))
	if m.Active("plenary") != nil {
		t.Fatal("still recording after the officer's stop")
	}

	// The audit entry is written once the files are closed.
	await(t, "both actions audited", func() bool {
		audits, err := e.db.ListRoomAudit(t.Context(), "plenary")
		if err != nil {
			t.Fatal(err)
		}
		var started, stopped bool
		for _, a := range audits {
			started = started || (a.Action == "recording_start" && a.ActorIdentity == "chair")
			stopped = stopped || (a.Action == "recording_stop" && a.ActorIdentity == "officer")
		}
		return started && stopped
	})

	list, total, err := m.List(t.Context(), "plenary")
	if err != nil || len(list) != 1 || total <= 0 || list[0].Bytes != total {
		t.Fatalf("list: %+v %d %v", list, total, err)
	}
	r := list[0]
	if r.Manifest.Stopped == nil || len(r.Manifest.Tracks) != 1 {
		t.Fatalf("manifest: %+v", r.Manifest)
	}
	f, ctype, err := m.Open("plenary", r.ID, r.Manifest.Tracks[0].File)
	if err != nil || ctype != "audio/ogg" {
		t.Fatalf("open: %q %v", ctype, err)
	}
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err != nil || string(head) != "OggS" {
		t.Errorf("the file starts %q, %v", head, err)
	}
	_ = f.Close()
	for _, c := range []struct{ room, id, file string }{
		{"plenary", r.ID, "../../../../etc/passwd"},
		{"plenary", r.ID, "/etc/passwd"},
		{"plenary", "..", recording.ManifestName},
		{"plenary", r.ID + "/..", recording.ManifestName},
		{"../plenary", r.ID, recording.ManifestName},
		{"other", r.ID, recording.ManifestName},
		{"plenary", r.ID, "." + recording.ManifestName + ".tmp"},
		{"plenary", r.ID, "x/../" + r.Manifest.Tracks[0].File},
		{"plenary", r.ID, "./" + r.Manifest.Tracks[0].File},
	} {
		if f, _, err := m.Open(c.room, c.id, c.file); !errors.Is(err, fault.ErrNotFound) {
			if f != nil {
				_ = f.Close()
			}
			t.Errorf("Open(%q, %q, %q): %v, want not found", c.room, c.id, c.file, err)
		}
	}
}

// TestDelegateCannotRecord: the room refuses a delegate's start, and
// nothing is recorded.
func TestDelegateCannotRecord(t *testing.T) {
	e := newEnv(t)
	m := &recording.Manager{Root: t.TempDir(), Rooms: e.srv, FreeSpace: func(string) (uint64, error) { return 1 << 40, nil }}
	e.srv.SetRecordControl(m)
	officer := e.join(t, "officer", sfu.RoleProtocol)
	tok, err := e.signer.Issue(sfu.Claims{Room: "plenary", Identity: "delegate", Name: "D", Role: sfu.RoleDelegate,
		Permissions: sfu.DefaultPermissions(sfu.RoleDelegate)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	d, first, err := sfuclient.Dial(t.Context(), e.url, tok, sfuclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if first.Type == sfu.TypeLobby {
		w := nextEvent(t, officer, sfu.TypeWaiting, func(m sfu.ServerMessage) bool { return len(m.Waiting) > 0 })
		if err := officer.Send(sfu.ClientMessage{Type: sfu.TypeAdmit, Participant: w.Waiting[0].ID}); err != nil {
			t.Fatal(err)
		}
		nextEvent(t, d, sfu.TypeWelcome, nil)
	}
	if err := d.Send(sfu.ClientMessage{Type: sfu.TypeRecord, Recording: true}); err != nil {
		t.Fatal(err)
	}
	if msg := nextEvent(t, d, sfu.TypeError, nil); msg.Code != sfu.CodeForbidden {
		t.Fatalf("a delegate's start: %+v", msg)
	}
	if m.Active("plenary") != nil || e.srv.Recording("plenary") {
		t.Fatal("a delegate started a recording")
	}
	if list, _, _ := m.List(t.Context(), "plenary"); len(list) != 0 {
		t.Fatalf("recordings: %+v", list)
	}
}

// TestLowDiskStopsTheRecordingAndWarnsTheRoom: when the free space falls
// below the minimum, the recording stops, the room is told why, and the
// manifest says so; a start on a full disk is refused.
func TestLowDiskStopsTheRecordingAndWarnsTheRoom(t *testing.T) {
	e := newEnv(t)
	var free atomic.Uint64
	free.Store(1 << 40)
	m := &recording.Manager{Root: t.TempDir(), Rooms: e.srv, MinFree: 1 << 30, SyncEvery: time.Nanosecond,
		FreeSpace: func(string) (uint64, error) { return free.Load(), nil }, Catalog: conference.RecordingCatalog(e.db)}
	e.srv.SetRecordControl(m)
	chair := e.join(t, "chair", sfu.RoleChair)
	if err := m.StartRecording(t.Context(), "plenary", "staff:admin"); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, chair, sfu.TypeRecording, recordingIs(true, ""))
	pub, err := chair.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Stop()
	rec := m.Active("plenary")
	await(t, "audio recorded", func() bool { a := trackOf(rec.Manifest(), "audio"); return a != nil && a.Packets >= 10 })
	free.Store(1 << 20)
	nextEvent(t, chair, sfu.TypeRecording, recordingIs(false, "low_disk"))
	if m.Active("plenary") != nil || !rec.Low() {
		t.Fatal("still recording on a full disk")
	}
	list, _, err := m.List(t.Context(), "plenary")
	if err != nil || len(list) != 1 || list[0].Manifest.Reason != "low_disk" || list[0].Manifest.Stopped == nil || list[0].Reason != "low_disk" ||
		list[0].StartedBy != "staff:admin" || list[0].Missing {
		t.Fatalf("list: %+v %v", list, err)
	}
	// A recording the database lists whose files are gone is listed as such.
	if err := os.RemoveAll(filepath.Join(m.Root, "plenary", list[0].ID)); err != nil {
		t.Fatal(err)
	}
	if l, _, err := m.List(t.Context(), "plenary"); err != nil || len(l) != 1 || !l[0].Missing || l[0].Reason != "low_disk" || l[0].Manifest.Stopped == nil {
		t.Fatalf("list with the files gone: %+v %v", l, err)
	}
	if err := m.StartRecording(t.Context(), "plenary", "staff:admin"); !errors.Is(err, fault.ErrRefused) {
		t.Fatalf("start on a full disk: %v", err)
	}
	// From the room, the chair is told why, in words the client shows.
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeRecord, Recording: true}); err != nil {
		t.Fatal(err)
	}
	if msg := nextEvent(t, chair, sfu.TypeError, nil); msg.Code != "recording_error_low_disk" {
		t.Errorf("a start on a full disk from the room: %+v", msg)
	}
	if list, _, _ := m.List(t.Context(), "plenary"); len(list) != 1 {
		t.Fatalf("a refused start left a recording: %+v", list)
	}
}
