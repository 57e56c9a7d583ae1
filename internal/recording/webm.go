package recording

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// webmWriter writes VP8 from RTP into WebM (Matroska) without decoding:
// it joins each frame's packets and writes the frame as a SimpleBlock as
// soon as its last packet (the RTP marker) arrives.
//
// The file is readable up to the last whole frame at any moment, so that a
// crash leaves it playable up to the crash: the Segment is written with an
// unknown size, and so is the Cluster being filled; each Cluster gets its
// size when the next one starts (at a keyframe), and the Info's Duration
// is rewritten in place after each frame, as the IVF writer kept its frame
// count current. Close writes the Cues (one per Cluster: each starts with a
// keyframe), a SeekHead into the space reserved for it after the Segment's
// header, and the Segment's size: a closed file seeks as any WebM does.
//
// A frame missing a packet (a gap in the sequence numbers, a new frame
// before the marker) is dropped whole, never written half, and so is a
// frame no later than the last one written (a late retransmission);
// nothing is written before the first keyframe.
type webmWriter struct {
	f     io.WriterAt
	clock uint32

	pos      int64 // the end of the file so far
	segData  int64 // where the Segment's data starts (Matroska positions are relative to it)
	voidPos  int64 // the Void reserved for the SeekHead
	infoPos  int64
	durPos   int64 // the Duration's 8 bytes
	trackPos int64
	started  bool

	// The frame being joined.
	frame    []byte
	frameTS  uint32
	nextSeq  uint16
	inFrame  bool
	broken   bool
	firstTS  uint32
	extTS    int64 // the last frame's timestamp, unwrapped, from firstTS
	lastTS   uint32
	lastMS   int64
	deltaMS  int64 // the last interval between frames (the last frame's duration)
	cluster  int64 // the open Cluster's position (-1: none)
	clusterT int64
	cues     []cue
	closed   bool

	frames  atomic.Uint64
	dropped atomic.Uint64
}

type cue struct{ ms, pos int64 }

// Matroska element ids (the EBML and Matroska specifications, RFC 8794 and
// RFC 9559).
const (
	idEBML          = 0x1A45DFA3
	idEBMLVersion   = 0x4286
	idEBMLReadVer   = 0x42F7
	idEBMLMaxID     = 0x42F2
	idEBMLMaxSize   = 0x42F3
	idDocType       = 0x4282
	idDocTypeVer    = 0x4287
	idDocTypeRead   = 0x4285
	idSegment       = 0x18538067
	idSeekHead      = 0x114D9B74
	idSeek          = 0x4DBB
	idSeekID        = 0x53AB
	idSeekPosition  = 0x53AC
	idInfo          = 0x1549A966
	idTimecodeScale = 0x2AD7B1
	idMuxingApp     = 0x4D80
	idWritingApp    = 0x5741
	idDuration      = 0x4489
	idTracks        = 0x1654AE6B
	idTrackEntry    = 0xAE
	idTrackNumber   = 0xD7
	idTrackUID      = 0x73C5
	idTrackType     = 0x83
	idFlagLacing    = 0x9C
	idCodecID       = 0x86
	idVideo         = 0xE0
	idPixelWidth    = 0xB0
	idPixelHeight   = 0xBA
	idCluster       = 0x1F43B675
	idTimecode      = 0xE7
	idSimpleBlock   = 0xA3
	idCues          = 0x1C53BB6B
	idCuePoint      = 0xBB
	idCueTime       = 0xB3
	idCueTrackPos   = 0xB7
	idCueTrack      = 0xF7
	idCueClusterPos = 0xF1
	idVoid          = 0xEC
)

// unknownSize is the 8-byte size field of an element of unknown size.
var unknownSize = []byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}

// seekHeadRoom is the bytes reserved for the SeekHead (a Void until Close).
const seekHeadRoom = 96

// maxFrame is the largest frame written: a publisher that never ends a
// frame does not make the writer hold more (a 4K keyframe is well below).
const maxFrame = 8 << 20

// maxClusterMS keeps a SimpleBlock's timecode, relative to its Cluster's,
// within the int16 it is written in.
const maxClusterMS = 30_000

func newWebMWriter(f io.WriterAt, clock uint32) *webmWriter {
	if clock == 0 {
		clock = 90000
	}
	return &webmWriter{f: f, clock: clock, cluster: -1}
}

var errWebMClosed = errors.New("recording: webm writer closed")

