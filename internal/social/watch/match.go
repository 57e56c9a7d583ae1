package watch

import (
	"html"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// urlRE finds what networks rewrite or drop: addresses with a scheme, and
// bare domains followed by a path (X shortens both to t.co links).
var urlRE = regexp.MustCompile(`(?i)\bhttps?://\S+|\b[\pL\pN-]+(\.[\pL\pN-]+)+/\S*`)

// MatchKey reduces a post's text to what survives every network's
// rewriting, so that a post read back from a timeline can be matched with
// the text Chancery sent: HTML entities decoded (X, Mastodon), NFC, links
// removed (X's t.co), and only letters and digits kept, in lower case
// (Mastodon turns line breaks into markup, networks trim and collapse
// spaces).
func MatchKey(text string) string {
	t := norm.NFC.String(html.UnescapeString(text))
	t = urlRE.ReplaceAllString(t, " ")
	var b strings.Builder
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// minPrefix is the shortest key that may match by prefix, for networks
// that cut long texts in their listings.
const minPrefix = 24

// matchesAny reports whether key matches one of keys: equal, or one a long
// enough prefix of the other. An empty key (a post of links or media only)
// matches an empty key only.
func matchesAny(key string, keys []string) bool {
	for _, k := range keys {
		if k == key {
			return true
		}
		short, long := k, key
		if len(short) > len(long) {
			short, long = long, short
		}
		if len(short) >= minPrefix && strings.HasPrefix(long, short) {
			return true
		}
	}
	return false
}
