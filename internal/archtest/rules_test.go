package archtest

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// module is Chancery's module path.
const module = "github.com/mofa-vn/chancery"

// A term is one thing a rule forbids, as its sentence names it.
type term struct {
	// text is the term as written, for messages.
	text string
	// kind is a class from vocabulary, "path" for a package path, or
	// "importers" for "it" (no production package may import this one).
	kind string
	// path is the import path of a "path" term; a path ending in "/" is
	// the whole tree under it.
	path string
	// except are import paths a class leaves out ("any Chancery package
	// but internal/social/x/xtext").
	except []string
}

// A rule is one "must not import" clause of a package comment.
type rule struct {
	clause string
	terms  []term
}

// vocabulary is every phrase a rule may use besides package paths, and the
// class of packages it names. Longer phrases are tried first. Classes are
// resolved against the package graph by (*graph).matcher.
var vocabulary = map[string]string{
	"any other chancery package": "chancery",
	"any chancery package":       "chancery",
	"other chancery packages":    "chancery",
	"the rest of chancery":       "chancery",
	"the store":                  "store",
	"storage":                    "storage",
	"http":                       "http",
	"http handlers":              "http-areas",
	"the http areas":             "http-areas",
	"anything that serves http":  "http-areas",
	"feature packages":           "feature",
	"other feature packages":     "feature",
	"the portal":                 "portal",
	"any staff-only package":     "staff-only",
	"the publishing scheduler":   "publishing",
	"any connector":              "connector",
	"any connector package":      "connector",
	"any network connector":      "connector",
	"pion/webrtc":                "pion-webrtc",
	"it":                         "importers",
	"any package that handles requests, session cookies, passwords or permissions": "request-handling",
}

// phrases are the vocabulary's keys, longest first.
var phrases = func() []string {
	ps := make([]string, 0, len(vocabulary))
	for p := range vocabulary {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b string) int { return len(b) - len(a) })
	return ps
}()

const marker = "must not import "

// clauseBreaks end a clause besides sentence punctuation: what follows
// them is no longer a list of packages.
var clauseBreaks = []string{", so that ", ", which ", ", and it ", ", and they "}

// parseRules finds every "must not import" clause of a package comment and
// reads its terms. A term outside the vocabulary that is not a package
// path is an error: the rule would otherwise not be checked.
func parseRules(doc string) ([]rule, error) {
	text := strings.Join(strings.Fields(doc), " ")
	var rules []rule
	var errs []error
	for {
		i := strings.Index(text, marker)
		if i < 0 {
			break
		}
		text = text[i+len(marker):]
		clause := strings.ReplaceAll(strings.Join(strings.Fields(cutClause(text)), " "), " ,", ",")
		terms, err := parseTerms(clause)
		if err != nil {
			errs = append(errs, fmt.Errorf("%q: %w", clause, err))
			continue
		}
		rules = append(rules, rule{clause: clause, terms: terms})
	}
	return rules, errors.Join(errs...)
}

// cutClause returns the list of packages at the start of s: up to the end
// of the sentence, a colon or a semicolon outside parentheses, or a clause
// break; parenthesised text (examples, remarks) is left out.
func cutClause(s string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '(':
			depth++
			continue
		case c == ')':
			depth = max(depth-1, 0)
			continue
		case depth > 0:
			continue
		case (c == '.' || c == ':' || c == ';') && (i+1 == len(s) || s[i+1] == ' '):
			return strings.TrimSpace(b.String())
		}
		for _, br := range clauseBreaks {
			if strings.HasPrefix(s[i:], br) {
				return strings.TrimSpace(b.String())
			}
		}
		b.WriteByte(c)
	}
	return strings.TrimSpace(b.String())
}

// separator is what may stand between two terms.
var separator = regexp.MustCompile(`^(?:,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+)`)

// pathToken is a package path as a rule writes it: module-relative
// (internal/store, cmd/), standard (net/http) or in full
// (github.com/gorilla/websocket).
var pathToken = regexp.MustCompile(`^[A-Za-z0-9._\-]+(?:/[A-Za-z0-9._\-]*)+`)

// exceptToken is the package an exception names, which may be one of the
// module's root packages (locales).
var exceptToken = regexp.MustCompile(`^[A-Za-z0-9_\-]+(?:/[A-Za-z0-9._\-]+)*`)

func parseTerms(clause string) ([]term, error) {
	s := strings.ReplaceAll(strings.Join(strings.Fields(clause), " "), " ,", ",")
	var terms []term
	for s != "" {
		t, rest, err := parseTerm(s)
		if err != nil {
			return nil, err
		}
		if t.kind != "path" && t.kind != "importers" {
			for _, kw := range []string{" but ", " except "} {
				if r, ok := strings.CutPrefix(rest, kw); ok {
					p := exceptToken.FindString(r)
					if p == "" {
						return nil, fmt.Errorf("%q must be followed by a package path", strings.TrimSpace(kw))
					}
					t.except = append(t.except, fullPath(p))
					t.text += kw + p
					rest = r[len(p):]
				}
			}
		}
		terms = append(terms, t)
		if rest == "" {
			break
		}
		sep := separator.FindString(rest)
		if sep == "" {
			return nil, fmt.Errorf("cannot read %q after %q", rest, t.text)
		}
		s = rest[len(sep):]
	}
	if len(terms) == 0 {
		return nil, errors.New("names no package")
	}
	return terms, nil
}

// parseTerm reads the term at the start of s and returns what follows it.
func parseTerm(s string) (term, string, error) {
	lower := strings.ToLower(s)
	for _, p := range phrases {
		if strings.HasPrefix(lower, p) && wordEnds(s, len(p)) {
			return term{text: s[:len(p)], kind: vocabulary[p]}, s[len(p):], nil
		}
	}
	if p := pathToken.FindString(s); p != "" {
		return term{text: p, kind: "path", path: fullPath(p)}, s[len(p):], nil
	}
	return term{}, "", fmt.Errorf("unknown term at %q: say it with a package path or add it to the vocabulary", s)
}

// wordEnds reports whether s[:n] ends a word.
func wordEnds(s string, n int) bool {
	return n == len(s) || !isWordByte(s[n]) || !isWordByte(s[n-1])
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || c == '/' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// fullPath turns a path as a rule writes it into an import path: paths
// under internal/ and cmd/, and the module's root packages, are Chancery's.
func fullPath(p string) string {
	first, _, _ := strings.Cut(p, "/")
	switch first {
	case "internal", "cmd", "locales", "web":
		return module + "/" + p
	}
	return p
}
