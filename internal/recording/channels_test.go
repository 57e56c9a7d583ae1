package recording_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// joinVia joins identity with role (and booth), admitted by the chair if
// the room holds it in the lobby.
func (e *env) joinVia(t *testing.T, chair *sfuclient.Client, identity string, role sfu.Role, booth string) *sfuclient.Client {
	t.Helper()
	tok, err := e.signer.Issue(sfu.Claims{Room: "plenary", Identity: identity, Name: "Name of " + identity, Delegation: "Delegation of " + identity,
		Role: role, Booth: booth, Permissions: sfu.DefaultPermissions(role)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	c, first, err := sfuclient.Dial(ctx, e.url, tok, sfuclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if first.Type == sfu.TypeLobby {
		w := nextEvent(t, chair, sfu.TypeWaiting, func(m sfu.ServerMessage) bool {
			for _, x := range m.Waiting {
				if x.Identity == identity {
					return true
				}
			}
			return false
		})
		for _, x := range w.Waiting {
			if x.Identity == identity {
				if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeAdmit, Participant: x.ID}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := c.AwaitWelcome(ctx); err != nil {
			t.Fatalf("admit %s: %v", identity, err)
		}
	}
	return c
}

// TestLanguageChannelAndFloorTurnsRecorded: while the room records, an
// interpreter goes live in the French booth and a delegate speaks from
// the speakers' list in English. The French channel is a file of its own
// (language in the manifest, every packet there, decoded by ffmpeg), the
// interpreter's own track is not recorded twice, and the manifest says
// who held the floor when, in which language, and lists both languages.
func TestLanguageChannelAndFloorTurnsRecorded(t *testing.T) {
	e := newEnv(t)
	m := &recording.Manager{Root: t.TempDir(), Rooms: e.srv, FreeSpace: func(string) (uint64, error) { return 1 << 40, nil }}
	e.srv.SetRecordControl(m)
	chair := e.join(t, "chair", sfu.RoleChair)
	if err := m.StartRecording(t.Context(), "plenary", "staff:admin"); err != nil {
		t.Fatal(err)
	}
	rec := m.Active("plenary")

	anne := e.joinVia(t, chair, "anne", sfu.RoleInterpreter, "fr")
	ap, err := anne.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30, AudioSource: sfu.SourceInterpretation, AudioLanguage: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	defer ap.Stop()
	if err := anne.Send(sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true}); err != nil {
		t.Fatal(err)
	}
	channel := func(mf recording.Manifest) *recording.TrackEntry {
		for i := range mf.Tracks {
			if mf.Tracks[i].Source == string(sfu.SourceInterpretation) {
				return &mf.Tracks[i]
			}
		}
		return nil
	}
	await(t, "the French channel recorded", func() bool { c := channel(rec.Manifest()); return c != nil && c.Packets >= 40 })

	alice := e.joinVia(t, chair, "alice", sfu.RoleDelegate, "")
	if err := alice.Send(sfu.ClientMessage{Type: sfu.TypeFloorRequest, Language: "en"}); err != nil {
		t.Fatal(err)
	}
	f := nextEvent(t, chair, sfu.TypeFloorState, func(m sfu.ServerMessage) bool { return m.Floor != nil && len(m.Floor.Requests) > 0 })
	req := f.Floor.Requests[0].ID
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeFloorGrant, Request: req}); err != nil {
		t.Fatal(err)
	}
	await(t, "alice's turn recorded", func() bool { return len(rec.Manifest().Floor) == 1 })
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeFloorEnd, Request: req}); err != nil {
		t.Fatal(err)
	}
	await(t, "the end of the turn recorded", func() bool { return len(rec.Manifest().Floor) == 2 })
	before := channel(rec.Manifest()).Packets
	await(t, "more of the channel", func() bool { return channel(rec.Manifest()).Packets >= before+20 })
	if err := m.StopRecording(t.Context(), "plenary", "chair"); err != nil {
		t.Fatal(err)
	}

	list, _, err := m.List(t.Context(), "plenary")
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}
	mf := list[0].Manifest
	c := channel(mf)
	if len(mf.Tracks) != 1 || c.Language != "fr" || c.Kind != "audio" || c.Participant != "" || c.ContentType != "audio/ogg" ||
		!strings.HasSuffix(c.File, "-audio-interpretation-fr.ogg") || c.EndMS == nil || c.Packets != c.Frames {
		t.Fatalf("tracks: %+v (want the French channel only)", mf.Tracks)
	}
	for _, p := range mf.Participants {
		if p.ID == "" {
			t.Errorf("the channel is listed as a participant: %+v", mf.Participants)
		}
	}
	if !contains(mf.Languages, "fr") || !contains(mf.Languages, "en") {
		t.Errorf("languages: %v", mf.Languages)
	}
	t1, t2 := mf.Floor[0], mf.Floor[1]
	if t1.Identity != "alice" || t1.Name != "Name of alice" || t1.Delegation != "Delegation of alice" || t1.Language != "en" ||
		t1.Request != req || t1.Participant != alice.Welcome.Self.ID || t1.Kind == "" {
		t.Errorf("the turn: %+v", t1)
	}
	if t2.Identity != "" || t2.AtMS < t1.AtMS || t1.AtMS < c.StartMS {
		t.Errorf("the end of the turn: %+v after %+v", t2, t1)
	}
	path := filepath.Join(m.Root, "plenary", list[0].ID, c.File)
	if p := ffprobe(t, path); p.Codec != "opus" || uint64(p.Packets) != c.Packets {
		t.Errorf("channel file: %+v, manifest says %d packets", p, c.Packets)
	}
	decodes(t, path)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
