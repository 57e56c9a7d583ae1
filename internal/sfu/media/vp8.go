package media

// isVP8Keyframe reports whether an RTP payload starts a VP8 key frame. It
// reads the payload descriptor (RFC 7741 §4.2) and then the first bit of the
// VP8 frame header (RFC 6386 §9.1: P = 0 for key frames).
func isVP8Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	x := p[0]&0x80 != 0
	s := p[0]&0x10 != 0
	pid := p[0] & 0x07
	if !s || pid != 0 {
		return false // not the first packet of the frame
	}
	i := 1
	if x {
		if len(p) < 2 {
			return false
		}
		ext := p[1]
		i = 2
		if ext&0x80 != 0 { // I: picture ID
			if len(p) <= i {
				return false
			}
			if p[i]&0x80 != 0 { // M: 15-bit picture ID
				i += 2
			} else {
				i++
			}
		}
		if ext&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if ext&0x30 != 0 { // T or K: TID/KEYIDX byte
			i++
		}
	}
	if len(p) <= i {
		return false
	}
	return p[i]&0x01 == 0
}

// vp8Descriptor locates the fields of a VP8 payload descriptor (RFC 7741
// §4.2) that an SFU rewrites: the picture ID and TL0PICIDX. Offsets are -1
// when the field is absent.
type vp8Descriptor struct {
	picAt  int  // offset of the picture ID
	pic15  bool // the picture ID has 15 bits (M = 1), else 7
	tl0At  int  // offset of TL0PICIDX
	start  bool // S = 1 and PID = 0: the first packet of a frame
	header int  // length of the descriptor
}

// parseVP8Descriptor reads the descriptor at the start of a VP8 RTP payload.
func parseVP8Descriptor(p []byte) (vp8Descriptor, bool) {
	d := vp8Descriptor{picAt: -1, tl0At: -1}
	if len(p) < 1 {
		return d, false
	}
	d.start = p[0]&0x10 != 0 && p[0]&0x07 == 0
	i := 1
	if p[0]&0x80 != 0 { // X: extension byte
		if len(p) < 2 {
			return d, false
		}
		ext := p[1]
		i = 2
		if ext&0x80 != 0 { // I: picture ID
			if len(p) <= i {
				return d, false
			}
			d.picAt = i
			if p[i]&0x80 != 0 {
				d.pic15 = true
				i += 2
			} else {
				i++
			}
		}
		if ext&0x40 != 0 { // L: TL0PICIDX
			d.tl0At = i
			i++
		}
		if ext&0x30 != 0 { // T or K: TID/Y/KEYIDX byte
			i++
		}
	}
	if len(p) < i {
		return d, false
	}
	d.header = i
	return d, true
}

// picture returns the picture ID (7 or 15 bits) and whether there is one.
func (d vp8Descriptor) picture(p []byte) (uint16, bool) {
	switch {
	case d.picAt < 0:
		return 0, false
	case d.pic15:
		return uint16(p[d.picAt]&0x7f)<<8 | uint16(p[d.picAt+1]), true
	default:
		return uint16(p[d.picAt] & 0x7f), true
	}
}

// setPicture writes id into the picture ID field, keeping its width: a
// 7-bit field gets the low 7 bits.
func (d vp8Descriptor) setPicture(p []byte, id uint16) {
	switch {
	case d.picAt < 0:
	case d.pic15:
		p[d.picAt] = 0x80 | byte(id>>8)&0x7f
		p[d.picAt+1] = byte(id)
	default:
		p[d.picAt] = byte(id) & 0x7f
	}
}

// vp8Munger keeps one subscriber's picture IDs and TL0PICIDX continuous
// across simulcast layer switches and pauses: each layer numbers its
// pictures independently, and decoders take a jump for lost frames.
type vp8Munger struct {
	started bool
	picOff  uint16 // subtracted, modulo 2^15
	tl0Off  uint8
	lastPic uint16 // last picture ID sent
	lastTL0 uint8
}

// rewrite rewrites the descriptor of payload into out (which must be at
// least as long) and returns the rewritten payload with the length of the
// descriptor it rewrote (0 when it left payload as it was). switching marks
// the first packet after a layer switch (a keyframe's first packet): its
// picture follows the last one sent.
func (m *vp8Munger) rewrite(payload, out []byte, switching bool) ([]byte, int) {
	d, ok := parseVP8Descriptor(payload)
	if !ok || d.picAt < 0 && d.tl0At < 0 {
		return payload, 0
	}
	pic, hasPic := d.picture(payload)
	var tl0 uint8
	if d.tl0At >= 0 {
		tl0 = payload[d.tl0At]
	}
	if switching && m.started {
		m.picOff = (pic - (m.lastPic + 1)) & 0x7fff
		m.tl0Off = tl0 - (m.lastTL0 + 1)
	}
	out = out[:len(payload)]
	copy(out, payload)
	if hasPic {
		mask := uint16(0x7fff)
		if !d.pic15 {
			mask = 0x7f
		}
		np := (pic - m.picOff) & mask
		d.setPicture(out, np)
		if !m.started || switching || newerPicture(np, m.lastPic&mask, mask) {
			m.lastPic = np
		}
	}
	if d.tl0At >= 0 {
		nt := tl0 - m.tl0Off
		out[d.tl0At] = nt
		if !m.started || switching || int8(nt-m.lastTL0) > 0 {
			m.lastTL0 = nt
		}
	}
	m.started = true
	return out, d.header
}

// newerPicture reports whether picture ID a follows b, modulo mask+1.
func newerPicture(a, b, mask uint16) bool {
	d := (a - b) & mask
	return d != 0 && d <= mask/2
}
