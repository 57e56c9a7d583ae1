package xtext

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The emoji table is a JavaScript regular expression without the u flag:
// it matches UTF-16 code units, an astral emoji as a high surrogate
// followed by a class of low ones. To run it unchanged in Go, both the
// pattern and the text are written in "unit runes": every UTF-16 code unit
// becomes one rune, the BMP ones as themselves and the surrogates moved to
// plane 15 (which, being astral, never appears as a unit itself). Offsets
// in unit runes are then UTF-16 offsets, as upstream's are.

// unitRune maps a UTF-16 code unit to its unit rune.
func unitRune(u uint16) rune {
	if u >= 0xD800 && u <= 0xDFFF {
		return 0xF0000 + rune(u-0xD800)
	}
	return rune(u)
}

// textPresentation replaces upstream's (?:\ufe0f|(?!\ufe0e)): an emoji that
// defaults to text, followed by VS16 or by anything but VS15, is an emoji;
// followed by VS15 (U+FE0E) it is text. RE2 has no lookahead, so the VS15
// is matched into a group and emojiSpans drops such a match.
// TestEmojiTextPresentationIsExact shows that no other alternative could
// have matched there instead.
const textPresentation = `(?:\x{fe0f}|(\x{fe0e})|)`

// translateJS turns the JavaScript pattern into an RE2 one over unit runes:
// \uXXXX escapes become \x{...} of their unit rune, upstream's one capture
// group becomes a plain group, and the lookahead becomes textPresentation.
func translateJS(src string) string {
	const lookahead = `(?:\ufe0f|(?!\ufe0e))`
	var b strings.Builder
	for i := 0; i < len(src); {
		switch {
		case strings.HasPrefix(src[i:], lookahead):
			b.WriteString(textPresentation)
			i += len(lookahead)
		case strings.HasPrefix(src[i:], `\u`):
			u, err := strconv.ParseUint(src[i+2:i+6], 16, 16)
			if err != nil {
				panic(fmt.Sprintf("xtext: bad escape %q in the emoji table", src[i:i+6]))
			}
			fmt.Fprintf(&b, `\x{%x}`, unitRune(uint16(u)))
			i += 6
		case src[i] == '\\':
			b.WriteString(src[i : i+2])
			i += 2
		case src[i] == '(' && !strings.HasPrefix(src[i:], "(?"):
			b.WriteString("(?:")
			i++
		default:
			b.WriteByte(src[i])
			i++
		}
	}
	return b.String()
}

// emojiPattern is the emoji table in RE2 syntax over unit runes. It and
// the two values built from it are made on first use, not at package
// init: compiling the table costs tens of milliseconds and a megabyte
// that a server which never counts a post for X should not pay at start.
var emojiPattern = sync.OnceValue(func() string { return translateJS(twemojiSource) })

// emojiRE is the table anchored at the start. Go's regexp picks among
// alternatives as a backtracking engine does (leftmost-first), so the match
// is the one JavaScript's engine finds.
var emojiRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:` + emojiPattern() + `)`) })

// emojiFirst holds the unit runes an emoji sequence can start with. Trying
// the table only there is what an unanchored search does, without running
// the large automaton over every character of the text.
var emojiFirst = sync.OnceValue(func() runeSet { return firstRunes(emojiPattern()) })

// unitString writes UTF-16 code units as a string of unit runes.
func unitString(units []uint16) string {
	var b strings.Builder
	b.Grow(len(units) * 3)
	for _, u := range units {
		b.WriteRune(unitRune(u))
	}
	return b.String()
}

// emojiSpans returns the emoji sequences of a text given as UTF-16 code
// units, in UTF-16 offsets, scanning as twemoji-parser's parse does
// (RegExp.prototype.exec with the g flag).
func emojiSpans(units []uint16) []span {
	s := unitString(units)
	first, re := emojiFirst(), emojiRE()
	var out []span
	at := 0 // units before pos: every unit rune is one unit
	for pos := 0; pos < len(s); {
		r, size := utf8.DecodeRuneInString(s[pos:])
		if !first(r) {
			pos += size
			at++
			continue
		}
		loc := re.FindStringSubmatchIndex(s[pos:])
		if loc == nil || textPresented(loc) {
			// No emoji starts here; look again from the next unit.
			pos += size
			at++
			continue
		}
		n := utf8.RuneCountInString(s[pos : pos+loc[1]])
		out = append(out, span{at, at + n})
		at += n
		pos += loc[1]
	}
	return out
}

// textPresented reports whether a match went through a VS15 group, the
// only capture groups of emojiRE.
func textPresented(loc []int) bool {
	for g := 2; g < len(loc); g += 2 {
		if loc[g] >= 0 {
			return true
		}
	}
	return false
}

// firstRunes returns the set of runes a match of the RE2 pattern can start
// with. It panics if the pattern can match the empty string, which would
// make every position a start.
func firstRunes(pattern string) runeSet {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		panic(err)
	}
	var ranges []rune
	if first(re.Simplify(), &ranges) {
		panic("xtext: the emoji table matches the empty string")
	}
	set := map[rune]bool{}
	for i := 0; i < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			set[r] = true
		}
	}
	return func(r rune) bool { return set[r] }
}

// first appends to ranges the runes re can start with and reports whether
// re can match the empty string.
func first(re *syntax.Regexp, ranges *[]rune) (nullable bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return true
		}
		*ranges = append(*ranges, re.Rune[0], re.Rune[0])
		return false
	case syntax.OpCharClass:
		*ranges = append(*ranges, re.Rune...)
		return false
	case syntax.OpCapture, syntax.OpPlus:
		return first(re.Sub[0], ranges)
	case syntax.OpStar, syntax.OpQuest:
		first(re.Sub[0], ranges)
		return true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if first(sub, ranges) {
				nullable = true
			}
		}
		return nullable
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !first(sub, ranges) {
				return false
			}
		}
		return true
	case syntax.OpEmptyMatch:
		return true
	}
	panic(fmt.Sprintf("xtext: unexpected %v in the emoji table", re.Op))
}
