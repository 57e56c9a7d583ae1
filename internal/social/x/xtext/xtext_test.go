package xtext

import (
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// longURL is the 78-code-point URL of the reference's vector.
var longURL = "https://www.example.gov.vn/very/long/" + strings.Repeat("x", 78-len("https://www.example.gov.vn/very/long/")-len(".html")) + ".html"

// TestVectors checks every vector of social-apis.md §2 (twitter-text@3.1.0
// parseTweet results): code points, weighted length and validity.
func TestVectors(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		codePoints int
		weighted   int
		valid      bool
	}{
		{"english", "The Ministry welcomes the agreement.", 36, 36, true},
		{"vietnamese", "Bộ Ngoại giao Việt Nam hoan nghênh thỏa thuận.", 46, 51, true},
		{"vietnamese light letters", "áàãăâđéèêíìĩóòõôơúùũưý", 22, 22, true},
		{"vietnamese U+1Exx letters", "ảạắằẳẵặấầẩẫậẻẽẹếềểễệỉịỏọốồổỗộớờởỡợủụứừửữựỳỷỹỵ", 45, 90, true},
		{"ệ x140", strings.Repeat("ệ", 140), 140, 280, true},
		{"ệ x141", strings.Repeat("ệ", 141), 141, 282, false},
		{"chinese", "外交部欢迎该协议。", 9, 18, true},
		{"中 x140", strings.Repeat("中", 140), 140, 280, true},
		{"中 x141", strings.Repeat("中", 141), 141, 282, false},
		{"hangul", "외교부", 3, 6, true},
		{"arabic", "ترحب الوزارة بالاتفاق", 21, 21, true},
		{"russian", "Министерство приветствует соглашение.", 37, 37, true},
		{"thai", "กระทรวงยินดีต้อนรับข้อตกลง", 26, 26, true},
		{"hindi", "मंत्रालय समझौते का स्वागत करता है।", 34, 34, true},
		{"punctuation", "“quoted” — dash …", 17, 18, true},
		{"flag", "🇻🇳", 2, 2, true},
		{"zwj family", "👨\u200d👩\u200d👧", 5, 2, true},
		{"keycap", "1\ufe0f\u20e3", 3, 2, true},
		{"skin tone", "👍🏽", 2, 2, true},
		{"long url", "see " + longURL, 82, 27, true},
		{"bare domain", "see example.gov.vn/press", 24, 27, true},
		{"two urls", "https://a.gov.vn https://b.gov.vn/x?y=1", 39, 47, true},
		{"nfd", "Vie\u0302\u0323t", 6, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := utf8.RuneCountInString(tt.in); n != tt.codePoints {
				t.Fatalf("the vector has %d code points, want %d: the test data is wrong", n, tt.codePoints)
			}
			got := Parse(tt.in, MaxWeightedLength)
			if got.Weighted != tt.weighted || got.Valid != tt.valid {
				t.Errorf("Parse(%q) = %+v, want weighted %d valid %v", tt.in, got, tt.weighted, tt.valid)
			}
			if c := Count(tt.in); c != tt.weighted {
				t.Errorf("Count = %d, want %d", c, tt.weighted)
			}
		})
	}
}

func TestURLs(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	label64 := strings.Repeat("a", 64)
	tests := []struct {
		in   string
		want int
	}{
		{"mofa.gov.vn", 23},                  // three labels, no path
		{"abc.vn", 23},                       // a bare name.cctld is a link for X (as t.co)
		{"t.co", 23},                         // the shortest one
		{"abc.vn/x", 23},                     // with a path too
		{"example.com", 23},                  // gTLD
		{"see https://x.com/a.", 4 + 23 + 1}, // the final full stop is not part of it
		{"(https://x.com/a)", 1 + 23 + 1},
		{"mail me@example.com", 8 + 11}, // an address is not a URL
		{"file.go", 7},                  // .go is no TLD
		{"e.g. this", 9},
		{"#tag.com", 8},
		{"foo.comm", 8},     // a TLD must end at a boundary
		{"foo.com-bar", 11}, // not even at a hyphen
		{"", 0},
		// Label lengths: 63 is the DNS limit, one more and X counts
		// every character.
		{"http://" + label63 + ".com", 23},
		{"http://" + label64 + ".com", 7 + 64 + 4},
		{label63 + ".vn", 23},
		{label64 + ".vn", 67},
		// Internationalised hosts count by their punycode form: 22 kana
		// encode to 62 characters with xn--, 23 to 65.
		{"http://" + strings.Repeat("あ", 10) + ".com", 23},
		// A host without a scheme is a link only through its "ASCII"
		// part, which for twitter-text includes Latin letters with
		// diacritics, Vietnamese ones among them; a CJK prefix is not.
		{"bộngoạigiao.vn", 23},
		{"外交部.vn", 3*2 + 3},
		{"http://bộngoạigiao.vn", 23},
		{"https://" + "ドメイン.テスト", 8 + 2*4 + 1 + 2*3}, // .テスト is not a TLD
		{"xn--ls8h.la", 23},
		// Next to CJK and right-to-left text a bare domain still ends at
		// its TLD.
		{"外交部mofa.gov.vn网站", 6 + 23 + 4},
		{"موقعmofa.gov.vnالرسمي", 4 + 23 + 6},
		{"\u2066mofa.gov.vn\u2069", 2 + 23 + 2},
		// A URL may not start right after a letter, a digit, @, $ or #.
		{"@mofa.gov.vn", 12},
		{"#mofa.gov.vn", 12},
		{"$mofa.gov.vn", 12},
		{"_mofa.gov.vn", 12},
	}
	for _, tt := range tests {
		if got := Count(tt.in); got != tt.want {
			t.Errorf("Count(%q) = %d, want %d (links %+v)", tt.in, got, tt.want, ExtractURLs(tt.in))
		}
	}
}

