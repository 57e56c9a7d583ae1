// Package xtext counts the length of a post the way X does: the weighted
// character count of twitter-text v3 (twitter/twitter-text config/v3.json),
// described in ../shared/reference/social-apis.md §2, and checked against
// twitter-text's own conformance vectors in testdata/.
//
// The text is NFC-normalised first. Every URL twitter-text's extractor finds
// counts 23, including a host without a scheme whose top-level domain is on
// twitter-text's lists (example.vn, t.co). Every emoji sequence of the
// table twitter-text uses (twemoji-parser 11.0.2's, flags, keycaps, skin
// tones and ZWJ sequences included; an emoji that defaults to text only with
// VS16, never with VS15) counts 2. Every other code point counts 1 in
// the light ranges of the configuration (U+0000–U+10FF, U+2000–U+200D,
// U+2010–U+201F, U+2032–U+2037) and 2 elsewhere. So Vietnamese letters with
// a hook or a dot below (precomposed U+1E00–U+1EFF) weigh 2, as CJK and
// Hangul do.
//
// The reference implementation is the npm package twitter-text 3.1.0
// (parseTweet); this package follows its JavaScript regular expressions
// term for term, over UTF-16 code units as JavaScript does, so its results
// agree with X's on hostile input too (TestOracle compares them on 3040
// generated texts). One deliberate difference: a text of blanks only is
// empty and invalid, as in twitter-text's Java port, which X's backend runs.
//
// It must not import any other Chancery package.
package xtext

