package recording

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/sfu"
)

// Rooms is the part of the SFU a Manager drives (*sfu.Server).
type Rooms interface {
	StartRecording(slug string, rec sfu.Recorder) error
	StopRecording(slug, reason string) sfu.Recorder
}

// Manager starts and stops the recordings of rooms, each in a directory of
// its own under Root/<room>/<id>, and finds them again. It implements
// sfu.RecordControl.
type Manager struct {
	Root  string
	Rooms Rooms
	// MinFree, FreeSpace, SyncEvery and Now are passed to each Recorder.
	MinFree   uint64
	FreeSpace func(string) (uint64, error)
	SyncEvery time.Duration
	Now       func() time.Time
	Log       *slog.Logger

	mu     sync.Mutex
	active map[string]*Recorder
	closed bool // Shutdown ran
}

var _ sfu.RecordControl = (*Manager)(nil)

var (
	slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	idRE   = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z(-[0-9]{1,3})?$`)
)

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// StartRecording starts recording room. actor is who asked (the caller
// audits).
func (m *Manager) StartRecording(_ context.Context, room, actor string) error {
	if !slugRE.MatchString(room) {
		return fault.Invalid("room", "recording_error_room")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fault.New(fault.ErrRefused, "recording_error_shutdown")
	}
	if m.active == nil {
		m.active = map[string]*Recorder{}
	}
	if m.active[room] != nil {
		return fault.New(fault.ErrConflict, "recording_error_already", "room", room)
	}
	base := m.now().UTC().Format("20060102T150405Z")
	var rec *Recorder
	var err error
	for i := 0; i < 100; i++ {
		id := base
		if i > 0 {
			id += "-" + itoa(i)
		}
		rec, err = Start(Options{Dir: filepath.Join(m.Root, room, id), Room: room, Now: m.Now, FreeSpace: m.FreeSpace,
			MinFree: m.MinFree, SyncEvery: m.SyncEvery, Log: m.Log, OnLow: func() { m.lowDisk(room) }})
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if errors.Is(err, ErrLowDisk) {
		return fault.New(fault.ErrRefused, "recording_error_low_disk")
	}
	if err != nil {
		return err
	}
	if err := m.Rooms.StartRecording(room, rec); err != nil {
		_ = rec.Close("")
		return err
	}
	m.active[room] = rec
	return nil
}

// StopRecording stops recording room; a room not recorded is refused with
// fault.ErrNotFound.
func (m *Manager) StopRecording(_ context.Context, room, _ string) error {
	m.mu.Lock()
	rec := m.active[room]
	delete(m.active, room)
	m.mu.Unlock()
	if rec == nil {
		return fault.New(fault.ErrNotFound, "recording_error_not_recording")
	}
	m.Rooms.StopRecording(room, "")
	return rec.Close("")
}

// Shutdown stops every recording with the reason "shutdown" (each room
// is told), closes their files and refuses new recordings.
func (m *Manager) Shutdown() {
	m.mu.Lock()
	m.closed = true
	active := m.active
	m.active = nil
	m.mu.Unlock()
	var wg sync.WaitGroup
	for room, rec := range active {
		wg.Go(func() {
			m.Rooms.StopRecording(room, "shutdown")
			if err := rec.Close("shutdown"); err != nil && m.Log != nil {
				m.Log.Error("recording: close at shutdown", "room", room, "err", err)
			}
		})
	}
	wg.Wait()
}

// lowDisk runs when a recorder stopped for want of space: the room is told
// (its moderators see the warning) and the recording ends.
func (m *Manager) lowDisk(room string) {
	m.mu.Lock()
	rec := m.active[room]
	delete(m.active, room)
	m.mu.Unlock()
	if rec != nil {
		m.Rooms.StopRecording(room, "low_disk")
	}
}

// Active returns the room's recorder while it records, else nil.
func (m *Manager) Active(room string) *Recorder {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.active[room]
}

// Summary is one recording of a room, as listed.
type Summary struct {
	ID       string   `json:"id"`
	Manifest Manifest `json:"manifest"`
	Bytes    int64    `json:"bytes"`
}

// List returns the room's recordings, newest first, and the bytes they
// use together.
func (m *Manager) List(room string) ([]Summary, int64, error) {
	if !slugRE.MatchString(room) {
		return nil, 0, fault.Invalid("room", "recording_error_room")
	}
	ents, err := os.ReadDir(filepath.Join(m.Root, room))
	if errors.Is(err, fs.ErrNotExist) {
		return []Summary{}, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	out := []Summary{}
	var total int64
	for _, e := range ents {
		if !e.IsDir() || !idRE.MatchString(e.Name()) {
			continue
		}
		dir := filepath.Join(m.Root, room, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, ManifestName))
		if err != nil {
			continue
		}
		s := Summary{ID: e.Name()}
		if json.Unmarshal(b, &s.Manifest) != nil {
			continue
		}
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			if info, err := f.Info(); err == nil && info.Mode().IsRegular() {
				s.Bytes += info.Size()
			}
		}
		total += s.Bytes
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, total, nil
}

// Open opens a file of a recording for reading. The file must be one the
// recording's manifest lists (or the manifest itself): any other name,
// a path among them, is not found.
func (m *Manager) Open(room, id, file string) (*os.File, string, error) {
	if !slugRE.MatchString(room) || !idRE.MatchString(id) {
		return nil, "", fault.New(fault.ErrNotFound, "recording_error_not_found")
	}
	dir := filepath.Join(m.Root, room, id)
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, "", fault.New(fault.ErrNotFound, "recording_error_not_found")
	}
	ctype := ""
	if file == ManifestName {
		ctype = "application/json"
	} else {
		var mf Manifest
		if json.Unmarshal(b, &mf) != nil {
			return nil, "", fault.New(fault.ErrNotFound, "recording_error_not_found")
		}
		for _, t := range mf.Tracks {
			if t.File == file && filepath.Base(file) == file {
				ctype = t.ContentType
			}
		}
	}
	if ctype == "" {
		return nil, "", fault.New(fault.ErrNotFound, "recording_error_not_found")
	}
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return nil, "", fault.New(fault.ErrNotFound, "recording_error_not_found")
	}
	return f, ctype, nil
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// Free returns the bytes free where recordings are written.
func (m *Manager) Free() (uint64, error) {
	if err := os.MkdirAll(m.Root, 0o750); err != nil {
		return 0, err
	}
	if m.FreeSpace != nil {
		return m.FreeSpace(m.Root)
	}
	return FreeSpace(m.Root)
}
