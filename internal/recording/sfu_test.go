package recording_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

type env struct {
	db     *store.DB
	srv    *sfu.Server
	url    string
	signer *sfu.Signer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t, "sqlite")
	signer, err := sfu.NewSigner(testKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sfu.New(sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Store: conference.Store{DB: db},
		Signer: signer, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		_ = srv.Close()
		hs.Close()
	})
	return &env{db: db, srv: srv, url: "ws" + strings.TrimPrefix(hs.URL, "http"), signer: signer}
}

func (e *env) join(t *testing.T, identity string, role sfu.Role) *sfuclient.Client {
	t.Helper()
	tok, err := e.signer.Issue(sfu.Claims{Room: "plenary", Identity: identity, Name: "Name of " + identity, Delegation: "Delegation of " + identity,
		Role: role, Permissions: sfu.DefaultPermissions(role)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, m, err := sfuclient.Dial(ctx, e.url, tok, sfuclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if m.Type != sfu.TypeWelcome {
		t.Fatalf("join %s: got %s", identity, m.Type)
	}
	return c
}

// probe is what ffprobe tells of a file's one stream.
type probe struct {
	Codec    string
	Packets  int
	Duration float64 // seconds
}

func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_packets", "-show_streams", "-show_format", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct {
		Streams []struct {
			CodecName     string `json:"codec_name"`
			NbReadPackets string `json:"nb_read_packets"`
			Duration      string `json:"duration"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Streams) != 1 {
		t.Fatalf("ffprobe %s: %s (%v)", path, out, err)
	}
	s := r.Streams[0]
	n, _ := strconv.Atoi(s.NbReadPackets)
	d := s.Duration
	if d == "" || d == "N/A" {
		d = r.Format.Duration
	}
	dur, _ := strconv.ParseFloat(d, 64)
	return probe{Codec: s.CodecName, Packets: n, Duration: dur}
}

// decodes runs ffmpeg's decoder over the whole file and fails on any error.
func decodes(t *testing.T, path string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("ffmpeg decoding %s: %v\n%s", path, err, out)
	}
}

// await polls cond (a condition on the outside world, not a timing
// assertion) until it holds or 20 s pass.
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func trackOf(m recording.Manifest, kind string) *recording.TrackEntry {
	for i := range m.Tracks {
		if m.Tracks[i].Kind == kind {
			return &m.Tracks[i]
		}
	}
	return nil
}

// TestRecordsOpusAndVP8FromRealPublishers has a real pion publisher send
// Opus and VP8 through the SFU while the room records, and checks the Ogg
// and WebM files with ffprobe and ffmpeg: the codec, every packet (and
// every frame) written, and a duration that matches them.
func TestRecordsOpusAndVP8FromRealPublishers(t *testing.T) {
	e := newEnv(t)
	chair := e.join(t, "chair", sfu.RoleChair)
	dir := filepath.Join(t.TempDir(), "rec")
	rec, err := recording.Start(recording.Options{Dir: dir, Room: "plenary", FreeSpace: func(string) (uint64, error) { return 1 << 40, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.StartRecording("plenary", rec); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.StartRecording("plenary", rec); err == nil {
		t.Fatal("a second recording of the same room was accepted")
	}
	pub, err := chair.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 20, Video: true, Bitrates: [3]int{0, 0, 200_000}, FPS: 30, GOP: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	await(t, "150 audio and video packets recorded", func() bool {
		m := rec.Manifest()
		a, v := trackOf(m, "audio"), trackOf(m, "video")
		return a != nil && v != nil && a.Packets >= 150 && v.Packets >= 150
	})
	pub.Stop()
	if got := e.srv.StopRecording("plenary", ""); got != rec {
		t.Fatalf("StopRecording returned %v", got)
	}
	if err := rec.Close(""); err != nil {
		t.Fatal(err)
	}

	var m recording.Manifest
	b, err := os.ReadFile(filepath.Join(dir, recording.ManifestName))
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("manifest: %v %s", err, b)
	}
	if m.Stopped == nil || len(m.Tracks) != 2 || len(m.Participants) != 1 || m.Participants[0].Identity != "chair" || m.Participants[0].Name != "Name of chair" {
		t.Fatalf("manifest: %+v", m)
	}
	if len(m.Speakers) == 0 || len(m.Speakers[0].Speakers) != 1 || m.Speakers[0].Speakers[0] != chair.Welcome.Self.ID {
		t.Errorf("speaker turns: %+v, want the chair speaking", m.Speakers)
	}
	a, v := trackOf(m, "audio"), trackOf(m, "video")
	if a.EndMS == nil || v.EndMS == nil || a.ContentType != "audio/ogg" || v.ContentType != "video/webm" {
		t.Fatalf("tracks: %+v %+v", a, v)
	}

	pa := ffprobe(t, filepath.Join(dir, a.File))
	if pa.Codec != "opus" || uint64(pa.Packets) != a.Packets {
		t.Errorf("ogg: %+v, manifest says %d packets", pa, a.Packets)
	}
	// The synthetic publisher's Opus packets are 10 ms SILK frames (TOC
	// byte 0), so the file lasts 10 ms a packet.
	if want := float64(a.Packets) * 0.010; pa.Duration < want-0.03 || pa.Duration > want+0.03 {
		t.Errorf("ogg lasts %.3f s, want %.3f s for %d packets", pa.Duration, want, a.Packets)
	}
	decodes(t, filepath.Join(dir, a.File))

	pv := ffprobe(t, filepath.Join(dir, v.File))
	if pv.Codec != "vp8" || pv.Packets < 30 || uint64(pv.Packets) != v.Frames {
		t.Errorf("webm: %+v, manifest says %d frames", pv, v.Frames)
	}
	// 30 frames a second, each stamped with its RTP time: the file lasts
	// its frames, and about as long as the audio (20 ms a packet in real
	// time, the two publishers ticking apart on a loaded machine), less
	// the wait for the first keyframe.
	if want := float64(pv.Packets) / 30; pv.Duration < want-0.1 || pv.Duration > want+0.1 {
		t.Errorf("webm lasts %.3f s for %d frames at 30 fps", pv.Duration, pv.Packets)
	}
	if real := float64(a.Packets) * 0.020; pv.Duration > real+0.3 || pv.Duration < real-1.5 {
		t.Errorf("webm lasts %.3f s, the audio %.3f s", pv.Duration, real)
	}
	t.Logf("ogg %+v (manifest %d packets), webm %+v (manifest %d RTP packets), publisher sent %d", pa, a.Packets, pv, v.Packets, pub.Sent.Load())
}

// A recording that starts while a video is already flowing asks its
// publisher for a keyframe: browsers send one only when asked, and a
// video file starts at one. The publisher here is alone in the room (no
// subscriber asks for anything) and its next keyframe of its own would be
// a minute away: the request must come from the recording. (The synthetic
// publisher counts requests rather than answering them; Chromium answers,
// TestBrowserRoomRecording decodes what it sends.)
func TestRecordingAsksForAKeyframe(t *testing.T) {
	e := newEnv(t)
	chair := e.join(t, "chair", sfu.RoleChair)
	pub, err := chair.PublishSynthetic(t.Context(), sfuclient.Synthetic{Video: true, Bitrates: [3]int{0, 0, 200_000}, FPS: 30, GOP: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Stop()
	await(t, "the video at the server", func() bool { return e.srv.Stats().Tracks == 1 })
	time.Sleep(time.Second) // past the first keyframe, and the requests' rate limit
	before := pub.PLIs.Load()
	dir := filepath.Join(t.TempDir(), "rec")
	rec, err := recording.Start(recording.Options{Dir: dir, Room: "plenary", FreeSpace: func(string) (uint64, error) { return 1 << 40, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.StartRecording("plenary", rec); err != nil {
		t.Fatal(err)
	}
	await(t, "a keyframe request at the publisher", func() bool { return pub.PLIs.Load() > before })
	e.srv.StopRecording("plenary", "")
	if err := rec.Close(""); err != nil {
		t.Fatal(err)
	}
}
