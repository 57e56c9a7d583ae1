package media

import (
	"strings"

	"github.com/pion/webrtc/v4"
)

// H.264 NAL unit types (RFC 6184 §5.2, ITU-T H.264 Table 7-1).
const (
	naluIDR  = 5
	naluSPS  = 7
	naluSTAP = 24 // STAP-A
	naluFU   = 28 // FU-A
)

// isH264Keyframe reports whether an RTP payload (RFC 6184) starts an H.264
// key frame: an IDR slice or a sequence parameter set, alone, in the
// first fragment of a FU-A or inside a STAP-A. Encoders such as OBS and
// GStreamer send SPS and PPS just before each IDR, so the first of them
// starts the key frame.
func isH264Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch t := p[0] & 0x1f; t {
	case naluIDR, naluSPS:
		return true
	case naluFU:
		// FU header: S bit, then the fragmented unit's type.
		return len(p) >= 2 && p[1]&0x80 != 0 && (p[1]&0x1f == naluIDR || p[1]&0x1f == naluSPS)
	case naluSTAP:
		for i := 1; i+2 < len(p); {
			n := int(p[i])<<8 | int(p[i+1])
			i += 2
			if n == 0 || i+n > len(p) {
				return false
			}
			if k := p[i] & 0x1f; k == naluIDR || k == naluSPS {
				return true
			}
			i += n
		}
	}
	return false
}

// isKeyframe reports whether a payload of the codec mime starts a key
// frame; codecs the SFU does not parse never do.
func isKeyframe(mime string, p []byte) bool {
	switch {
	case strings.EqualFold(mime, webrtc.MimeTypeVP8):
		return isVP8Keyframe(p)
	case strings.EqualFold(mime, webrtc.MimeTypeH264):
		return isH264Keyframe(p)
	}
	return false
}
