package recording_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/sfu"
)

// FuzzOpen gives Manager.Open hostile rooms, ids and file names (they come
// from the URL): it opens only the files a recording's manifest lists, in
// that recording's directory, and refuses anything else as not found.
func FuzzOpen(f *testing.F) {
	root := f.TempDir()
	rooms := fakeRooms{}
	m := &recording.Manager{Root: root, Rooms: rooms, FreeSpace: func(string) (uint64, error) { return 1 << 40, nil }}
	if err := m.StartRecording(f.Context(), "plenary", "t"); err != nil {
		f.Fatal(err)
	}
	rec := m.Active("plenary")
	rec.AddTrack(sfu.RecordedTrack{ID: "t1", Kind: "audio", Source: "microphone", MimeType: "audio/opus"})
	if err := m.StopRecording(f.Context(), "plenary", "t"); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "secret.txt"), []byte("secret"), 0o600); err != nil {
		f.Fatal(err)
	}
	list, _, err := m.List(f.Context(), "plenary")
	if err != nil || len(list) != 1 {
		f.Fatal(list, err)
	}
	id, file := list[0].ID, list[0].Manifest.Tracks[0].File
	allowed := map[string]bool{file: true, recording.ManifestName: true}
	for _, s := range [][3]string{
		{"plenary", id, file}, {"plenary", id, "../../secret.txt"}, {"plenary", "..", "secret.txt"}, {"..", "", "secret.txt"},
		{"plenary", id, "/etc/passwd"}, {"plenary", id + "/../" + id, file}, {"plenary", id, "manifest.json\x00"}, {"PLENARY", id, file},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, room, rid, name string) {
		fh, ctype, err := m.Open(room, rid, name)
		if err != nil {
			if !errors.Is(err, fault.ErrNotFound) && !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("Open(%q, %q, %q): %v", room, rid, name, err)
			}
			return
		}
		defer fh.Close()
		if room != "plenary" || rid != id || !allowed[name] || ctype == "" {
			t.Fatalf("Open(%q, %q, %q) opened %s", room, rid, name, fh.Name())
		}
	})
}

type fakeRooms struct{}

func (fakeRooms) StartRecording(string, sfu.Recorder) error { return nil }
func (fakeRooms) StopRecording(string, string) sfu.Recorder { return nil }
