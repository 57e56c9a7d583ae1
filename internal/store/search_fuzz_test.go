package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseQuery checks that any query turns into query syntax made only of
// quoted tokens, for both backends.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"外交", "forum diplomacy", `" OR * NEAR(`, "ngoại giao", "\xff", "a'b\\c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		terms := parseQuery(q)
		if len(terms) > maxQueryTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, term := range terms {
			for _, tok := range term.tokens {
				if tok == "" || !utf8.ValidString(tok) || strings.ContainsAny(tok, `"'\ *:()&|!<>`) {
					t.Fatalf("parseQuery(%q): bad token %q", q, tok)
				}
			}
		}
		_ = fts5Query(terms)
		_ = tsQuery(terms)
	})
}

func TestAnalyzeText(t *testing.T) {
	for in, want := range map[string]string{
		"外交部":         "外交 交部 ",
		"东盟 ASEAN 论坛": "东盟  ASEAN 论坛 ",
		"a外b":         "a外 b",
		"plain":       "plain",
	} {
		if got := AnalyzeText(in); got != want {
			t.Errorf("AnalyzeText(%q) = %q, want %q", in, got, want)
		}
	}
}
