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
	"strings"
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
	// Catalog keeps the record of each recording (nil: the disk only).
	Catalog Catalog

	mu     sync.Mutex
	active map[string]*Recorder
	closed bool // Shutdown ran
}

var _ sfu.RecordControl = (*Manager)(nil)

// Catalog keeps the record of the recordings, beside their files: who
// started and stopped each, when, why, and its files' sizes (the database;
// package conference adapts the store to it). A failure to write it is
// logged, never the end of a recording.
type Catalog interface {
	Started(ctx context.Context, e Entry) error
	Stopped(ctx context.Context, e Entry) error
	List(ctx context.Context, room string) ([]Entry, error)
}

// Entry is the record of one recording.
type Entry struct {
	Room, ID  string
	StartedAt time.Time
	StartedBy string
	// StoppedAt is zero while it records, or if the server died first.
	StoppedAt time.Time
	StoppedBy string
	// Reason is why it stopped: "chair" (a moderator in the room),
	// "staff" (the admin pages or the API), "low_disk", "shutdown".
	Reason string
	Files  []File
	Bytes  int64
}

// File is one file of a recording, as it was at the stop.
type File struct {
	Name, ContentType, Kind, Language string
	Bytes                             int64
}

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
func (m *Manager) StartRecording(ctx context.Context, room, actor string) error {
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
	if m.Catalog != nil {
		e := Entry{Room: room, ID: filepath.Base(rec.Dir()), StartedAt: rec.start.UTC(), StartedBy: actor}
		if err := m.Catalog.Started(context.WithoutCancel(ctx), e); err != nil {
			m.log().Error("recording: catalog start", "room", room, "err", err)
		}
	}
	return nil
}

func (m *Manager) log() *slog.Logger {
	if m.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Log
}

// stopped records the stop of rec, closed, in the catalog: its files and
// their sizes as the disk has them.
func (m *Manager) stopped(ctx context.Context, room string, rec *Recorder, by, reason string) {
	if m.Catalog == nil {
		return
	}
	mf := rec.Manifest()
	e := Entry{Room: room, ID: filepath.Base(rec.Dir()), StoppedAt: m.now().UTC(), StoppedBy: by, Reason: reason, Files: []File{}}
	if mf.Stopped != nil {
		e.StoppedAt = *mf.Stopped
	}
	for _, t := range mf.Tracks {
		f := File{Name: t.File, ContentType: t.ContentType, Kind: t.Kind, Language: t.Language}
		if info, err := os.Stat(filepath.Join(rec.Dir(), t.File)); err == nil {
			f.Bytes = info.Size()
		}
		e.Files = append(e.Files, f)
		e.Bytes += f.Bytes
	}
	if info, err := os.Stat(filepath.Join(rec.Dir(), ManifestName)); err == nil {
		e.Bytes += info.Size()
	}
	if err := m.Catalog.Stopped(context.WithoutCancel(ctx), e); err != nil {
		m.log().Error("recording: catalog stop", "room", room, "err", err)
	}
}

// StopRecording stops recording room; a room not recorded is refused with
// fault.ErrNotFound.
func (m *Manager) StopRecording(ctx context.Context, room, actor string) error {
	m.mu.Lock()
	rec := m.active[room]
	delete(m.active, room)
	m.mu.Unlock()
	if rec == nil {
		return fault.New(fault.ErrNotFound, "recording_error_not_recording")
	}
	m.Rooms.StopRecording(room, "")
	err := rec.Close("")
	reason := "chair"
	if strings.HasPrefix(actor, "staff:") {
		reason = "staff"
	}
	m.stopped(ctx, room, rec, actor, reason)
	return err
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
			if err := rec.Close("shutdown"); err != nil {
				m.log().Error("recording: close at shutdown", "room", room, "err", err)
			}
			m.stopped(context.Background(), room, rec, "", "shutdown")
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
		m.stopped(context.Background(), room, rec, "", "low_disk") // recorded before the room is told
		m.Rooms.StopRecording(room, "low_disk")
	}
}

// Active returns the room's recorder while it records, else nil.
func (m *Manager) Active(room string) *Recorder {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.active[room]
}

// Summary is one recording of a room, as listed: its manifest and size
// from the disk, and from the catalog who started and stopped it and why.
// Missing is a recording the catalog knows whose files are gone.
type Summary struct {
	ID        string   `json:"id"`
	Manifest  Manifest `json:"manifest"`
	Bytes     int64    `json:"bytes"`
	StartedBy string   `json:"started_by,omitempty"`
	StoppedBy string   `json:"stopped_by,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	Missing   bool     `json:"missing,omitempty"`
}

// List returns the room's recordings, newest first, and the bytes they
// use together on the disk: those of the catalog, and those on the disk
// it does not know (made before it, or while it failed).
func (m *Manager) List(ctx context.Context, room string) ([]Summary, int64, error) {
	out, total, err := m.listDisk(room)
	if err != nil || m.Catalog == nil {
		return out, total, err
	}
	entries, err := m.Catalog.List(ctx, room)
	if err != nil {
		return nil, 0, err
	}
	byID := map[string]int{}
	for i, s := range out {
		byID[s.ID] = i
	}
	for _, e := range entries {
		i, ok := byID[e.ID]
		if !ok {
			s := Summary{ID: e.ID, Bytes: e.Bytes, Missing: true, Manifest: Manifest{Room: room, Started: e.StartedAt, Tracks: []TrackEntry{},
				Participants: []Participant{}, Languages: []string{}, Speakers: []SpeakerTurn{}, Floor: []FloorEntry{}}}
			if !e.StoppedAt.IsZero() {
				at := e.StoppedAt
				s.Manifest.Stopped = &at
			}
			out = append(out, s)
			i = len(out) - 1
		}
		out[i].StartedBy, out[i].StoppedBy, out[i].Reason = e.StartedBy, e.StoppedBy, e.Reason
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, total, nil
}

func (m *Manager) listDisk(room string) ([]Summary, int64, error) {
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