// TestEmoji checks emoji sequences around the edges of X's table: text
// presentation selectors, keycaps without VS16, lone regional indicators,
// and sequences the table does not hold, which count code point by code
// point.
func TestEmoji(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"emoji presentation", "\U0001F600", 2},
		{"default-emoji with VS16", "\u263A\uFE0F", 2},
		{"default-emoji alone", "\u263A", 2},
		{"default-emoji with VS15 is text", "\u263A\uFE0E", 2 + 2},
		{"copyright is text", "\u00A9", 1},
		{"copyright with VS16 is emoji", "\u00A9\uFE0F", 2},
		{"copyright with VS15", "\u00A9\uFE0E", 1 + 2},
		{"keycap without VS16", "1\u20E3", 2},
		{"keycap with VS16", "#\uFE0F\u20E3", 2},
		{"flag", "\U0001F1FB\U0001F1F3", 2},
		{"lone regional indicator", "\U0001F1FB", 2},
		{"skin tone", "\U0001F44D\U0001F3FD", 2},
		{"family", "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466", 2},
		{"subdivision flag", "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", 2},
		// A ZWJ sequence missing from X's table counts by its parts:
		// 2 + 1 (ZWJ, a light code point) + 2.
		{"sequence outside the table", "\U0001F408\u200D\U0001F4BB", 2 + 1 + 2},
		{"stray VS16", "a\uFE0F", 1 + 2},
		{"diversity base with VS15", "\u261D\uFE0E", 2 + 2},
		{"diversity base with tone", "\u261D\U0001F3FB", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Count(tt.in); got != tt.want {
				t.Errorf("Count(%+q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	for _, s := range []string{"", "   ", "a\ufeffb", "a\uffffb"} {
		if Parse(s, MaxWeightedLength).Valid {
			t.Errorf("Parse(%q) is valid", s)
		}
	}
	if !Parse(strings.Repeat("a", 4000), 4000).Valid || Parse(strings.Repeat("a", 4001), 4000).Valid {
		t.Error("a Premium limit of 4000 is not applied")
	}
}

// FuzzCount checks that counting never panics and keeps the properties
// twitter-text's parseTweet has by construction:
//   - counting the NFC form gives the same result;
//   - with ConfigV1 (every code point 1, no emoji) the count is the number
//     of code points outside the links plus 23 per link, so the links the
//     counter skips are exactly those ExtractURLs reports;
//   - skipping the positions where no host can start finds the same
//     links as trying the pattern everywhere;
//   - counting emoji sequences as one character (V3) never counts more
//     than counting their code points (V2);
//   - the ranges and the permillage follow from the count.
func FuzzCount(f *testing.F) {
	for _, s := range []string{"The Ministry", "Bộ Ngoại giao", "see example.gov.vn/press", "👨\u200d👩\u200d👧", "https://a.gov.vn https://b.gov.vn/x?y=1", "Vie\u0302\u0323t", "\xff\xfe", "http://", "a.b.c.d.vn:80/",
		"twitter.comこれは日本語です。example.com中国語t.co/abcde", "http://t.co/pbY2NfTZ's", "\u2066\u202Ahttp://foobar.پاکستان/\u202C\u2069", "☺\ufe0e©\ufe0f1⃣", "http://xn--ls8h.XN--ls8h.la/", "(((a.co/((b))", "a.co/" + strings.Repeat("(", 50)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidURL(s, true) && !ValidURL(s, false) {
			t.Fatalf("ValidURL(%q): valid with a required scheme but not without", s)
		}
		r := Parse(s, MaxWeightedLength)
		n := r.Weighted
		if n < 0 {
			t.Fatalf("Count(%q) = %d", s, n)
		}
		nfc := norm.NFC.String(s)
		if m := Count(nfc); m != n {
			t.Fatalf("Count(%q) = %d but Count(NFC) = %d", s, n, m)
		}
		if r.Valid && (n == 0 || n > MaxWeightedLength) {
			t.Fatalf("Parse(%q) = %+v: valid outside 1..280", s, r)
		}
		if r.Weighted == 0 {
			return // empty or blank: nothing else to compare
		}
		if want := int(math.Floor(float64(n) / MaxWeightedLength * 1000)); r.Permillage != want {
			t.Fatalf("Parse(%q).Permillage = %d, want %d", s, r.Permillage, want)
		}
		u16 := len(utf16.Encode([]rune(s)))
		if r.DisplayEnd != u16-1 || r.ValidEnd > r.DisplayEnd || r.ValidEnd < 0 {
			t.Fatalf("Parse(%q) ranges = %+v for %d UTF-16 units", s, r, u16)
		}

		links := ExtractURLs(nfc)
		want, last, plain := utf8.RuneCountInString(nfc), 0, true
		for _, u := range links {
			if u.Start < last || u.End <= u.Start {
				t.Fatalf("ExtractURLs(%q) = %+v: out of order", nfc, links)
			}
			last = u.End
			plain = plain && nfc[u.Start:u.End] == u.Text
			want += URLLength - utf8.RuneCountInString(nfc[u.Start:u.End])
		}
		// Where a link's text is its span (nearly always), ConfigV1
		// counts it 23 and every other code point 1.
		if v1 := ParseConfig(s, ConfigV1).Weighted; plain && v1 != want {
			t.Fatalf("ConfigV1 count of %q = %d, want %d from links %+v", s, v1, want, links)
		}
		if len(nfc) < 2000 {
			units := unitRunes(utf16.Encode([]rune(nfc)))
			fast, slow := extractURLsIndexed(units, true), extractURLsIndexed(units, false)
			same := len(fast) == len(slow)
			for i := 0; same && i < len(fast); i++ {
				same = fast[i].span == slow[i].span && slices.Equal(fast[i].text, slow[i].text)
			}
			if !same {
				t.Fatalf("links of %q: indexed search %v, plain search %v", nfc, fast, slow)
			}
		}
		if v2 := ParseConfig(s, ConfigV2).Weighted; n > v2 {
			t.Fatalf("Count(%q) = %d, more than without emoji (%d)", s, n, v2)
		}
	})
}

