package xtext

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
)

// TestEmojiTextPresentationIsExact shows that emojiSpans' handling of VS15
// gives what upstream's lookahead gives. Upstream, a character of the two
// "may be followed by U+FE0F but cannot be followed by U+FE0E" classes,
// followed by U+FE0E, fails its alternative and the engine tries the
// remaining ones; emojiSpans instead gives up at that position. The two agree
// if no other alternative matches there, which this test checks for every
// such character by removing the lookahead's escape hatch.
func TestEmojiTextPresentationIsExact(t *testing.T) {
	strict := regexp.MustCompile(strings.ReplaceAll(strings.Join(emojiParts, ""), "{notFE0E}", `\x{fe0f}`))
	var checked int
	for _, part := range emojiParts {
		i := strings.Index(part, "{notFE0E}")
		if i < 0 {
			continue
		}
		// The class right before the placeholder.
		open := strings.LastIndex(part[:i], "[")
		re, err := syntax.Parse(part[open:i], syntax.Perl)
		if err != nil || re.Op != syntax.OpCharClass {
			t.Fatalf("cannot read the class before {notFE0E} in %q: %v", part[open:i], err)
		}
		for k := 0; k < len(re.Rune); k += 2 {
			for r := re.Rune[k]; r <= re.Rune[k+1]; r++ {
				checked++
				base := string(r)
				for _, tail := range []string{"", "\u200d\u2640\ufe0f", "\U0001F3FB", "x"} {
					in := base + "\ufe0e" + tail
					if loc := strict.FindStringIndex(in); loc != nil && loc[0] == 0 {
						t.Errorf("%+q: another alternative matches %+q at the start", in, in[loc[0]:loc[1]])
					}
					if got := emojiSpans(in); len(got) != 0 && got[0].start == 0 {
						t.Errorf("emojiSpans(%+q) = %v, want no emoji at 0", in, got)
					}
				}
				if got := emojiSpans(base + "\ufe0f"); len(got) != 1 || got[0] != (span{0, 2}) {
					t.Errorf("emojiSpans(%+q) = %v, want one emoji of 2 code points", base+"\ufe0f", got)
				}
				if got := emojiSpans(base); len(got) != 1 || got[0] != (span{0, 1}) {
					t.Errorf("emojiSpans(%+q) = %v, want one emoji", base, got)
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("checked only %d characters: the table's layout changed", checked)
	}
}
