package watch

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMatchKey(t *testing.T) {
	sent := "Bộ Ngoại giao hoan nghênh thỏa thuận.\nXem: https://mofa.gov.vn/vi/tuyen-bo/1 & mofa.gov.vn/en/s/1"
	for _, tc := range []struct {
		name     string
		readBack string
		want     bool
	}{
		// X: links shortened to t.co, & escaped.
		{"x", "Bộ Ngoại giao hoan nghênh thỏa thuận.\nXem: https://t.co/AbCdEf1234 &amp; https://t.co/ZyXw987654", true},
		// Mastodon: HTML turned into text, line break kept as a space.
		{"mastodon", "Bộ Ngoại giao hoan nghênh thỏa thuận. Xem: https://mofa.gov.vn/vi/tuyen-bo/1 & mofa.gov.vn/en/s/1", true},
		// Decomposed Vietnamese (NFD) reads the same.
		{"nfd", "Bo\u0323\u0302 Ngoa\u0323i giao hoan nghe\u0302nh tho\u0309a thua\u0323\u0302n. Xem:", true},
		// A listing that cut the text after enough characters.
		{"cut", "Bộ Ngoại giao hoan nghênh thỏa…", true},
		{"other", "Bộ Ngoại giao phản đối.", false},
		{"too short a prefix", "Bộ Ngoại", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := matchesAny(MatchKey(tc.readBack), []string{MatchKey(sent)}); got != tc.want {
				t.Fatalf("match(%q) = %v, want %v (keys %q, %q)", tc.readBack, got, tc.want, MatchKey(tc.readBack), MatchKey(sent))
			}
		})
	}
	if matchesAny(MatchKey("https://example.org/x"), []string{MatchKey("a real statement, long enough to count")}) {
		t.Fatal("a link-only post matched a statement")
	}
	if matchesAny("", nil) {
		t.Fatal("matched with nothing in flight")
	}
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("Tuyên bố ", 60)
	for _, tc := range []struct{ in, want string }{
		{"  hello\n\n world  ", "hello world"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{long, strings.TrimSpace(string([]rune(strings.Join(strings.Fields(long), " "))[:ExcerptLength-1])) + "…"},
	} {
		if got := Excerpt(tc.in); got != tc.want {
			t.Errorf("Excerpt(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzMatchKey feeds post texts as networks may return them: the key and
// the excerpt never panic, stay valid UTF-8, and the key is stable.
func FuzzMatchKey(f *testing.F) {
	for _, s := range []string{"", "Bộ Ngoại giao https://t.co/x", "&amp;&lt;<p>x</p>", "\xff\xfe", "a.b/c d.e/f", strings.Repeat("ừ", 400)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := MatchKey(s)
		if !utf8.ValidString(k) && utf8.ValidString(s) {
			t.Fatalf("MatchKey(%q) = %q, invalid UTF-8", s, k)
		}
		if k2 := MatchKey(s); k2 != k {
			t.Fatalf("MatchKey not deterministic: %q, %q", k, k2)
		}
		e := Excerpt(s)
		if !utf8.ValidString(e) || utf8.RuneCountInString(e) > ExcerptLength {
			t.Fatalf("Excerpt(%q) = %q", s, e)
		}
		if k != "" && !matchesAny(k, []string{k}) {
			t.Fatalf("key %q does not match itself", k)
		}
	})
}
