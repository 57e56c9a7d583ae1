package xtext

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// textPresentation replaces upstream's (?:\x{fe0f}|(?!\x{fe0e})): an emoji
// that defaults to text, followed by VS16 or by nothing special, is an
// emoji; followed by VS15 (U+FE0E) it is text. RE2 has no lookahead, so the
// VS15 is matched into a group and emojiSpans drops such a match.
// TestEmojiTextPresentationIsExact shows that no other alternative could
// have matched there instead.
const textPresentation = `(?:\x{fe0f}|(\x{fe0e})|)`

// emojiPattern is twitter-text's emoji table as an RE2 pattern.
var emojiPattern = strings.ReplaceAll(strings.Join(emojiParts, ""), "{notFE0E}", textPresentation)

// emojiRE is the table anchored at the start. Go's regexp picks among
// alternatives as a backtracking engine does (leftmost-first), so the match
// is the one Java's and JavaScript's engines find.
var emojiRE = regexp.MustCompile(`^(?:` + emojiPattern + `)`)

// emojiFirst holds the code points an emoji sequence can start with. Trying
// the table only there is what an unanchored search does, without running
// the large automaton over every character of the text.
var emojiFirst = firstRunes(emojiPattern)

// emojiSpans returns the emoji sequences of text in code point offsets,
// scanning as RegExp.prototype.exec with the g flag does.
func emojiSpans(text string) []span {
	var out []span
	at := 0 // code points before pos
	for pos := 0; pos < len(text); {
		r, size := utf8.DecodeRuneInString(text[pos:])
		if !emojiFirst(r) {
			pos += size
			at++
			continue
		}
		loc := emojiRE.FindStringSubmatchIndex(text[pos:])
		if loc == nil || textPresented(loc) {
			// No emoji starts here; look again from the next code point.
			pos += size
			at++
			continue
		}
		n := utf8.RuneCountInString(text[pos : pos+loc[1]])
		out = append(out, span{at, at + n})
		at += n
		pos += loc[1]
	}
	return out
}

// firstRunes returns the set of code points a match of the RE2 pattern can
// start with. It panics if the pattern can match the empty string, which
// would make every position a start.
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

// first appends to ranges the code points re can start with and reports
// whether re can match the empty string.
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
	case syntax.OpCapture:
		return first(re.Sub[0], ranges)
	case syntax.OpStar, syntax.OpQuest:
		first(re.Sub[0], ranges)
		return true
	case syntax.OpPlus:
		return first(re.Sub[0], ranges)
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

// textPresented reports whether a match went through a VS15 group.
func textPresented(loc []int) bool {
	for g := 2; g < len(loc); g += 2 {
		if loc[g] >= 0 {
			return true
		}
	}
	return false
}
