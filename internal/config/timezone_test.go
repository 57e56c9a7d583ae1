package config

import (
	"io"
	"strings"
	"testing"
)

func TestTimeZone(t *testing.T) {
	for _, tt := range []struct {
		zone string
		ok   bool
	}{
		{"Asia/Ho_Chi_Minh", true},
		{"Europe/Zurich", true},
		{"UTC", true},
		{"Europe/Geneva", false}, // Geneva is Europe/Zurich
		{"Local", false},
		{"", false},
		{"../../etc/passwd", false},
	} {
		_, err := Load([]string{"-time-zone", tt.zone}, nil, io.Discard)
		if (err == nil) != tt.ok {
			t.Errorf("-time-zone %q: %v, want ok=%v", tt.zone, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "time-zone") {
			t.Errorf("-time-zone %q: %v does not name the setting", tt.zone, err)
		}
	}
	if c := Default(); c.Web.TimeZone != "Asia/Ho_Chi_Minh" {
		t.Errorf("default time zone %q", c.Web.TimeZone)
	}
}
