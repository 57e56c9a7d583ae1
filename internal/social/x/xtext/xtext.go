// Package xtext counts the length of a post the way X does: the weighted
// character count of twitter-text v3 (twitter/twitter-text config/v3.json),
// described in ../shared/reference/social-apis.md §2.
//
// The text is NFC-normalised first; every URL the extractor would find,
// including a scheme-less domain with a known top-level domain, counts 23;
// every emoji grapheme cluster counts 2; every other code point counts 1 in
// the light ranges of the configuration (U+0000–U+10FF, U+2000–U+200D,
// U+2010–U+201F, U+2032–U+2037) and 2 elsewhere. So Vietnamese letters with a
// hook or a dot below (precomposed U+1E00–U+1EFF) weigh 2, as CJK and Hangul
// do.
//
// It must not import any other Chancery package.
package xtext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// The parameters of twitter-text config/v3.json.
const (
	// MaxWeightedLength is the limit of a standard account; Premium accounts
	// get more, so callers take the limit from the channel's settings.
	MaxWeightedLength = 280
	// URLLength is what every URL counts, whatever its length (t.co).
	URLLength = 23
	scale     = 100
	defWeight = 200
)

// weightRange is a range of code points and its weight (scale 100).
type weightRange struct {
	lo, hi rune
	weight int
}

var ranges = []weightRange{
	{0, 4351, 100},
	{8192, 8205, 100},
	{8208, 8223, 100},
	{8242, 8247, 100},
}

// Result is the outcome of Parse.
type Result struct {
	// Weighted is the weighted length X compares with the limit.
	Weighted int
	// Valid is true when the text is not empty, within max, and free of
	// the characters X refuses (U+FFFE, U+FEFF, U+FFFF).
	Valid bool
}

// Count returns the weighted length of text.
func Count(text string) int { return Parse(text, MaxWeightedLength).Weighted }

// Parse counts text and checks it against max, the account's limit.
func Parse(text string, max int) Result {
	text = norm.NFC.String(text)
	urls := findURLs(text)
	total := 0 // in units of scale
	invalid := false
	state := -1
	pos := 0
	rest := text
	u := 0
	for rest != "" {
		var cluster string
		cluster, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		start := pos
		pos += len(cluster)
		for u < len(urls) && urls[u].end <= start {
			u++
		}
		if u < len(urls) && start >= urls[u].start {
			if start == urls[u].start {
				total += URLLength * scale
			}
			continue
		}
		if isEmoji(cluster) {
			total += 2 * scale
			continue
		}
		for _, r := range cluster {
			if r == 0xFFFE || r == 0xFEFF || r == 0xFFFF {
				invalid = true
			}
			total += weight(r)
		}
	}
	w := total / scale
	return Result{Weighted: w, Valid: !invalid && w > 0 && w <= max && strings.TrimSpace(text) != ""}
}

func weight(r rune) int {
	for _, wr := range ranges {
		if r >= wr.lo && r <= wr.hi {
			return wr.weight
		}
	}
	return defWeight
}

// isEmoji reports whether a grapheme cluster of several code points is an
// emoji sequence (flags, keycaps, skin tones, ZWJ families, variation
// selector 16). A single code point keeps its range weight, which is 2 for
// every pictograph outside the light ranges anyway.
func isEmoji(cluster string) bool {
	if utf8.RuneCountInString(cluster) < 2 {
		return false
	}
	for _, r := range cluster {
		switch {
		case r == 0xFE0F, r == 0x20E3, r == 0x200D && strings.ContainsFunc(cluster, isPictograph):
			return true
		case isPictograph(r):
			return true
		}
	}
	return false
}

// isPictograph covers the blocks holding Extended_Pictographic code points
// and the regional indicators that make flags.
func isPictograph(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, // symbols, pictographs, emoticons, flags, skin tones
		r >= 0x2600 && r <= 0x27BF, // misc symbols, dingbats
		r >= 0x2300 && r <= 0x23FF, // misc technical (⌚ ⏰)
		r >= 0x2B00 && r <= 0x2BFF, // arrows (⬆ ⭐)
		r >= 0x2190 && r <= 0x21FF,
		r >= 0xE0020 && r <= 0xE007F, // tag sequences (subdivision flags)
		r == 0x00A9, r == 0x00AE, r == 0x203C, r == 0x2049, r == 0x2122, r == 0x2139,
		r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299:
		return true
	}
	return false
}

type span struct{ start, end int }

