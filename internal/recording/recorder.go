package recording

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media/h264writer"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/media"
)

// ManifestName is the manifest's file name in a recording's directory.
const ManifestName = "manifest.json"

// Options configure a Recorder.
type Options struct {
	// Dir is the recording's directory; Start creates it, and refuses one
	// that exists.
	Dir string
	// Room is the room's slug, written in the manifest.
	Room string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// SyncEvery is how often the files are synced to disk (0: 2 s).
	SyncEvery time.Duration
	// FreeSpace returns the bytes free on the file system of a path (nil:
	// the file system's, by statfs). MinFree is the least free space the
	// recorder writes on (0: 512 MiB); below it, it stops writing and calls
	// OnLow once, on a goroutine of its own.
	FreeSpace func(path string) (uint64, error)
	MinFree   uint64
	OnLow     func()
	Log       *slog.Logger
}

// Manifest describes a recording.
type Manifest struct {
	Room    string     `json:"room"`
	Started time.Time  `json:"started"`
	Stopped *time.Time `json:"stopped,omitempty"`
	// Reason tells why the recording stopped early ("low_disk"), if it did.
	Reason       string        `json:"reason,omitempty"`
	Tracks       []TrackEntry  `json:"tracks"`
	Participants []Participant `json:"participants"`
	Languages    []string      `json:"languages"`
	// Speakers are the changes of active speakers, in order.
	Speakers []SpeakerTurn `json:"speakers"`
	// Floor is who held the floor when, from the speakers' list: each
	// entry holds from AtMS until the next; an entry with no identity is
	// a floor nobody spoke from.
	Floor []FloorEntry `json:"floor"`
}

// FloorEntry is a change of the floor: the turn in progress from AtMS on.
type FloorEntry struct {
	AtMS        int64  `json:"at_ms"`
	Request     int64  `json:"request,omitempty"`
	Identity    string `json:"identity,omitempty"`
	Participant string `json:"participant,omitempty"`
	Name        string `json:"name,omitempty"`
	Delegation  string `json:"delegation,omitempty"`
	Kind        string `json:"kind,omitempty"`
	Language    string `json:"language,omitempty"`
}

// TrackEntry is one recorded track.
type TrackEntry struct {
	ID          string `json:"id"`
	File        string `json:"file"`
	ContentType string `json:"content_type"`
	Participant string `json:"participant"`
	Identity    string `json:"identity"`
	Kind        string `json:"kind"`
	Source      string `json:"source"`
	Language    string `json:"language,omitempty"`
	Codec       string `json:"codec"`
	// StartMS and EndMS are the track's offsets from the recording's start.
	StartMS int64  `json:"start_ms"`
	EndMS   *int64 `json:"end_ms,omitempty"`
	// Packets are the RTP packets written, Frames what the file holds
	// of them (a VP8 frame can take several packets; an Opus packet is
	// one; H.264 is not counted: 0), Dropped the packets lost on the way
	// to the disk.
	Packets uint64 `json:"packets"`
	Frames  uint64 `json:"frames"`
	Dropped uint64 `json:"dropped"`
}

// Participant is someone whose tracks were recorded.
type Participant struct {
	ID         string `json:"id"`
	Identity   string `json:"identity"`
	Name       string `json:"name"`
	Delegation string `json:"delegation,omitempty"`
}

// SpeakerTurn is a change of active speakers: the participant ids, loudest
// first, from AtMS on.
type SpeakerTurn struct {
	AtMS     int64    `json:"at_ms"`
	Speakers []string `json:"speakers"`
}

// Recorder records one room. It is safe for concurrent use.
type Recorder struct {
	o     Options
	start time.Time

	mu      sync.Mutex
	m       Manifest
	tracks  map[string]*trackWriter
	closed  bool
	seq     int
	low     atomic.Bool
	lastChk atomic.Int64 // unix nanos of the last free-space check
}

var _ sfu.Recorder = (*Recorder)(nil)