// TestReplaceURLs checks what reconciliation relies on: a post and the text
// X returns for it, where every link the counter saw has become a t.co
// link, reduce to the same string.
func TestReplaceURLs(t *testing.T) {
	tests := []struct{ sent, returned string }{
		{"Việt Nam & partners sign the accord: https://mofa.gov.vn/en/s/9", "Việt Nam & partners sign the accord: https://t.co/AbCdEfGh12"},
		{"Toàn văn tại baochinhphu.vn.", "Toàn văn tại https://t.co/z9Y8x7W6v5."},
		{"外交部mofa.gov.vn网站", "外交部https://t.co/0123456789网站"},
		{"(xem https://vi.wikipedia.org/wiki/Hà_Nội_(định_hướng))", "(xem https://t.co/QwErTy1234)"},
		{"file.go và e.g. không phải liên kết", "file.go và e.g. không phải liên kết"},
	}
	for _, tt := range tests {
		sent, returned := ReplaceURLs(tt.sent, "\x00"), ReplaceURLs(tt.returned, "\x00")
		if sent != returned {
			t.Errorf("ReplaceURLs(%q) = %q but ReplaceURLs(%q) = %q", tt.sent, sent, tt.returned, returned)
		}
	}
	if got := ReplaceURLs("Vie\u0302\u0323t Nam: t.co/x", "<link>"); got != "Việt Nam: <link>" {
		t.Errorf("ReplaceURLs normalises and replaces: got %q", got)
	}
}

func TestValidURL(t *testing.T) {
	tests := []struct {
		url             string
		requireProtocol bool
		want            bool
	}{
		{"https://mofa.gov.vn/vi/tin-tuc?id=1#top", true, true},
		{"https://bộngoạigiao.vn/", true, true},
		{"HTTPS://MOFA.GOV.VN", true, true},
		{"mofa.gov.vn/vi", true, false},
		{"mofa.gov.vn/vi", false, true},
		{"javascript:alert(1)", true, false},
		{"ftp://mofa.gov.vn/", true, false},
		{"https://mofa.gov.vn/a b", true, false},
		{"https://mofa.gov.vn/\n", true, false},
		{"https://user:pa%20ss@mofa.gov.vn:8443/x", true, true},
		{"https://mofa.gov.vn:123456/", true, false},
		{"https://-mofa.gov.vn/", true, false},
		{"https://[::1]/", true, true},
		{"", false, false},
	}
	for _, tt := range tests {
		if got := ValidURL(tt.url, tt.requireProtocol); got != tt.want {
			t.Errorf("ValidURL(%q, %v) = %v, want %v", tt.url, tt.requireProtocol, got, tt.want)
		}
	}
}