import (
	"math"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// The parameters of twitter-text config/v3.json.
const (
	// MaxWeightedLength is the limit of a standard account; Premium accounts
	// get more, so callers take the limit from the channel's settings.
	MaxWeightedLength = 280
	// URLLength is what every URL counts, whatever its length (t.co).
	URLLength = 23
)

// WeightRange gives the code points from Start to End a weight, in units of
// the configuration's Scale.
type WeightRange struct {
	Start, End rune
	Weight     int
}

// Config is a twitter-text configuration (config/v1.json to v3.json).
type Config struct {
	// MaxWeightedLength is the longest valid weighted length.
	MaxWeightedLength int
	// Scale divides every weight.
	Scale int
	// DefaultWeight is the weight of a code point outside Ranges, and of
	// an emoji sequence.
	DefaultWeight int
	// URLLength is what a URL counts, in characters.
	URLLength int
	// EmojiParsing counts an emoji sequence as one character.
	EmojiParsing bool
	// Ranges are the code points with their own weight.
	Ranges []WeightRange
}

var lightRanges = []WeightRange{
	{0, 4351, 100},
	{8192, 8205, 100},
	{8208, 8223, 100},
	{8242, 8247, 100},
}

// The configurations twitter-text ships. X counts posts with ConfigV3.
var (
	// ConfigV1 counts every code point 1, with a limit of 140.
	ConfigV1 = Config{MaxWeightedLength: 140, Scale: 1, DefaultWeight: 1, URLLength: URLLength}
	// ConfigV2 weighs code points by range, with a limit of 280.
	ConfigV2 = Config{MaxWeightedLength: 280, Scale: 100, DefaultWeight: 200, URLLength: URLLength, Ranges: lightRanges}
	// ConfigV3 is ConfigV2 with emoji sequences counted as one character.
	ConfigV3 = Config{MaxWeightedLength: MaxWeightedLength, Scale: 100, DefaultWeight: 200, URLLength: URLLength, EmojiParsing: true, Ranges: lightRanges}
)

// Result is the outcome of Parse, twitter-text's parseTweet.
type Result struct {
	// Weighted is the weighted length X compares with the limit.
	Weighted int
	// Valid is true when the text has more than blanks, is within the
	// limit, and is free of the characters X refuses (U+FFFE, U+FEFF,
	// U+FFFF).
	Valid bool
	// Permillage is the weighted length in thousandths of the limit.
	Permillage int
	// DisplayStart and DisplayEnd are the first and last UTF-16 index of
	// the text as given; ValidStart and ValidEnd those of the part within
	// the limit (both ends inclusive, as upstream).
	DisplayStart, DisplayEnd int
	ValidStart, ValidEnd     int
}

// Count returns the weighted length of text.
func Count(text string) int { return Parse(text, MaxWeightedLength).Weighted }

// Parse counts text as X does and checks it against max, the account's
// limit.
func Parse(text string, max int) Result {
	cfg := ConfigV3
	cfg.MaxWeightedLength = max
	return ParseConfig(text, cfg)
}

// ParseConfig is twitter-text's parseTweet(text, cfg). A text of nothing but
// blanks and control characters is empty and invalid, as in twitter-text's
// Java implementation, which X's backend runs.
func ParseConfig(text string, cfg Config) Result {
	if blank(text) {
		return Result{}
	}
	units := utf16.Encode([]rune(norm.NFC.String(text)))

	// Upstream walks the text in UTF-16 code units, so this does too.
	// A link is skipped by the length of its text (see urlSpan).
	urlEnd := map[int]int{}
	for _, u := range extractURLs(unitRunes(units)) {
		urlEnd[u.start] = u.start + len(u.text)
	}
	emojiEnd := map[int]int{}
	if cfg.EmojiParsing {
		for _, e := range emojiSpans(units) {
			emojiEnd[e.start] = e.end
		}
	}

	limit := cfg.MaxWeightedLength * cfg.Scale
	total := 0
	valid := true
	validEnd := 0 // the last UTF-16 index within the limit
	for i := 0; i < len(units); i++ {
		if end, ok := urlEnd[i]; ok {
			total += cfg.URLLength * cfg.Scale
			i = end - 1
		} else if end, ok := emojiEnd[i]; ok {
			total += cfg.DefaultWeight
			i = end - 1
		} else {
			// A surrogate pair weighs what its second unit weighs.
			if utf16.IsSurrogate(rune(units[i])) && i+1 < len(units) && units[i] < 0xDC00 && units[i+1] >= 0xDC00 && units[i+1] <= 0xDFFF {
				i++
			}
			total += cfg.weight(rune(units[i]))
		}
		valid = valid && !invalidChars(rune(units[i]))
		if valid && total <= limit {
			validEnd = i
		}
	}
	weighted := float64(total) / float64(cfg.Scale)
	textLen := len(utf16.Encode([]rune(text)))
	return Result{
		Weighted:   total / cfg.Scale,
		Valid:      valid && total > 0 && total <= limit,
		Permillage: int(math.Floor(weighted / float64(cfg.MaxWeightedLength) * 1000)),
		ValidEnd:   validEnd + textLen - len(units),
		DisplayEnd: max(textLen-1, 0),
	}
}

// blank reports whether text is empty for Java's String.trim: nothing but
// code points up to U+0020.
func blank(text string) bool {
	for _, r := range text {
		if r > ' ' {
			return false
		}
	}
	return true
}

// weight is upstream's getCharacterWeight of one UTF-16 code unit.
func (cfg Config) weight(u rune) int {
	for _, wr := range cfg.Ranges {
		if u >= wr.Start && u <= wr.End {
			return wr.Weight
		}
	}
	return cfg.DefaultWeight
}

// URL is a link twitter-text's extractor finds in a text.
type URL struct {
	// Text is the link as X reports it. It is the text from Start to End,
	// except for a host without a scheme whose ASCII part is followed by
	// labels in another script ("Å.中国.پاکستان/a"): X keeps the ASCII
	// host and the path ("Å.中国/a").
	Text string
	// Start and End are the link's byte offsets in the text.
	Start, End int
}

// ExtractURLs returns the links X finds in text, in order: twitter-text's
// extractUrlsWithIndices, including hosts without a scheme. The text is
// taken as it is; Parse and ReplaceURLs normalise it first.
func ExtractURLs(text string) []URL {
	units := utf16.Encode([]rune(text))
	spans := extractURLs(unitRunes(units))
	if len(spans) == 0 {
		return nil
	}
	// The byte offset of every UTF-16 offset; inside a surrogate pair, of
	// the code point's start.
	offset := make([]int, len(units)+1)
	u := 0
	for i, r := range text {
		offset[u] = i
		if utf16.RuneLen(r) == 2 {
			offset[u+1] = i
		}
		u += utf16.RuneLen(r)
	}
	offset[len(units)] = len(text)
	out := make([]URL, len(spans))
	for i, s := range spans {
		out[i] = URL{Text: string(utf16.Decode(runesToUnits(s.text))), Start: offset[s.start], End: offset[s.end]}
	}
	return out
}

// unitRunes gives each UTF-16 code unit a rune of its own, the form the URL
// matcher works on.
func unitRunes(units []uint16) []rune {
	out := make([]rune, len(units))
	for i, u := range units {
		out[i] = rune(u)
	}
	return out
}

func runesToUnits(rs []rune) []uint16 {
	out := make([]uint16, len(rs))
	for i, r := range rs {
		out[i] = uint16(r)
	}
	return out
}

// ReplaceURLs returns text, NFC-normalised, with every URL X counts
// replaced by with. Reconciliation uses it to compare a post with what X
// returns, where links have become t.co addresses.
func ReplaceURLs(text, with string) string {
	text = norm.NFC.String(text)
	var b strings.Builder
	last := 0
	for _, u := range ExtractURLs(text) {
		b.WriteString(text[last:u.Start])
		b.WriteString(with)
		last = u.End
	}
	b.WriteString(text[last:])
	return b.String()
}
