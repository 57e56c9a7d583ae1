package recording

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/pion/rtp"
)

// FuzzWebMWriter feeds the WebM writer packets a hostile publisher could
// send (any payload, sequence numbers, timestamps and markers): it never
// panics, writes at most one frame a marker, and what it writes keeps
// the shape of Matroska: the EBML header, then the Segment.
func FuzzWebMWriter(f *testing.F) {
	key := []byte{0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0xaa}
	f.Add(append([]byte{1, 0, 0, 0, 0, 1}, key...))
	f.Add([]byte{1, 0xff, 0xff, 0x7f, 0xff, 0xff, 0x10, 0x00, 0x9d, 0x01, 0x2a})
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, in []byte) {
		n++
		path := filepath.Join(dir, "f.webm")
		file, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		w := newWebMWriter(file, 90000)
		markers := uint64(0)
		// Each packet: a marker byte, 2 bytes of sequence number, 3 of
		// timestamp step, a length byte, then the payload.
		var seq uint16
		var ts uint32
		for len(in) >= 7 {
			marker := in[0]&1 == 1
			seq += binary.BigEndian.Uint16(in[1:3])
			ts += uint32(in[3])<<16 | uint32(in[4])<<8 | uint32(in[5])
			l := min(int(in[6]), len(in)-7)
			payload := append([]byte{}, in[7:7+l]...)
			in = in[7+l:]
			if marker {
				markers++
			}
			_ = w.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: marker}, Payload: payload})
		}
		if got := w.Frames(); got > markers {
			t.Fatalf("%d frames written for %d markers", got, markers)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			if w.Frames() != 0 {
				t.Fatal("frames written, file empty")
			}
			return
		}
		if string(b[:4]) != "\x1a\x45\xdf\xa3" {
			t.Fatalf("the file starts %x", b[:4])
		}
	})
}
