package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseQuery checks that any query turns into query syntax made only of
// quoted tokens, for both backends.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"外交", "forum diplomacy", `" OR * NEAR(`, "ngoại giao", "\xff", "a'b\\c", "\u064b\u064c", "Đà Nẵng", "e\u0301"} {
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

func TestNormalizeAndStrip(t *testing.T) {
	for in, want := range map[string][2]string{
		"plain ASCII":              {"plain ASCII", "plain ASCII"},
		"Diễn đàn Đà Nẵng":         {"Diễn đàn Đà Nẵng", "Dien dan Da Nang"},
		"Die\u0302\u0303n":         {"Diễn", "Dien"}, // marks typed apart
		"cybersécurité, Señor":     {"cybersécurité, Señor", "cybersecurite, Senor"},
		"Объединённых, ЁЛКА, край": {"Объединенных, ЕЛКА, край", "Объединенных, ЕЛКА, край"}, // й stays
		"الوُفُود أحمد إفتتاح آخر": {"الوفود احمد افتتاح اخر", "الوفود احمد افتتاح اخر"},
		"مـــرحبا":                 {"مرحبا", "مرحبا"}, // tatweel
		"外交部":                      {"外交部", "外交部"},
	} {
		n := normalizeText(in)
		if s := stripLatin(n); n != want[0] || s != want[1] {
			t.Errorf("%q: normalised %q, stripped %q; want %q", in, n, s, want)
		}
	}
}
