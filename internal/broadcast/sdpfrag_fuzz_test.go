package broadcast

import (
	"strings"
	"testing"
)

// FuzzParseFrag: no trickle fragment, however hostile, panics, and one
// accepted names credentials in pairs and at most maxCandidates
// candidates.
func FuzzParseFrag(f *testing.F) {
	for _, s := range []string{
		"a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\na=end-of-candidates\r\n",
		"a=end-of-candidates\r\n",
		"a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\n",
		"a=ice-ufrag:x\r\n",
		"m=\r\na=mid:\r\na=candidate:\r\n",
		"a=group:BUNDLE 0 1\r\na=ice-options:trickle\r\n",
		strings.Repeat("a=candidate:1 1 udp 1 10.0.0.1 9 typ host\r\n", 70),
		"\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fr, err := parseFrag(s)
		if err != nil {
			return
		}
		if (fr.ufrag == "") != (fr.pwd == "") {
			t.Fatalf("accepted one credential without the other: %+v", fr)
		}
		if len(fr.candidates) > maxCandidates {
			t.Fatalf("accepted %d candidates", len(fr.candidates))
		}
		if fr.ufrag == "" && len(fr.candidates) == 0 && !fr.end {
			t.Fatal("accepted an empty fragment")
		}
	})
}

// FuzzCheckOffer: no offer panics the check; one it accepts has a media
// section.
func FuzzCheckOffer(f *testing.F) {
	for _, s := range []string{
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\na=rtpmap:96 VP8/90000\r\n",
		"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
		"", "v=0", "m=audio 9 RTP/AVP 0\r\n", "v=0\r\nbogus\r\n", "\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if checkOffer(s) == nil && !strings.Contains(s, "m=") {
			t.Fatalf("accepted an offer without media: %q", s)
		}
	})
}

func TestLocalFragKeepsCredentialsAndCandidates(t *testing.T) {
	local := "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:abcd\r\na=ice-pwd:efghijklmnopqrstuvwxyz12\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\na=end-of-candidates\r\n" +
		"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:abcd\r\na=ice-pwd:efghijklmnopqrstuvwxyz12\r\na=mid:1\r\n"
	got := localFrag(local)
	for _, want := range []string{"a=ice-ufrag:abcd\r\n", "a=ice-pwd:efghijklmnopqrstuvwxyz12\r\n", "a=mid:0\r\n", "a=candidate:1 1 udp", "a=end-of-candidates\r\n", "a=mid:1\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("fragment lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "a=ice-ufrag:") != 1 {
		t.Errorf("credentials repeated:\n%s", got)
	}
	if _, err := parseFrag(got); err != nil {
		t.Errorf("the server's fragment does not parse as a client's would: %v", err)
	}
}
