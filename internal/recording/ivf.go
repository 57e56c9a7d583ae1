package recording

import (
	"encoding/binary"
	"os"
)

// ivfCounter sits between pion's IVF writer and the file. It follows the
// IVF stream (a 32-byte file header, then frames of a 12-byte header and
// their bytes) and, after each whole frame, writes the frame count into
// the file header in place. pion's writer writes the count only when it
// closes (900 until then), so after a crash a player would believe the
// file 30 s long; with the count kept current it lasts what it holds.
type ivfCounter struct {
	f       *os.File
	seen    int64 // bytes of the stream so far
	next    int64 // where the next frame header starts
	frames  uint32
	hdr     [12]byte
	inHdr   int  // bytes of the current frame header seen
	closing bool // pion's writer seeked to write the count itself
}

func newIVFCounter(f *os.File) *ivfCounter { return &ivfCounter{f: f, next: 32} }

func (c *ivfCounter) Write(b []byte) (int, error) {
	n, err := c.f.Write(b)
	if !c.closing {
		c.follow(b[:n])
	}
	return n, err
}

// follow advances the parse over b, counting the frames it completes.
func (c *ivfCounter) follow(b []byte) {
	end := c.seen + int64(len(b))
	for c.seen < end {
		if c.seen < c.next { // inside the file header or a frame's bytes
			step := min(c.next, end) - c.seen
			c.seen += step
			b = b[step:]
			if c.seen == c.next && c.inHdr == 0 && c.next > 32 {
				c.frames++
				var cnt [4]byte
				binary.LittleEndian.PutUint32(cnt[:], c.frames)
				_, _ = c.f.WriteAt(cnt[:], 24)
			}
			continue
		}
		// a frame header
		k := copy(c.hdr[c.inHdr:], b)
		c.inHdr += k
		c.seen += int64(k)
		b = b[k:]
		if c.inHdr == len(c.hdr) {
			c.inHdr = 0
			c.next = c.seen + int64(binary.LittleEndian.Uint32(c.hdr[:4]))
			if c.next == c.seen { // an empty frame
				c.frames++
			}
		}
	}
}

// Seek lets pion's writer rewrite the count at Close, as it does on a file.
func (c *ivfCounter) Seek(off int64, whence int) (int64, error) {
	c.closing = true
	return c.f.Seek(off, whence)
}

// Close closes the file.
func (c *ivfCounter) Close() error { return c.f.Close() }
