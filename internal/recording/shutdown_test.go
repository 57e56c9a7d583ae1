package recording_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// TestShutdownClosesRecordings: closing the server while a room records
// tells the room, ends every file whole (the WebM gets its Cues, every
// track its end) and writes a manifest that says "shutdown"; no new
// recording starts afterwards.
func TestShutdownClosesRecordings(t *testing.T) {
	e := newEnv(t)
	m := &recording.Manager{Root: t.TempDir(), Rooms: e.srv, FreeSpace: func(string) (uint64, error) { return 1 << 40, nil },
		Catalog: conference.RecordingCatalog(e.db)}
	e.srv.SetRecordControl(m)
	chair := e.join(t, "chair", sfu.RoleChair)
	if err := m.StartRecording(t.Context(), "plenary", "staff:admin"); err != nil {
		t.Fatal(err)
	}
	pub, err := chair.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 20, Video: true, Bitrates: [3]int{0, 0, 200_000}, FPS: 30, GOP: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Stop()
	rec := m.Active("plenary")
	dir := rec.Dir()
	await(t, "audio and video recorded", func() bool {
		a, v := trackOf(rec.Manifest(), "audio"), trackOf(rec.Manifest(), "video")
		return a != nil && v != nil && a.Packets >= 50 && v.Frames >= 40
	})

	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, chair, sfu.TypeRecording, recordingIs(false, "shutdown"))
	var mf recording.Manifest
	b, err := os.ReadFile(filepath.Join(dir, recording.ManifestName))
	if err != nil || json.Unmarshal(b, &mf) != nil {
		t.Fatalf("manifest: %v %s", err, b)
	}
	if mf.Stopped == nil || mf.Reason != "shutdown" || len(mf.Tracks) != 2 {
		t.Fatalf("manifest after shutdown: %+v", mf)
	}
	for _, tr := range mf.Tracks {
		if tr.EndMS == nil || tr.Frames == 0 {
			t.Errorf("track not ended: %+v", tr)
		}
	}
	v := trackOf(mf, "video")
	path := filepath.Join(dir, v.File)
	if p := ffprobe(t, path); p.Codec != "vp8" || uint64(p.Packets) != v.Frames {
		t.Errorf("webm after shutdown: %+v, manifest says %d frames", p, v.Frames)
	}
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Closed, the Segment has its size (the file's rest), not the
	// unknown size it is written with.
	seg := bytes.Index(whole[:64], []byte{0x18, 0x53, 0x80, 0x67})
	if seg < 0 {
		t.Fatal("no Segment")
	}
	if size := binary.BigEndian.Uint64(whole[seg+4:seg+12]) &^ (1 << 56); size != uint64(len(whole)-seg-12) {
		t.Errorf("the Segment's size is %#x, the file holds %d bytes of it", size, len(whole)-seg-12)
	}
	rows, err := e.db.ListRecordings(t.Context(), "plenary")
	if err != nil || len(rows) != 1 || rows[0].Reason != "shutdown" || rows[0].StoppedAt.IsZero() || rows[0].StartedBy != "staff:admin" ||
		len(rows[0].Files) != 2 || rows[0].Bytes < int64(len(whole)) {
		t.Errorf("the database after shutdown: %+v %v", rows, err)
	}
	if err := m.StartRecording(t.Context(), "plenary", "staff:admin"); !errors.Is(err, fault.ErrRefused) {
		t.Errorf("a start after shutdown: %v", err)
	}
}
