package lang

import (
	"math"
	"strings"
	"testing"
	"time"
)

// saturday is 14 March 2026, 15:30 in Hanoi (08:30 UTC).
var (
	hanoi    = time.FixedZone("ICT", 7*3600)
	saturday = time.Date(2026, 3, 14, 8, 30, 0, 0, time.UTC)
)

func TestFormatDate(t *testing.T) {
	tests := []struct {
		code  string
		style Style
		want  string
	}{
		{"vi", Full, "Thứ Bảy, 14 tháng 3, 2026"},
		{"vi", Long, "14 tháng 3, 2026"},
		{"vi", Medium, "14 thg 3, 2026"},
		{"vi", Short, "14/3/26"},
		{"en", Full, "Saturday, March 14, 2026"},
		{"en", Long, "March 14, 2026"},
		{"en", Medium, "Mar 14, 2026"},
		{"en", Short, "3/14/26"},
		{"fr", Full, "samedi 14 mars 2026"},
		{"fr", Long, "14 mars 2026"},
		{"fr", Short, "14/03/2026"},
		{"es", Full, "sábado, 14 de marzo de 2026"},
		{"es", Long, "14 de marzo de 2026"},
		{"ru", Full, "суббота, 14 марта 2026\u202fг."},
		{"ru", Long, "14 марта 2026\u202fг."},
		{"ru", Short, "14.03.2026"},
		{"zh", Full, "2026年3月14日星期六"},
		{"zh", Long, "2026年3月14日"},
		{"zh", Short, "2026/3/14"},
		{"ar", Full, "السبت، 14 مارس 2026"},
		{"ar", Long, "14 مارس 2026"},
		{"ar", Short, "14\u200f/3\u200f/2026"},
		{"de", Full, "Saturday, March 14, 2026"}, // unknown code: English
		{"en", Style(42), "Mar 14, 2026"},        // unknown style: Medium
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.want, func(t *testing.T) {
			if got := FormatDate(tt.code, saturday, hanoi, tt.style); got != tt.want {
				t.Errorf("FormatDate(%s, %d) = %q, want %q", tt.code, tt.style, got, tt.want)
			}
		})
	}
}

func TestFormatDateLocation(t *testing.T) {
	late := time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC) // 15 March 03:00 in Hanoi
	tests := []struct {
		name string
		loc  *time.Location
		want string
	}{
		{"converted to the zone", hanoi, "15/3/26"},
		{"nil keeps the time's own zone", nil, "14/3/26"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatDate("vi", late, tt.loc, Short); got != tt.want {
				t.Errorf("FormatDate = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatDateTime(t *testing.T) {
	tests := []struct {
		code  string
		style Style
		want  string
	}{
		{"vi", Full, "15:30 Thứ Bảy, 14 tháng 3, 2026"},
		{"vi", Short, "15:30 14/3/26"},
		{"en", Full, "Saturday, March 14, 2026 at 3:30\u202fpm"},
		{"en", Medium, "Mar 14, 2026, 3:30\u202fpm"},
		{"fr", Full, "samedi 14 mars 2026 à 15:30"},
		{"fr", Medium, "14 mars 2026, 15:30"},
		{"fr", Short, "14/03/2026 15:30"},
		{"es", Long, "14 de marzo de 2026, 15:30"},
		{"ru", Full, "суббота, 14 марта 2026\u202fг., 15:30"},
		{"zh", Full, "2026年3月14日星期六 15:30"},
		{"ar", Full, "السبت، 14 مارس 2026 في 3:30 م"},
		{"ar", Short, "14\u200f/3\u200f/2026، 3:30 م"},
		{"xx", Medium, "Mar 14, 2026, 3:30\u202fpm"},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.want, func(t *testing.T) {
			if got := FormatDateTime(tt.code, saturday, hanoi, tt.style); got != tt.want {
				t.Errorf("FormatDateTime(%s, %d) = %q, want %q", tt.code, tt.style, got, tt.want)
			}
		})
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		code string
		got  string
		want string
	}{
		{"vi", FormatNumber("vi", 1234567.891), "1.234.567,891"},
		{"en", FormatNumber("en", 1234567.891), "1,234,567.891"},
		{"fr", FormatNumber("fr", 1234567.891), "1\u00a0234\u00a0567,891"},
		{"es", FormatNumber("es", 1234567.891), "1.234.567,891"},
		{"ru", FormatNumber("ru", 1234567.891), "1\u00a0234\u00a0567,891"},
		{"zh", FormatNumber("zh", 1234567.891), "1,234,567.891"},
		// Latin digits by editorial policy (see numberTags), not ١٬٢٣٤٬٥٦٧٫٨٩١.
		{"ar", FormatNumber("ar", 1234567.891), "1,234,567.891"},
		{"ar int", FormatNumber("ar", 2026), "2,026"},
		{"ar negative", FormatNumber("ar", -0.5), "\u200e-0.5"},
		{"int", FormatNumber("fr", 42), "42"},
		{"int64", FormatNumber("ru", int64(math.MaxInt64)), "9\u00a0223\u00a0372\u00a0036\u00a0854\u00a0775\u00a0807"},
		{"uint8", FormatNumber("en", uint8(255)), "255"},
		{"float32", FormatNumber("en", float32(0.25)), "0.25"},
		{"three fraction digits", FormatNumber("en", 1.0/3), "0.333"},
		{"unknown code is English", FormatNumber("de", 1234.5), "1,234.5"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestPluralForms(t *testing.T) {
	tests := []struct {
		code string
		want string
	}{
		{"vi", "other"},
		{"en", "one other"},
		{"fr", "one many other"},
		{"es", "one many other"},
		{"ru", "one few many other"},
		{"zh", "other"},
		{"ar", "zero one two few many other"},
		{"de", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if s := strings.Join(PluralForms(tt.code), " "); s != tt.want {
				t.Errorf("PluralForms(%q) = %q, want %q", tt.code, s, tt.want)
			}
		})
	}
}
