package xtext

import (
	"regexp"
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

// emojiRE is twitter-text's emoji table. Go's regexp picks among
// alternatives as a backtracking engine does (leftmost-first), so the match
// is the one Java's and JavaScript's engines find.
var emojiRE = regexp.MustCompile(strings.ReplaceAll(strings.Join(emojiParts, ""), "{notFE0E}", textPresentation))

// emojiSpans returns the emoji sequences of text in code point offsets.
func emojiSpans(text string) []span {
	var out []span
	runeAt := 0 // code points before pos
	pos := 0
	for pos < len(text) {
		loc := emojiRE.FindStringSubmatchIndex(text[pos:])
		if loc == nil {
			break
		}
		start, end := pos+loc[0], pos+loc[1]
		runeAt += utf8.RuneCountInString(text[pos:start])
		if textPresented(loc) {
			// No emoji starts here; look again from the next code point.
			_, n := utf8.DecodeRuneInString(text[start:])
			pos = start + n
			runeAt++
			continue
		}
		n := utf8.RuneCountInString(text[start:end])
		out = append(out, span{runeAt, runeAt + n})
		runeAt += n
		pos = end
	}
	return out
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
