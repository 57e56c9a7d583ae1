package xtext

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"
)

// TestEmojiTextPresentationIsExact shows that emojiSpans' handling of VS15
// gives what upstream's lookahead gives. Upstream, a base of the "may be
// followed by U+FE0F but cannot be followed by U+FE0E" alternatives,
// followed by U+FE0E, fails there and the engine tries the remaining
// alternatives; emojiSpans instead gives up at that position. The two agree
// if no other alternative matches there, which this test checks for every
// such code point, with the lookahead's way out removed.
func TestEmojiTextPresentationIsExact(t *testing.T) {
	strict := regexp.MustCompile(`^(?:` + strings.ReplaceAll(emojiPattern(), textPresentation, `\x{fe0f}`) + `)`)
	units := func(s string) string { return unitString(utf16.Encode([]rune(s))) }
	checked := 0
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if !emojiFirst()(unitRune(utf16.Encode([]rune{r})[0])) {
			continue
		}
		base := string(r)
		s := units(base + "\ufe0e")
		if loc := emojiRE().FindStringSubmatchIndex(s); loc == nil || !textPresented(loc) {
			continue
		}
		checked++
		for _, tail := range []string{"", "\u200d\u2640\ufe0f", "\U0001F3FB", "x"} {
			in := base + "\ufe0e" + tail
			if strict.MatchString(units(in)) {
				t.Errorf("%+q: another alternative matches at the start", in)
			}
			if got := emojiSpans(utf16.Encode([]rune(in))); len(got) != 0 && got[0].start == 0 {
				t.Errorf("emojiSpans(%+q) = %v, want no emoji at 0", in, got)
			}
		}
		n := len(utf16.Encode([]rune(base)))
		if got := emojiSpans(utf16.Encode([]rune(base + "\ufe0f"))); len(got) != 1 || got[0] != (span{0, n + 1}) {
			t.Errorf("emojiSpans(%+q) = %v, want one emoji with its VS16", base+"\ufe0f", got)
		}
		if got := emojiSpans(utf16.Encode([]rune(base))); len(got) != 1 || got[0] != (span{0, n}) {
			t.Errorf("emojiSpans(%+q) = %v, want one emoji", base, got)
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d code points: the table's layout changed", checked)
	}
	t.Logf("checked %d text-presentation bases", checked)
}

// TestEmojiTableRanges guards the translation to unit runes, which keeps
// the order of code units only within the BMP and within the surrogates: no
// range of the table may cross from one to the other.
func TestEmojiTableRanges(t *testing.T) {
	ranges := regexp.MustCompile(`\\u([0-9a-fA-F]{4})-\\u([0-9a-fA-F]{4})`).FindAllStringSubmatch(twemojiSource, -1)
	if len(ranges) < 50 {
		t.Fatalf("found %d ranges: the table's layout changed", len(ranges))
	}
	for _, m := range ranges {
		lo, _ := strconv.ParseUint(m[1], 16, 16)
		hi, _ := strconv.ParseUint(m[2], 16, 16)
		if surrogate := func(u uint64) bool { return u >= 0xD800 && u <= 0xDFFF }; surrogate(lo) != surrogate(hi) || lo > hi {
			t.Errorf("range %s crosses the surrogates", m[0])
		}
	}
}

// TestEmojiTableFirstUseConcurrent has many goroutines count emoji and
// URLs at once in a fresh process, so that the lazily built tables (emoji
// pattern, top-level domains, folded sets) are made under contention (run
// with -race): each must see the same, complete tables.
func TestEmojiTableFirstUseConcurrent(t *testing.T) {
	if os.Getenv("XTEXT_FIRST_USE") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEmojiTableFirstUseConcurrent$", "-test.count=1")
		cmd.Env = append(os.Environ(), "XTEXT_FIRST_USE=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	text := utf16.Encode([]rune("a 👩🏽‍🚀 b 🇻🇳 c ❤️ d"))
	want := []span{{2, 9}, {12, 16}, {19, 21}}
	// The URL's host ends in a top-level domain (the lazily built trie)
	// and its path in folded character sets (built lazily too): counted
	// as 23, the emoji as 2, the rest 1 each.
	post := "see https://example.com/Đường-path 👍"
	var wg sync.WaitGroup
	errs := make(chan string, 32)
	for range 16 {
		wg.Go(func() {
			if got := emojiSpans(text); !slices.Equal(got, want) {
				errs <- fmt.Sprint(got)
			}
		})
		wg.Go(func() {
			if got := Parse(post, MaxWeightedLength).Weighted; got != 4+23+1+2 {
				errs <- fmt.Sprintf("Parse(%q).Weighted = %d", post, got)
			}
		})
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("emojiSpans = %s, want %v", got, want)
	}
}
