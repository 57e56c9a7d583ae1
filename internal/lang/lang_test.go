package lang

import (
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/unicode/bidi"
)

func TestAllOrder(t *testing.T) {
	var got []string
	for _, l := range All() {
		got = append(got, l.Code)
	}
	want := []string{"vi", "en", "fr", "es", "ru", "zh", "ar"}
	if !slices.Equal(got, want) {
		t.Fatalf("All() codes = %v, want %v", got, want)
	}
}

func TestAllReturnsCopy(t *testing.T) {
	a := All()
	a[0].NativeName = "changed"
	if All()[0].NativeName == "changed" {
		t.Fatal("All() exposes the registry to modification")
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		code string
		ok   bool
	}{
		{"vi", true}, {"en", true}, {"fr", true}, {"es", true},
		{"ru", true}, {"zh", true}, {"ar", true},
		{"", false}, {"VI", false}, {"vi-VN", false}, {"zh-Hans", false},
		{"zh-CN", false}, {"de", false}, {"und", false}, {" en", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			l, ok := Lookup(tt.code)
			if ok != tt.ok {
				t.Fatalf("Lookup(%q) ok = %v, want %v", tt.code, ok, tt.ok)
			}
			if ok && l.Code != tt.code {
				t.Errorf("Lookup(%q).Code = %q", tt.code, l.Code)
			}
		})
	}
}

// TestRegistryAgreesWithCLDR checks the hand-written registry against x/text,
// as whitehall's hand-kept languages.yml shows is needed.
func TestRegistryAgreesWithCLDR(t *testing.T) {
	for _, l := range All() {
		t.Run(l.Code, func(t *testing.T) {
			tag, err := language.Parse(l.Code)
			if err != nil {
				t.Fatalf("code %q is not BCP 47: %v", l.Code, err)
			}
			if tag != l.Tag || l.Tag.String() != l.Code {
				t.Errorf("Tag = %v, want %v (from Code)", l.Tag, tag)
			}
			if b, conf := l.Tag.Base(); conf != language.Exact || b.String() != l.Code {
				t.Errorf("Tag base = %v (%v), want %s exactly", b, conf, l.Code)
			}
			if want := titleFirst(display.Self.Name(l.Tag)); l.NativeName != want {
				t.Errorf("NativeName = %q, want CLDR %q", l.NativeName, want)
			}
			if want := display.English.Tags().Name(l.Tag); l.EnglishName != want {
				t.Errorf("EnglishName = %q, want CLDR %q", l.EnglishName, want)
			}
			if want := cldrDir(t, l); l.Dir != want {
				t.Errorf("Dir = %q, want %q", l.Dir, want)
			}
		})
	}
}

// titleFirst upper-cases the first letter, following CLDR's contextTransforms
// for names shown on their own in a menu.
func titleFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToTitle(r)) + s[n:]
}

// cldrDir derives the direction from the language's likely script and checks
// that the native name's first letter agrees (bidi class R or AL is RTL).
func cldrDir(t *testing.T, l Language) string {
	t.Helper()
	script, _ := l.Tag.Script()
	rtlScripts := map[string]bool{"Arab": true, "Hebr": true, "Syrc": true, "Thaa": true, "Nkoo": true, "Adlm": true, "Rohg": true}
	dir := LTR
	if rtlScripts[script.String()] {
		dir = RTL
	}
	r, _ := utf8.DecodeRuneInString(l.NativeName)
	p, _ := bidi.LookupRune(r)
	nameRTL := p.Class() == bidi.R || p.Class() == bidi.AL
	if nameRTL != (dir == RTL) {
		t.Errorf("script %v says %s, but %q starts with bidi class %v", script, dir, l.NativeName, p.Class())
	}
	return dir
}

func TestSwitcherNames(t *testing.T) {
	want := map[string]string{
		"vi": "Tiếng Việt", "en": "English", "fr": "Français", "es": "Español",
		"ru": "Русский", "zh": "中文", "ar": "العربية",
	}
	for _, l := range All() {
		if l.NativeName != want[l.Code] {
			t.Errorf("%s: NativeName = %q, want %q", l.Code, l.NativeName, want[l.Code])
		}
	}
}
