package media

import (
	"strings"
)

// WithOpusDTXAndFEC adds usedtx=1 and useinbandfec=1 to the Opus format
// parameters of an SDP answer (RFC 7587 §6.1). They are the receiver's
// wishes: a browser publishing to the SFU then stops sending during silence
// and carries forward error correction in-band. pion copies the offer's
// parameters into its answer, so they are added here.
func WithOpusDTXAndFEC(sdp string) string {
	lines := strings.Split(sdp, "\r\n")
	pts := map[string]bool{}
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "a=rtpmap:"); ok {
			pt, codec, _ := strings.Cut(rest, " ")
			if strings.HasPrefix(strings.ToLower(codec), "opus/48000") {
				pts[pt] = true
			}
		}
	}
	for i, l := range lines {
		rest, ok := strings.CutPrefix(l, "a=fmtp:")
		if !ok {
			continue
		}
		pt, params, _ := strings.Cut(rest, " ")
		if !pts[pt] {
			continue
		}
		for _, p := range []string{"useinbandfec=1", "usedtx=1"} {
			key, _, _ := strings.Cut(p, "=")
			if !strings.Contains(";"+params, ";"+key+"=") {
				if params != "" {
					params += ";"
				}
				params += p
			}
		}
		lines[i] = "a=fmtp:" + pt + " " + params
	}
	return strings.Join(lines, "\r\n")
}
