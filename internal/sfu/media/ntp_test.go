package media

import (
	"testing"
	"time"
)

// NTP time counts from 1900 (RFC 3550 §4, RFC 5905): the Unix epoch is
// 2,208,988,800 s later, and half a second is half of the 32-bit fraction.
func TestNTPTime(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		want uint64
	}{
		{time.Unix(0, 0), 2_208_988_800 << 32},
		{time.Unix(0, 500_000_000), 2_208_988_800<<32 | 1<<31},
		{time.Date(2026, 12, 7, 0, 0, 1, 250_000_000, time.UTC), uint64(time.Date(2026, 12, 7, 0, 0, 1, 0, time.UTC).Unix()+2_208_988_800)<<32 | 1<<30},
	} {
		if got := ntpTime(c.at); got != c.want {
			t.Errorf("ntpTime(%v) = %#x, want %#x", c.at, got, c.want)
		}
	}
}