// WriteRTP takes one VP8 packet.
func (w *webmWriter) WriteRTP(p *rtp.Packet) error {
	if w.closed {
		return errWebMClosed
	}
	var vp codecs.VP8Packet
	data, err := vp.Unmarshal(p.Payload)
	if err != nil {
		return err
	}
	switch {
	case vp.S == 1 && vp.PID == 0: // a frame starts
		if w.inFrame {
			w.dropped.Add(1) // the previous one never ended
		}
		w.frame = append(w.frame[:0], data...)
		w.frameTS, w.nextSeq, w.inFrame, w.broken = p.Timestamp, p.SequenceNumber+1, true, false
	case w.inFrame && !w.broken && p.Timestamp == w.frameTS && p.SequenceNumber == w.nextSeq && len(w.frame)+len(data) <= maxFrame:
		w.frame = append(w.frame, data...)
		w.nextSeq++
	default:
		w.broken = true // a packet lost or out of order: the frame is not whole
	}
	if !p.Marker || !w.inFrame {
		return nil
	}
	w.inFrame = false
	if w.broken || len(w.frame) == 0 {
		w.dropped.Add(1)
		return nil
	}
	return w.writeFrame(w.frame, w.frameTS)
}

func (w *webmWriter) writeFrame(data []byte, ts uint32) error {
	key := data[0]&0x01 == 0
	if !w.started {
		if !key {
			return nil // wait for a keyframe
		}
		// The picture's size, from the keyframe's header (RFC 6386
		// §9.1), when it has the start code.
		var width, height uint16
		if len(data) >= 10 && data[3] == 0x9d && data[4] == 0x01 && data[5] == 0x2a {
			width = binary.LittleEndian.Uint16(data[6:8]) & 0x3fff
			height = binary.LittleEndian.Uint16(data[8:10]) & 0x3fff
		}
		if err := w.writeHeader(width, height); err != nil {
			return err
		}
		w.started, w.firstTS, w.lastTS = true, ts, ts
	}
	ext := w.extTS + int64(int32(ts-w.lastTS)) //nolint:gosec // the wrap is the point
	ms := ext * 1000 / int64(w.clock)
	if w.frames.Load() > 0 {
		if ms <= w.lastMS {
			// A frame from before the last one written (a late
			// retransmission, a repeat): the file's times only go on.
			w.dropped.Add(1)
			return nil
		}
		w.deltaMS = ms - w.lastMS
	}
	w.extTS, w.lastTS = ext, ts
	if w.cluster < 0 || (key && ms > w.clusterT) || ms-w.clusterT > maxClusterMS {
		if err := w.startCluster(ms, key); err != nil {
			return err
		}
	}
	flags := byte(0)
	if key {
		flags = 0x80
	}
	rel := ms - w.clusterT
	block := make([]byte, 0, 4+len(data))
	block = append(block, 0x81, byte(rel>>8), byte(rel), flags) // track 1, the timecode, the flags
	block = append(block, data...)
	if err := w.append(element(idSimpleBlock, block)); err != nil {
		return err
	}
	w.lastMS = ms
	w.frames.Add(1)
	return w.writeDuration()
}

// writeDuration writes the Duration in place: the last frame's time plus
// its own duration (the last interval between frames).
func (w *webmWriter) writeDuration() error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], math.Float64bits(float64(w.lastMS+max(w.deltaMS, 1))))
	_, err := w.f.WriteAt(b[:], w.durPos)
	return err
}

func (w *webmWriter) append(b []byte) error {
	n, err := w.f.WriteAt(b, w.pos)
	w.pos += int64(n)
	return err
}

func (w *webmWriter) writeHeader(width, height uint16) error {
	hdr := element(idEBML, concat(
		uintElement(idEBMLVersion, 1), uintElement(idEBMLReadVer, 1), uintElement(idEBMLMaxID, 4),
		uintElement(idEBMLMaxSize, 8), element(idDocType, []byte("webm")), uintElement(idDocTypeVer, 4),
		uintElement(idDocTypeRead, 2)))
	hdr = append(hdr, idBytes(idSegment)...)
	hdr = append(hdr, unknownSize...)
	w.segData = int64(len(hdr))
	w.voidPos = int64(len(hdr))
	hdr = append(hdr, void(seekHeadRoom)...)
	w.infoPos = int64(len(hdr))
	info := element(idInfo, concat(uintElement(idTimecodeScale, 1_000_000), element(idMuxingApp, []byte("chancery")),
		element(idWritingApp, []byte("chancery")), element(idDuration, make([]byte, 8))))
	w.durPos = w.infoPos + int64(len(info)) - 8 // the Duration is the Info's last element
	hdr = append(hdr, info...)
	w.trackPos = int64(len(hdr))
	var video []byte
	if width > 0 && height > 0 {
		video = element(idVideo, concat(uintElement(idPixelWidth, uint64(width)), uintElement(idPixelHeight, uint64(height))))
	}
	hdr = append(hdr, element(idTracks, element(idTrackEntry, concat(
		uintElement(idTrackNumber, 1), uintElement(idTrackUID, 1), uintElement(idTrackType, 1),
		uintElement(idFlagLacing, 0), element(idCodecID, []byte("V_VP8")), video)))...)
	return w.append(hdr)
}

