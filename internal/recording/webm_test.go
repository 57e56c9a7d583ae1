package recording_test

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"

	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/sfu"
)

// realVP8 has ffmpeg's libvpx encode n frames of a test picture (320×240,
// 30 fps, a keyframe a second, several packets a frame) and returns them,
// as a browser's encoder would hand them to its packetizer.
func realVP8(t *testing.T, n int) [][]byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src.ivf")
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30,noise=alls=20:allf=t", "-frames:v", strconv.Itoa(n),
		"-c:v", "libvpx", "-g", "30", "-b:v", "2M", "-f", "ivf", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	return readIVF(t, path, n)
}

func readIVF(t *testing.T, path string, n int) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	r, _, err := ivfreader.NewWith(f)
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	for {
		b, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, b)
	}
	if len(frames) != n {
		t.Fatalf("ffmpeg gave %d frames, want %d", len(frames), n)
	}
	return frames
}

// vp8Packets packetizes frames as a browser does (RFC 7741, 1200-byte
// payloads, the marker on each frame's last packet) at 30 fps from seq.
func vp8Packets(frames [][]byte) [][]*rtp.Packet {
	pay := &codecs.VP8Payloader{EnablePictureID: true}
	var out [][]*rtp.Packet
	seq := uint16(65500) // the numbers wrap during the stream
	ts := uint32(4294900000)
	for _, fr := range frames {
		var pkts []*rtp.Packet
		ps := pay.Payload(1200, fr)
		for i, p := range ps {
			pkts = append(pkts, &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, Marker: i == len(ps)-1}, Payload: p})
			seq++
		}
		out = append(out, pkts)
		ts += 3000
	}
	return out
}

type streamProbe struct {
	probe
	Width, Height int
	Decoded       int
}

// ffprobeVideo decodes every frame of the file's video (ffprobe
// -count_frames) and tells its packets, frames, size and duration.
func ffprobeVideo(t *testing.T, path string) streamProbe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_packets", "-count_frames", "-show_streams", "-show_format", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct {
		Streams []struct {
			CodecName     string `json:"codec_name"`
			NbReadPackets string `json:"nb_read_packets"`
			NbReadFrames  string `json:"nb_read_frames"`
			Width         int    `json:"width"`
			Height        int    `json:"height"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Streams) != 1 {
		t.Fatalf("ffprobe %s: %s (%v)", path, out, err)
	}
	s := r.Streams[0]
	p := streamProbe{Width: s.Width, Height: s.Height}
	p.Codec = s.CodecName
	p.Packets, _ = strconv.Atoi(s.NbReadPackets)
	p.Decoded, _ = strconv.Atoi(s.NbReadFrames)
	p.Duration, _ = strconv.ParseFloat(r.Format.Duration, 64)
	return p
}

// packetEnds lists where each SimpleBlock of the file ends: ffprobe tells
// where each block's content starts and its frame's size, which follows 4
// bytes (track, timecode, flags).
func packetEnds(t *testing.T, path string) []int64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "packet=pos,size", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe packets %s: %v", path, err)
	}
	var r struct {
		Packets []struct {
			Pos  string `json:"pos"`
			Size string `json:"size"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	ends := make([]int64, len(r.Packets))
	for i, p := range r.Packets {
		pos, _ := strconv.ParseInt(p.Pos, 10, 64)
		n, _ := strconv.ParseInt(p.Size, 10, 64)
		ends[i] = pos + 4 + n
	}
	return ends
}

func startVideo(t *testing.T, dir string) (*recording.Recorder, interface {
	WriteTrackRTP(int, *rtp.Packet)
}) {
	t.Helper()
	rec, err := recording.Start(recording.Options{Dir: dir, Room: "plenary", FreeSpace: func(string) (uint64, error) { return 1 << 40, nil }})
	if err != nil {
		t.Fatal(err)
	}
	vs := rec.AddTrack(sfu.RecordedTrack{ID: "tv", Participant: "p1", Identity: "chair", Kind: "video", Source: "camera", MimeType: webrtc.MimeTypeVP8, ClockRate: 90000})
	if vs == nil {
		t.Fatal("no sink for VP8")
	}
	return rec, vs
}

