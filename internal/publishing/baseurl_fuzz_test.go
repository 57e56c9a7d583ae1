package publishing

import (
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/outbound"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky"
	"github.com/mofa-vn/chancery/internal/social/facebook"
	"github.com/mofa-vn/chancery/internal/social/linkedin"
	"github.com/mofa-vn/chancery/internal/social/mastodon"
	"github.com/mofa-vn/chancery/internal/social/telegram"
	"github.com/mofa-vn/chancery/internal/social/x"
)

// networks is pubtest.Networks, which this package's own tests cannot
// import (pubtest imports publishing).
var networks = social.Catalog{portal.Descriptor, x.Descriptor, facebook.Descriptor, mastodon.Descriptor,
	bluesky.Descriptor, telegram.Descriptor, linkedin.Descriptor}

// FuzzChannelBaseURL: whatever a press officer types as a channel's server
// address is refused with a problem or stored as a plain http(s) base URL,
// and a network with one official API is only ever given that API or a
// configured one. An IP address inside the server's network, in any
// spelling, is refused unless configured.
func FuzzChannelBaseURL(f *testing.F) {
	for _, s := range []string{"", "https://mastodon.social/", "https://api.x.com", "http://127.0.0.1:9000", "javascript:alert(1)",
		"https://u:p@h", "https://h/?q", "https://h/#f", " https://api.telegram.org ", "//evil.example", "https://api.x.com.evil.example",
		"http://2130706433:9000", "http://[::1]:9000", "http://169.254.169.254", "http://0x7f.1", "http://[::ffff:10.0.0.1]", "http://0:9000"} {
		for _, d := range networks {
			f.Add(string(d.Network), s)
		}
	}
	// Nothing here runs the scheduler, whose errors the log is for.
	s, err := New(Params{Networks: networks, Log: slog.New(slog.DiscardHandler), Settings: Settings{ExtraAPIs: []string{"http://127.0.0.1:9000"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, network, raw string) {
		n := social.Network(network)
		d, ok := networks.Lookup(n)
		if !ok {
			return
		}
		base, err := s.baseURL(d, raw)
		if err != nil {
			if _, ok := err.(*fault.Problem); !ok {
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
		ip := net.ParseIP(strings.Trim(u.Hostname(), "[]"))
		if a, ok := outbound.ParseLegacyIPv4(u.Hostname()); ok {
			ip = net.IP(a.AsSlice())
		}
		if ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast()) && u.Host != "127.0.0.1:9000" {
			t.Fatalf("baseURL(%s, %q) = %q, inside the server's network", n, raw, base)
		}
		if (d.Official && base != d.API && base != "http://127.0.0.1:9000") || n == social.Portal {
			t.Fatalf("baseURL(%s, %q) = %q, not its official API", n, raw, base)
		}
	})
}