// startCluster gives the open Cluster its size and opens one at ms.
func (w *webmWriter) startCluster(ms int64, key bool) error {
	if err := w.endCluster(); err != nil {
		return err
	}
	w.cluster, w.clusterT = w.pos, ms
	if key {
		w.cues = append(w.cues, cue{ms: ms, pos: w.pos - w.segData})
	}
	b := append(idBytes(idCluster), unknownSize...)
	return w.append(append(b, uintElement(idTimecode, uint64(ms))...)) //nolint:gosec // ms ≥ 0
}

// endCluster writes the open Cluster's size over its unknown size.
func (w *webmWriter) endCluster() error {
	if w.cluster < 0 {
		return nil
	}
	at := w.cluster + 4 // the Cluster's id is 4 bytes
	_, err := w.f.WriteAt(size8(w.pos-at-8), at)
	w.cluster = -1
	return err
}

// Close finishes the file: the last Cluster's size, the Cues, the
// SeekHead and the Segment's size. A file with no keyframe stays empty.
func (w *webmWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	var err error
	if w.started {
		err = w.finish()
	}
	if c, ok := w.f.(io.Closer); ok {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func (w *webmWriter) finish() error {
	if err := w.endCluster(); err != nil {
		return err
	}
	cuesPos := w.pos
	var points []byte
	for _, c := range w.cues {
		points = append(points, element(idCuePoint, concat(uintElement(idCueTime, uint64(c.ms)), //nolint:gosec // ≥ 0
			element(idCueTrackPos, concat(uintElement(idCueTrack, 1), uintElement(idCueClusterPos, uint64(c.pos))))))...) //nolint:gosec // ≥ 0
	}
	if len(points) > 0 {
		if err := w.append(element(idCues, points)); err != nil {
			return err
		}
	}
	seek := func(id uint32, pos int64) []byte {
		return element(idSeek, concat(element(idSeekID, idBytes(id)), fixedUint(idSeekPosition, uint64(pos-w.segData)))) //nolint:gosec // ≥ 0
	}
	heads := concat(seek(idInfo, w.infoPos), seek(idTracks, w.trackPos))
	if len(points) > 0 {
		heads = append(heads, seek(idCues, cuesPos)...)
	}
	sh := element(idSeekHead, heads)
	sh = append(sh, void(seekHeadRoom-len(sh))...)
	if _, err := w.f.WriteAt(sh, w.voidPos); err != nil {
		return err
	}
	_, err := w.f.WriteAt(size8(w.pos-w.segData), w.segData-8)
	return err
}

// Frames is the number of frames written.
func (w *webmWriter) Frames() uint64 { return w.frames.Load() }

// idBytes is an element id as written: its bytes, marker included.
func idBytes(id uint32) []byte {
	switch {
	case id > 0xFFFFFF:
		return []byte{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
	case id > 0xFFFF:
		return []byte{byte(id >> 16), byte(id >> 8), byte(id)}
	case id > 0xFF:
		return []byte{byte(id >> 8), byte(id)}
	}
	return []byte{byte(id)}
}

// vsize is n as an EBML variable-size integer of the fewest bytes.
func vsize(n int) []byte {
	for l := 1; l <= 8; l++ {
		if uint64(n) < (1<<(7*l))-1 { //nolint:gosec // n ≥ 0
			b := make([]byte, l)
			v := uint64(n) | 1<<(7*l) //nolint:gosec // n ≥ 0
			for i := l - 1; i >= 0; i-- {
				b[i] = byte(v)
				v >>= 8
			}
			return b
		}
	}
	panic("recording: element too large")
}

// size8 is n as an 8-byte EBML size, to write over an unknown size.
func size8(n int64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(n)|1<<56) //nolint:gosec // n ≥ 0
	return b
}

func element(id uint32, body []byte) []byte {
	b := append(idBytes(id), vsize(len(body))...)
	return append(b, body...)
}

func uintElement(id uint32, v uint64) []byte {
	n := 1
	for v>>(8*n) != 0 && n < 8 {
		n++
	}
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return element(id, b)
}

// fixedUint writes v in 8 bytes, whatever its value.
func fixedUint(id uint32, v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return element(id, b)
}

// void is a Void element of n bytes in all (n ≥ 2).
func void(n int) []byte {
	if n < 2 || n > 128 {
		panic("recording: void size")
	}
	b := make([]byte, n)
	b[0], b[1] = idVoid, 0x80|byte(n-2)
	return b
}

func concat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}
