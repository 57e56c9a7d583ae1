package media

import (
	"strings"
	"testing"
)

func TestWithOpusDTXAndFEC(t *testing.T) {
	in := "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:0 PCMU/8000\r\na=fmtp:0 x=1\r\n"
	got := WithOpusDTXAndFEC(in)
	if !strings.Contains(got, "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r\n") || !strings.Contains(got, "a=fmtp:0 x=1\r\n") {
		t.Errorf("got %q", got)
	}
	if again := WithOpusDTXAndFEC(got); again != got {
		t.Errorf("not idempotent: %q", again)
	}
}
