package recording_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/sfu"
)

const (
	crashAudio = 250 // 20 ms Opus packets: 5 s
	crashVideo = 90  // one-packet VP8 frames at 30 fps: 3 s
)

// TestCrashHelperProcess is the process TestKilledRecorderLeavesPlayableFiles
// kills: it records synthetic Opus and VP8, says so on stdout, and waits
// to be killed without closing anything. Run alone, it does nothing.
func TestCrashHelperProcess(t *testing.T) {
	dir := os.Getenv("RECORDING_CRASH_DIR")
	if dir == "" {
		return
	}
	rec, err := recording.Start(recording.Options{Dir: dir, Room: "plenary", FreeSpace: func(string) (uint64, error) { return 1 << 40, nil }})
	if err != nil {
		t.Fatal(err)
	}
	as := rec.AddTrack(sfu.RecordedTrack{ID: "ta", Participant: "p1", Identity: "chair", Kind: "audio", Source: "microphone", MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
	vs := rec.AddTrack(sfu.RecordedTrack{ID: "tv", Participant: "p1", Identity: "chair", Kind: "video", Source: "camera", MimeType: webrtc.MimeTypeVP8, ClockRate: 90000})
	opus := make([]byte, 40)
	opus[0] = 0x78 // TOC: hybrid fullband, 20 ms, one frame
	for i := range crashAudio {
		p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: opus}
		as.WriteTrackRTP(0, p)
		if i%50 == 0 {
			waitPackets(t, rec, "ta", uint64(i+1)) // the queue holds 512: keep it from overflowing
		}
	}
	sent := 0
	for _, fp := range vp8Packets(readIVF(t, os.Getenv("RECORDING_CRASH_IVF"), crashVideo)) {
		for _, p := range fp {
			vs.WriteTrackRTP(0, p)
			sent++
		}
		waitPackets(t, rec, "tv", uint64(sent))
	}
	waitPackets(t, rec, "ta", crashAudio)
	_, _ = os.Stdout.WriteString("written\n")
	select {} // until killed
}

func waitPackets(t *testing.T, rec *recording.Recorder, id string, n uint64) {
	t.Helper()
	await(t, "packets written", func() bool {
		for _, e := range rec.Manifest().Tracks {
			if e.ID == id {
				return e.Packets >= n
			}
		}
		return false
	})
}

// TestKilledRecorderLeavesPlayableFiles kills a recording process with
// SIGKILL while its files are open, and checks them with ffprobe: every
// packet written before the kill is there, the durations are right, and
// the manifest is whole JSON that lists both tracks.
func TestKilledRecorderLeavesPlayableFiles(t *testing.T) {
	dir := killedRecording(t)
	var m recording.Manifest
	b, err := os.ReadFile(filepath.Join(dir, recording.ManifestName))
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("manifest after the kill: %v %s", err, b)
	}
	if m.Stopped != nil || len(m.Tracks) != 2 {
		t.Fatalf("manifest after the kill: %+v", m)
	}
	a, v := trackOf(m, "audio"), trackOf(m, "video")
	pa := ffprobe(t, filepath.Join(dir, a.File))
	if pa.Codec != "opus" || pa.Packets != crashAudio || pa.Duration < 4.97 || pa.Duration > 5.01 {
		t.Errorf("ogg after the kill: %+v, want %d packets and 5 s", pa, crashAudio)
	}
	pv := ffprobe(t, filepath.Join(dir, v.File))
	if pv.Codec != "vp8" || pv.Packets != crashVideo || pv.Duration < 2.99 || pv.Duration > 3.01 {
		t.Errorf("webm after the kill: %+v, want %d frames and 3 s", pv, crashVideo)
	}
}

// killedRecording runs TestCrashHelperProcess on real VP8 and kills it
// once it has written everything; it returns the recording's directory.
func killedRecording(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src.ivf")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30,noise=alls=20:allf=t", "-frames:v", "90",
		"-c:v", "libvpx", "-g", "30", "-b:v", "2M", "-f", "ivf", src).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "rec")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), "RECORDING_CRASH_DIR="+dir, "RECORDING_CRASH_IVF="+src)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "written" {
		_ = cmd.Process.Kill()
		t.Fatalf("helper said %q", line)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	return dir
}
