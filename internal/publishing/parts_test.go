package publishing_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/publishing"
)

func TestSplitThread(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"one", []string{"one"}},
		{"one\n---\ntwo", []string{"one", "two"}},
		{"one\r\n---\r\ntwo\n---\n three ", []string{"one", "two", "three"}},
		{"one\n---\n\n---\ntwo", []string{"one", "two"}},
		{"a --- b", []string{"a --- b"}},
	} {
		if got := publishing.SplitThread(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("SplitThread(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSplitThread checks that splitting never loses text, never leaves a
// separator inside a part, and never returns nothing.
func FuzzSplitThread(f *testing.F) {
	for _, s := range []string{"", "one\n---\ntwo", "\r\n---\r\n", "---", "a\n---\n---\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts := publishing.SplitThread(s)
		if len(parts) == 0 {
			t.Fatal("no part")
		}
		total := 0
		for _, p := range parts {
			if strings.Contains(p, publishing.ThreadSeparator) {
				t.Fatalf("separator left in %q", p)
			}
			total += len(p)
		}
		if total > len(s) {
			t.Fatalf("parts longer than the text: %q -> %q", s, parts)
		}
	})
}