// findURLs returns the byte spans of the URLs in text, in order. It follows
// twitter-text's extractor in spirit: an http(s) URL, or a domain whose last
// label is a known top-level domain, preceded by neither a letter, a digit,
// "@", "$" nor "#", with an optional path. A bare "name.cctld" without a
// path is not a URL, as upstream.
func findURLs(text string) []span {
	var out []span
	i := 0
	for i < len(text) {
		if !startsToken(text, i) {
			_, n := utf8.DecodeRuneInString(text[i:])
			i += n
			continue
		}
		if end, ok := matchURL(text, i); ok {
			out = append(out, span{i, end})
			i = end
			continue
		}
		_, n := utf8.DecodeRuneInString(text[i:])
		i += n
	}
	return out
}

// startsToken reports whether a URL may start at byte i.
func startsToken(text string, i int) bool {
	c := text[i]
	if !isASCIIAlnum(c) {
		return false
	}
	if i == 0 {
		return true
	}
	prev, _ := utf8.DecodeLastRuneInString(text[:i])
	switch prev {
	case '@', '＠', '$', '#', '＃', '.', '-', '_', '/':
		return false
	}
	return !unicode.IsLetter(prev) && !unicode.IsDigit(prev) && !(prev >= 0x202A && prev <= 0x202E)
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// matchURL tries to match a URL at byte i and returns its end.
func matchURL(text string, i int) (int, bool) {
	j := i
	scheme := false
	lower := strings.ToLower(text[i:min(len(text), i+8)])
	switch {
	case strings.HasPrefix(lower, "https://"):
		j, scheme = i+8, true
	case strings.HasPrefix(lower, "http://"):
		j, scheme = i+7, true
	}
	// Domain: labels of ASCII letters, digits and hyphens.
	dStart := j
	var labels []string
	for {
		k := j
		for k < len(text) && (isASCIIAlnum(text[k]) || text[k] == '-' || text[k] == '_') {
			k++
		}
		if k == j {
			break
		}
		labels = append(labels, text[j:k])
		j = k
		if j+1 < len(text) && text[j] == '.' && isASCIIAlnum(text[j+1]) {
			j++
			continue
		}
		break
	}
	if len(labels) < 2 {
		return 0, false
	}
	tld := strings.ToLower(labels[len(labels)-1])
	cc := ccTLDs[tld]
	if !cc && !gTLDs[tld] {
		return 0, false
	}
	// The domain must not run on into more word characters ("example.company").
	if j < len(text) {
		r, _ := utf8.DecodeRuneInString(text[j:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '@' {
			return 0, false
		}
	}
	_ = dStart
	// Optional port, path, query and fragment.
	end := j
	if j < len(text) && (text[j] == ':' || text[j] == '/' || text[j] == '?' || text[j] == '#') {
		if text[j] == ':' {
			k := j + 1
			for k < len(text) && text[k] >= '0' && text[k] <= '9' {
				k++
			}
			if k > j+1 {
				end = k
			}
		}
		if end < len(text) && (text[end] == '/' || text[end] == '?' || text[end] == '#') {
			k := end
			for k < len(text) {
				r, n := utf8.DecodeRuneInString(text[k:])
				if unicode.IsSpace(r) || r == '<' || r == '>' || r == '"' || r == utf8.RuneError && n == 1 {
					break
				}
				k += n
			}
			end = trimPunct(text, end, k)
		}
	}
	hasPath := end > j
	if !scheme && cc && len(labels) == 2 && !hasPath {
		return 0, false
	}
	return end, true
}

// trimPunct drops trailing punctuation that ends a sentence rather than the
// URL, and a closing parenthesis without its opening one.
func trimPunct(text string, start, end int) int {
	for end > start {
		r, n := utf8.DecodeLastRuneInString(text[start:end])
		switch {
		case strings.ContainsRune(".,;:!?'\"”’»…", r):
			end -= n
			continue
		case r == ')' && strings.Count(text[start:end], "(") < strings.Count(text[start:end], ")"):
			end -= n
			continue
		case r == ']' || r == '}':
			end -= n
			continue
		}
		break
	}
	return end
}

// ReplaceURLs returns text, NFC-normalised, with every URL the counter
// recognises replaced by with. Reconciliation uses it to compare a post
// with what X returns, where links have become t.co addresses.
func ReplaceURLs(text, with string) string {
	text = norm.NFC.String(text)
	var b strings.Builder
	last := 0
	for _, u := range findURLs(text) {
		b.WriteString(text[last:u.start])
		b.WriteString(with)
		last = u.end
	}
	b.WriteString(text[last:])
	return b.String()
}