// Start creates the recording's directory and its first manifest.
func Start(o Options) (*Recorder, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SyncEvery <= 0 {
		o.SyncEvery = 2 * time.Second
	}
	if o.FreeSpace == nil {
		o.FreeSpace = FreeSpace
	}
	if o.MinFree == 0 {
		o.MinFree = 512 << 20
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(o.Dir), 0o750); err != nil {
		return nil, err
	}
	if err := os.Mkdir(o.Dir, 0o750); err != nil {
		return nil, err
	}
	r := &Recorder{o: o, start: o.Now(), tracks: map[string]*trackWriter{}}
	r.m = Manifest{Room: o.Room, Started: r.start.UTC(), Tracks: []TrackEntry{}, Participants: []Participant{}, Languages: []string{}, Speakers: []SpeakerTurn{}, Floor: []FloorEntry{}}
	r.lastChk.Store(r.start.UnixNano())
	if free, err := o.FreeSpace(o.Dir); err == nil && free < o.MinFree {
		_ = os.RemoveAll(o.Dir)
		return nil, ErrLowDisk
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.saveLocked(); err != nil {
		return nil, err
	}
	return r, nil
}

// ErrLowDisk refuses to start a recording on a disk with less free space
// than the minimum.
var ErrLowDisk = errors.New("recording: free disk space is below the minimum")

func (r *Recorder) offset() int64 { return r.o.Now().Sub(r.start).Milliseconds() }

// Manifest returns a copy of the current manifest.
func (r *Recorder) Manifest() Manifest {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.countLocked()
	b, _ := json.Marshal(r.m)
	var m Manifest
	_ = json.Unmarshal(b, &m)
	return m
}

// Dir is the recording's directory.
func (r *Recorder) Dir() string { return r.o.Dir }

// AddTrack opens t's file and returns the sink that writes it, or nil for
// a codec it does not write.
func (r *Recorder) AddTrack(t sfu.RecordedTrack) media.TrackSink {
	mime := strings.ToLower(t.MimeType)
	var ext, ctype string
	switch mime {
	case strings.ToLower(webrtcOpus):
		ext, ctype = "ogg", "audio/ogg"
	case strings.ToLower(webrtcVP8):
		ext, ctype = "webm", "video/webm"
	case strings.ToLower(webrtcH264):
		ext, ctype = "h264", "video/h264"
	default:
		r.o.Log.Warn("recording: codec not recorded", "track", t.ID, "codec", t.MimeType)
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.low.Load() || r.tracks[t.ID] != nil {
		return nil
	}
	r.seq++
	// The file name is built from the server's own words only (never a
	// participant's name): a counter, the kind, the source, a language
	// code when it is one.
	name := fmt.Sprintf("%03d-%s-%s", r.seq, safe(t.Kind), safe(t.Source))
	if l := safe(t.Language); l != "" {
		name += "-" + l
	}
	name += "." + ext
	f, err := os.OpenFile(filepath.Join(r.o.Dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		r.o.Log.Error("recording: open track file", "err", err)
		return nil
	}
	w := &trackWriter{r: r, id: t.ID, f: f, in: make(chan *rtp.Packet, 512), done: make(chan struct{}), lastSync: r.o.Now()}
	switch ext {
	case "ogg":
		rate, ch := t.ClockRate, t.Channels
		if rate == 0 {
			rate = 48000
		}
		if ch == 0 {
			ch = 2
		}
		w.w, err = oggwriter.NewWith(f, rate, ch)
	case "webm":
		w.w = newWebMWriter(f, t.ClockRate)
	case "h264":
		w.w = h264writer.NewWith(f)
	}
	if err != nil {
		_ = f.Close()
		r.o.Log.Error("recording: start track file", "err", err)
		return nil
	}
	r.tracks[t.ID] = w
	r.m.Tracks = append(r.m.Tracks, TrackEntry{ID: t.ID, File: name, ContentType: ctype, Participant: t.Participant, Identity: t.Identity,
		Kind: t.Kind, Source: t.Source, Language: t.Language, Codec: t.MimeType, StartMS: r.offset()})
	known := t.Participant == "" // a language channel: nobody's own
	for _, p := range r.m.Participants {
		known = known || p.ID == t.Participant
	}
	if !known {
		r.m.Participants = append(r.m.Participants, Participant{ID: t.Participant, Identity: t.Identity, Name: t.Name, Delegation: t.Delegation})
	}
	if t.Language != "" && !contains(r.m.Languages, t.Language) {
		r.m.Languages = append(r.m.Languages, t.Language)
	}
	r.saveOrLogLocked()
	go w.run()
	return w
}

// RemoveTrack closes the track's file.
func (r *Recorder) RemoveTrack(id string) {
	r.mu.Lock()
	w := r.tracks[id]
	delete(r.tracks, id)
	r.mu.Unlock()
	if w == nil {
		return
	}
	w.finish()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endTrackLocked(w)
	r.saveOrLogLocked()
}

func (r *Recorder) endTrackLocked(w *trackWriter) {
	end := r.offset()
	for i := range r.m.Tracks {
		if e := &r.m.Tracks[i]; e.ID == w.id && e.EndMS == nil {
			e.EndMS = &end
			e.Packets, e.Frames, e.Dropped = w.packets.Load(), w.frames(), w.dropped.Load()
		}
	}
}

// Speakers records a change of active speakers.
func (r *Recorder) Speakers(ids []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.m.Speakers = append(r.m.Speakers, SpeakerTurn{AtMS: r.offset(), Speakers: append([]string{}, ids...)})
	r.saveOrLogLocked()
}

// Floor records who holds the floor from now; a repeat of the last
// change is not recorded.
func (r *Recorder) Floor(t sfu.FloorTurn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	e := FloorEntry{Request: t.Request, Identity: t.Identity, Participant: t.Participant, Name: t.Name, Delegation: t.Delegation,
		Kind: string(t.Kind), Language: t.Language}
	if n := len(r.m.Floor); n > 0 {
		last := r.m.Floor[n-1]
		last.AtMS = 0
		if last == e {
			return
		}
	} else if e.Identity == "" {
		return // nobody spoke yet
	}
	e.AtMS = r.offset()
	r.m.Floor = append(r.m.Floor, e)
	if e.Language != "" && !contains(r.m.Languages, e.Language) {
		r.m.Languages = append(r.m.Languages, e.Language)
	}
	r.saveOrLogLocked()
}

// Close ends every track's file and writes the final manifest. reason is
// empty for a stop asked by staff.
func (r *Recorder) Close(reason string) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	ws := r.tracks
	r.tracks = map[string]*trackWriter{}
	r.mu.Unlock()
	for _, w := range ws {
		w.finish()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range ws {
		r.endTrackLocked(w)
	}
	now := r.o.Now().UTC()
	r.m.Stopped, r.m.Reason = &now, reason
	return r.saveLocked()
}

func (r *Recorder) saveOrLogLocked() {
	if err := r.saveLocked(); err != nil {
		r.o.Log.Error("recording: manifest", "err", err)
	}
}

// saveLocked replaces the manifest atomically: a reader (or a crash) sees
// the old one or the new one, never half of one.
func (r *Recorder) saveLocked() error {
	r.countLocked()
	b, err := json.MarshalIndent(r.m, "", "  ")
	if err != nil {
		return err
	}
	return WriteAtomic(filepath.Join(r.o.Dir, ManifestName), b)
}

// countLocked brings the packet counts of the open tracks up to date.
func (r *Recorder) countLocked() {
	for i := range r.m.Tracks {
		e := &r.m.Tracks[i]
		if w := r.tracks[e.ID]; w != nil && e.EndMS == nil {
			e.Packets, e.Frames, e.Dropped = w.packets.Load(), w.frames(), w.dropped.Load()
		}
	}
}

// WriteAtomic replaces the file at path with b: it writes a temporary file
// beside it, syncs it, renames it over path and syncs the directory.
func WriteAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// checkDisk runs from the writers; it asks for the free space at most once
// per SyncEvery, and stops the recording when it is low.
func (r *Recorder) checkDisk(now time.Time) {
	last := r.lastChk.Load()
	if now.UnixNano()-last < int64(r.o.SyncEvery) || !r.lastChk.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	free, err := r.o.FreeSpace(r.o.Dir)
	if err != nil || free >= r.o.MinFree || !r.low.CompareAndSwap(false, true) {
		return
	}
	r.o.Log.Warn("recording: free disk space low, stopping", "room", r.o.Room, "free", free, "min", r.o.MinFree)
	go func() {
		_ = r.Close("low_disk")
		if r.o.OnLow != nil {
			r.o.OnLow()
		}
	}()
}

// Low tells whether the recording stopped for want of disk space.
func (r *Recorder) Low() bool { return r.low.Load() }

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// safe keeps the letters, digits and dashes of s, lowercased, at most 16:
// enough for a kind, a source or a language tag, and never a path.
func safe(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' {
			b.WriteRune(c)
		}
		if b.Len() >= 16 {
			break
		}
	}
	return b.String()
}

type rtpWriter interface {
	WriteRTP(*rtp.Packet) error
	io.Closer
}

// trackWriter writes one track's file on a goroutine of its own, so that
// the SFU's read loop never waits for the disk; a packet that finds the
// queue full is dropped and counted.
type trackWriter struct {
	r        *Recorder
	id       string
	f        *os.File
	w        rtpWriter
	in       chan *rtp.Packet
	done     chan struct{}
	mu       sync.Mutex // orders sending on in with closing it
	stopped  bool
	layer    atomic.Int32 // the simulcast layer recorded, +1 (0: none yet)
	packets  atomic.Uint64
	dropped  atomic.Uint64
	lastSync time.Time
}

// WriteTrackRTP queues a copy of pkt. Of a simulcast video, the first
// layer seen is the one recorded.
func (w *trackWriter) WriteTrackRTP(q int, pkt *rtp.Packet) {
	if !w.layer.CompareAndSwap(0, int32(q)+1) && w.layer.Load() != int32(q)+1 {
		return
	}
	c := pkt.Clone()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	select {
	case w.in <- c:
	default:
		w.dropped.Add(1)
	}
}

func (w *trackWriter) run() {
	defer close(w.done)
	for p := range w.in {
		if w.r.low.Load() {
			continue
		}
		if err := w.w.WriteRTP(p); err == nil {
			w.packets.Add(1)
		}
		now := w.r.o.Now()
		if now.Sub(w.lastSync) >= w.r.o.SyncEvery {
			_ = w.f.Sync()
			w.lastSync = now
		}
		w.r.checkDisk(now)
	}
	_ = w.w.Close() // closes the file too
}

// frames is what the file holds: whole VP8 frames, Opus packets (one
// each), or 0 for H.264, whose frames are not counted.
func (w *trackWriter) frames() uint64 {
	switch x := w.w.(type) {
	case interface{ Frames() uint64 }:
		return x.Frames()
	case *oggwriter.OggWriter:
		return w.packets.Load()
	}
	return 0
}

// finish stops taking packets, writes those queued and closes the file.
func (w *trackWriter) finish() {
	w.mu.Lock()
	if !w.stopped {
		w.stopped = true
		close(w.in)
	}
	w.mu.Unlock()
	<-w.done
}
