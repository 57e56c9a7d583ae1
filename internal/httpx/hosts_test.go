package httpx

import (
	"net"
	"testing"
)

func TestHostsAllowed(t *testing.T) {
	public := Hosts{Origin: "https://mofa.gov.vn"}
	local := Hosts{Origin: "http://localhost:8080", Local: true, Addrs: []net.IP{net.ParseIP("192.0.2.10"), net.ParseIP("2001:db8::1")}}
	for _, tc := range []struct {
		hs   Hosts
		host string
		want bool
	}{
		{public, "mofa.gov.vn", true},
		{public, "MOFA.gov.vn", true},
		{public, "mofa.gov.vn:443", true},
		{public, "mofa.gov.vn.", true},
		{public, "mofa.gov.vn:8443", false},
		{public, "evil.example", false},
		{public, "mofa.gov.vn.evil.example", false},
		{public, "localhost", false},
		{public, "127.0.0.1:443", false},
		{public, "", false},
		{local, "localhost:8080", true},
		{local, "127.0.0.1:8080", true},
		{local, "127.9.9.9:8080", true},
		{local, "[::1]:8080", true},
		{local, "192.0.2.10:8080", true},
		{local, "[2001:db8::1]:8080", true},
		{local, "192.0.2.11:8080", false},
		{local, "localhost:8081", false},
		{local, "localhost", false},
		{local, "flood-1.example:8080", false},
		{local, "2130706433:8080", false},
	} {
		if got := tc.hs.Allowed(tc.host); got != tc.want {
			t.Errorf("origin %s, Host %q: allowed %v, want %v", tc.hs.Origin, tc.host, got, tc.want)
		}
	}
}
