package publishing

import (
	"log/slog"
	"net/url"
	"testing"

	"github.com/mofa-vn/chancery/internal/social"
)

// FuzzChannelBaseURL: whatever a press officer types as a channel's server
// address is refused with a problem or stored as a plain http(s) base URL,
// and a network with one official API is only ever given that API or a
// configured one.
func FuzzChannelBaseURL(f *testing.F) {
	for _, s := range []string{"", "https://mastodon.social/", "https://api.x.com", "http://127.0.0.1:9000", "javascript:alert(1)",
		"https://u:p@h", "https://h/?q", "https://h/#f", " https://api.telegram.org ", "//evil.example", "https://api.x.com.evil.example"} {
		for _, n := range social.Networks {
			f.Add(string(n), s)
		}
	}
	// Nothing here runs the scheduler, whose errors the log is for.
	s, err := New(Params{Log: slog.New(slog.DiscardHandler), Settings: Settings{ExtraAPIs: []string{"http://127.0.0.1:9000"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, network, raw string) {
		n := social.Network(network)
		base, err := s.baseURL(n, raw)
		if err != nil {
			if _, ok := err.(*Problem); !ok {
				t.Fatalf("baseURL(%s, %q): %v is not a Problem", n, raw, err)
			}
			return
		}
		if base == "" {
			return
		}
		u, perr := url.Parse(base)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("baseURL(%s, %q) = %q", n, raw, base)
		}
		if o := n.OfficialAPI(); (o != "" && base != o && base != "http://127.0.0.1:9000") || n == social.Portal {
			t.Fatalf("baseURL(%s, %q) = %q, not its official API", n, raw, base)
		}
	})
}