// TestWebMHoldsEveryWholeFrame records real VP8 (libvpx) packetized as a
// browser sends it, with one packet of one frame lost, two packets of
// another swapped and an old frame sent again late: the WebM file holds
// every whole frame once, in order, and none of the two broken; ffmpeg
// decodes it without an error (its timestamps strictly increasing), and
// its duration, size and frame count are right.
func TestWebMHoldsEveryWholeFrame(t *testing.T) {
	frames := realVP8(t, 90)
	pkts := vp8Packets(frames)
	dir := filepath.Join(t.TempDir(), "rec")
	rec, vs := startVideo(t, dir)
	// Break the two delta frames before the keyframe of frame 60, so
	// that no frame written refers to a frame missing.
	broken := map[int]bool{}
	sent := 0
	for i, fp := range pkts {
		if (i == 58 || i == 59) && len(fp) < 3 {
			t.Fatalf("frame %d is %d packets", i, len(fp))
		}
		switch i {
		case 58:
			fp = fp[1:] // the start of the frame is lost
			broken[i] = true
		case 59:
			fp = append([]*rtp.Packet{fp[0], fp[2], fp[1]}, fp[3:]...) // two packets swapped
			broken[i] = true
		}
		if i == 70 {
			// A late retransmission of frame 65, whole: it is not
			// written again, out of its time.
			fp = append(fp, pkts[65]...)
		}
		for _, p := range fp {
			vs.WriteTrackRTP(0, p)
			sent++
		}
		waitPackets(t, rec, "tv", uint64(sent))
	}
	if err := rec.Close(""); err != nil {
		t.Fatal(err)
	}
	e := trackOf(rec.Manifest(), "video")
	want := len(frames) - len(broken)
	if e.File != "001-video-camera.webm" || e.ContentType != "video/webm" || e.Frames != uint64(want) || e.Packets != uint64(sent) {
		t.Fatalf("manifest: %+v, want %d frames of %d packets", e, want, sent)
	}
	path := filepath.Join(dir, e.File)
	p := ffprobeVideo(t, path)
	if p.Codec != "vp8" || p.Packets != want || p.Decoded != want || p.Width != 320 || p.Height != 240 {
		t.Errorf("webm: %+v, want %d frames of 320×240", p, want)
	}
	if p.Duration < 2.99 || p.Duration > 3.01 {
		t.Errorf("webm lasts %.3f s, want 3 s", p.Duration)
	}
	decodes(t, path)
	if out, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-i", path, "-fps_mode", "passthrough", "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("frames out of order: %v %s", err, out)
	}
	// A closed file seeks: ffmpeg starts at 2.1 s from the Cues.
	out, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-ss", "2.1", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("seeking: %v %s", err, out)
	}
}

// TestKilledWebMIsReadableUpToAnyCut kills a process recording real VP8
// (SIGKILL, files open), then reads the file as the crash left it and cut
// at many points: each copy decodes without an error, up to its last
// whole frame.
func TestKilledWebMIsReadableUpToAnyCut(t *testing.T) {
	dir := killedRecording(t)
	var m recording.Manifest
	b, err := os.ReadFile(filepath.Join(dir, recording.ManifestName))
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("manifest after the kill: %v %s", err, b)
	}
	path := filepath.Join(dir, trackOf(m, "video").File)
	p := ffprobeVideo(t, path)
	if p.Packets != crashVideo || p.Decoded != crashVideo || p.Duration < 2.99 || p.Duration > 3.01 {
		t.Fatalf("webm after the kill: %+v, want %d frames and 3 s", p, crashVideo)
	}
	decodes(t, path)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ends := packetEnds(t, path)
	if ends[len(ends)-1] != int64(len(whole)) {
		t.Fatalf("the last block ends at %d, the file at %d", ends[len(ends)-1], len(whole))
	}
	first := ends[0]
	cuts := []int64{first, first + 1, ends[1] - 1, ends[29], ends[30] + 5, ends[45] - 3, int64(len(whole)) - 1}
	for i := int64(1); i < 5; i++ {
		cuts = append(cuts, first+(int64(len(whole))-first)*i/5+i*7)
	}
	for _, cut := range cuts {
		cp := filepath.Join(t.TempDir(), "cut.webm")
		if err := os.WriteFile(cp, whole[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		complete := 0
		for _, e := range ends {
			if e <= cut {
				complete++
			}
		}
		got := ffprobeVideo(t, cp)
		if got.Decoded < complete || got.Decoded > complete+1 {
			t.Errorf("cut at %d of %d: %d frames decoded, %d whole frames before the cut", cut, len(whole), got.Decoded, complete)
		}
		out, err := exec.Command("ffmpeg", "-v", "error", "-i", cp, "-f", "null", "-").CombinedOutput()
		if err != nil {
			t.Errorf("cut at %d: ffmpeg %v %s", cut, err, out)
		}
	}
}
