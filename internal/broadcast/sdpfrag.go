package broadcast

import (
	"bufio"
	"errors"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Limits on what a client sends: an offer of a few tracks is a few
// kilobytes, a trickle fragment smaller still.
const (
	maxSDP  = 64 << 10
	maxFrag = 16 << 10
	// maxCandidates bounds the candidates of one fragment.
	maxCandidates = 64
)

var (
	errEmptySDP = errors.New("broadcast: empty SDP")
	errBadSDP   = errors.New("broadcast: malformed SDP")
	errBadFrag  = errors.New("broadcast: malformed trickle-ice-sdpfrag")
)

// checkOffer parses an SDP offer before it reaches pion: it must be a
// session description with at least one media section.
func checkOffer(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return errEmptySDP
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(raw); err != nil {
		return errBadSDP
	}
	if len(sd.MediaDescriptions) == 0 {
		return errBadSDP
	}
	return nil
}

// fragment is a parsed application/trickle-ice-sdpfrag body (RFC 8840 §9,
// as RFC 9725 §4.3.1 uses it): ICE credentials, when they change an ICE
// restart, and candidates per media section.
type fragment struct {
	ufrag, pwd string
	candidates []webrtc.ICECandidateInit
	end        bool // a=end-of-candidates
}

// parseFrag parses a trickle fragment. Lines are "a=" attributes, "m="
// lines that start a media section, and "a=mid:" naming it; anything else
// is refused.
func parseFrag(raw string) (fragment, error) {
	var f fragment
	sc := bufio.NewScanner(strings.NewReader(raw))
	sc.Buffer(make([]byte, 0, 4096), maxFrag)
	mid, idx := "", -1
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		switch {
		case strings.HasPrefix(line, "m="):
			idx++
			mid = ""
		case strings.HasPrefix(line, "a=ice-ufrag:"):
			f.ufrag = strings.TrimPrefix(line, "a=ice-ufrag:")
		case strings.HasPrefix(line, "a=ice-pwd:"):
			f.pwd = strings.TrimPrefix(line, "a=ice-pwd:")
		case strings.HasPrefix(line, "a=mid:"):
			mid = strings.TrimPrefix(line, "a=mid:")
		case strings.HasPrefix(line, "a=candidate:"):
			if len(f.candidates) >= maxCandidates {
				return fragment{}, errBadFrag
			}
			c := webrtc.ICECandidateInit{Candidate: strings.TrimPrefix(line, "a=")}
			if mid != "" {
				m := mid
				c.SDPMid = &m
			}
			if idx >= 0 {
				i := uint16(idx)
				c.SDPMLineIndex = &i
			}
			f.candidates = append(f.candidates, c)
		case line == "a=end-of-candidates":
			f.end = true
		case strings.HasPrefix(line, "a=ice-options:"), strings.HasPrefix(line, "a=group:"):
			// Informational.
		default:
			return fragment{}, errBadFrag
		}
	}
	if sc.Err() != nil {
		return fragment{}, errBadFrag
	}
	if (f.ufrag == "") != (f.pwd == "") || !iceChars(f.ufrag) || !iceChars(f.pwd) {
		return fragment{}, errBadFrag
	}
	if f.ufrag == "" && len(f.candidates) == 0 && !f.end {
		return fragment{}, errBadFrag
	}
	for _, c := range f.candidates {
		if _, err := parseCandidate(c.Candidate); err != nil {
			return fragment{}, errBadFrag
		}
	}
	return f, nil
}

// iceChars reports whether s uses only ice-char (RFC 8839 §5.4) and is no
// longer than 256 characters.
func iceChars(s string) bool {
	if len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '/') {
			return false
		}
	}
	return true
}
