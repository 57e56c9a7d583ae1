package xtext

import (
	"slices"
	"sync"
	"unicode"
	"unicode/utf16"
)

// The capture groups of the URL pattern, numbered for this package only.
const (
	capBefore   = iota // the character before the URL ($2 upstream)
	capURL             // the URL ($3)
	capProtocol        // "http://" or "https://" ($4)
	capDomain          // the host ($5)
	capPath            // the path ($7)
	capSlug            // a t.co slug
	numCaps
)

// Limits of twitter-text's extractUrlsWithIndices and lib/idna.js.
const (
	maxURLLength       = 4096 // UTF-16 code units, protocol included
	maxTcoSlugLength   = 40
	maxDNSLabelLength  = 63
	defaultProtocolLen = len("https://")
)

// The character classes of twitter-text/js/src/regexp, as sets of code
// units (a surrogate is in a set only if the set is negated).
var (
	invalidChars   = oneOf("\uFFFE\uFEFF\uFFFF")
	directionMarks = union(between(0x202A, 0x202E), oneOf("\u061C\u200E\u200F\u2066\u2067\u2068\u2069"))
	spaceChars     = union(between(0x09, 0x0D), oneOf("\x20\u0085\u00A0\u1680\u180E\u2028\u2029\u202F\u205F\u3000"), between(0x2000, 0x200A))
	// punct lacks '"' and '`' upstream, so both may appear in a host.
	punctChars = oneOf("!'#%&()*+,\\-./:;<=>?@[]^_{|}~$")
	// domainChars is validDomainChars: anything but punctuation, spaces,
	// the refused characters and direction marks.
	domainChars   = func(r rune) bool { return !punctChars(r) && !spaceChars(r) && !invalidChars(r) && !directionMarks(r) }
	asciiAlnum    = union(between('a', 'z'), between('A', 'Z'), between('0', '9'))
	digits        = between('0', '9')
	latinAccents  = union(between(0xC0, 0xD6), between(0xD8, 0xF6), between(0xF8, 0xFF), between(0x0100, 0x024F), oneOf("\u0253\u0254\u0256\u0257\u0259\u025B\u0263\u0268\u026F\u0272\u0289\u028B\u02BB"), between(0x0300, 0x036F), between(0x1E00, 0x1EFF))
	cyrillicChars = between(0x0400, 0x04FF)

	// precedingChars is the first branch of validUrlPrecedingChars.
	precedingChars = not(union(asciiAlnum, oneOf("@＠$#＃"), invalidChars))
	pathChars      = foldCase(union(between('a', 'z'), cyrillicChars, digits, oneOf("!*';:=+,.$/%#[]-\u2013_~@|&"), latinAccents))
	pathEndChars   = foldCase(union(oneOf("+-=_#/"), between('a', 'z'), cyrillicChars, digits, latinAccents))
	queryChars     = foldCase(union(between('a', 'z'), digits, oneOf("!?*'@();:&=+$/%#[]-_.,~|")))
	queryEndChars  = foldCase(union(between('a', 'z'), digits, oneOf("-_&=#/")))
	asciiHostChars = foldCase(union(oneOf("-"), between('a', 'z'), digits, latinAccents))
	slugChars      = foldCase(union(between('a', 'z'), digits))
	// noSchemeAfter is invalidUrlWithoutProtocolPrecedingChars.
	noSchemeAfter = oneOf("-_./")
	punycodeChars = foldCase(union(oneOf("-"), digits, between('a', 'z')))
)

// foldCase extends a set the way a JavaScript RegExp with the i flag does:
// r matches when its canonical form (its upper case, unless that leaves
// ASCII) is the canonical form of a member. Upstream's classes hold only
// BMP code points, and a surrogate pair never matches them.
//
// The set's bits are computed on first use: a pass over the BMP per set
// costs milliseconds, and the package builds a dozen of them at init, which
// every start of the server paid whether or not it counted a post.
func foldCase(set runeSet) runeSet {
	bits := sync.OnceValue(func() *[0x10000 / 64]uint64 {
		canon := map[rune]bool{}
		for r := rune(0); r < 0x10000; r++ {
			if set(r) {
				canon[jsCanonicalize(r)] = true
			}
		}
		var bits [0x10000 / 64]uint64
		for r := rune(0); r < 0x10000; r++ {
			if canon[jsCanonicalize(r)] {
				bits[r/64] |= 1 << (r % 64)
			}
		}
		return &bits
	})
	return func(r rune) bool { return r < 0x10000 && bits()[r/64]&(1<<(r%64)) != 0 }
}

// jsCanonicalize is ECMAScript's Canonicalize for a non-Unicode RegExp.
func jsCanonicalize(r rune) rune {
	u := unicode.ToUpper(r)
	if r >= 128 && u < 128 {
		return r
	}
	return u
}

// tldTrie finds the top-level domains that start at a position.
type tldTrie struct {
	next map[rune]*tldTrie
	// rank is the place of the domain ending here in upstream's
	// alternation (generic ones first, then country codes), or -1.
	rank int
}

func newTLDTrie(lists ...[]string) *tldTrie {
	root := &tldTrie{rank: -1}
	n := 0
	for _, list := range lists {
		for _, d := range list {
			t := root
			for _, r := range d {
				r = jsCanonicalize(r)
				c := t.next[r]
				if c == nil {
					c = &tldTrie{rank: -1}
					if t.next == nil {
						t.next = map[rune]*tldTrie{}
					}
					t.next[r] = c
				}
				t = c
			}
			if t.rank < 0 {
				t.rank = n
			}
			n++
		}
	}
	return root
}

// tldMatch is a top-level domain that may end a host.
type tldMatch struct{ rank, end int }

// matches appends to buf the domains that start at i and are followed by a
// character upstream's lookahead accepts, in upstream's order.
func (t *tldTrie) matches(text []rune, i int, buf []tldMatch) []tldMatch {
	buf = buf[:0]
	for j := i; j < len(text); j++ {
		t = t.next[jsCanonicalize(text[j])]
		if t == nil {
			break
		}
		if t.rank >= 0 && tldEnd(text, j+1) {
			buf = append(buf, tldMatch{t.rank, j + 1})
		}
	}
	// Few domains are prefixes of others: an insertion sort suffices.
	for a := 1; a < len(buf); a++ {
		for b := a; b > 0 && buf[b].rank < buf[b-1].rank; b-- {
			buf[b], buf[b-1] = buf[b-1], buf[b]
		}
	}
	return buf
}

// tldEnd reports whether a top-level domain may end before position j:
// upstream's lookahead (?=[^0-9a-zA-Z@+-]|$).
func tldEnd(text []rune, j int) bool {
	if j == len(text) {
		return true
	}
	r := text[j]
	return !asciiAlnum(r) && r != '@' && r != '+' && r != '-'
}

// tldNode returns the alternation (?:gTLD|ccTLD) of twitter-text over the
// trie that trie gives, each domain followed by the lookahead, tried in
// upstream's order.
func tldNode(trie func() *tldTrie) node {
	return func(m *machine, i int, k cont) bool {
		var buf [8]tldMatch
		for _, c := range trie().matches(m.text, i, buf[:0]) {
			if k(c.end) {
				return true
			}
		}
		return false
	}
}

// punycodeAt reports whether validPunycode (xn--[-0-9a-z]+) matches at i.
func punycodeAt(text []rune, i int) bool {
	if i+5 > len(text) {
		return false
	}
	for n, c := range "xn--" {
		if asciiLower(text[i+n]) != c {
			return false
		}
	}
	return punycodeChars(text[i+4])
}

var (
	// tlds is built on first use (3 MB of trie a server that never
	// counts a post for X should not hold).
	tlds = sync.OnceValue(func() *tldTrie { return newTLDTrie(genericTLDs, countryTLDs) })

	// tldOrPunycode is (?:validGTLD|validCCTLD|validPunycode).
	tldOrPunycode = alt(tldNode(tlds), seq(lit("xn--", true), plus(punycodeChars)))

	// balancedParens is validUrlBalancedParens: one nested level allowed.
	balancedParens = seq(lit("(", false), alt(
		plus(pathChars),
		seq(star(pathChars), lit("(", false), plus(pathChars), lit(")", false), star(pathChars)),
	), lit(")", false))

	// urlPath is validUrlPath.
	urlPath = alt(
		seq(star(pathChars), many(seq(balancedParens, star(pathChars))), alt(class(pathEndChars), balancedParens)),
		seq(lit("@", false), plus(pathChars), lit("/", false)),
	)

	// subdomain and domainName are validSubdomain and validDomainName.
	subdomain  = seq(opt(seq(class(domainChars), star(union(domainChars, oneOf("_-"))))), class(domainChars), lit(".", false))
	domainName = seq(opt(seq(class(domainChars), star(union(domainChars, oneOf("-"))))), class(domainChars), lit(".", false))

	// extractURL is twitter-text's extractUrl pattern (flags gi).
	extractURL = seq(
		capture(capBefore, alt(class(precedingChars), class(directionMarks), begin)),
		capture(capURL, seq(
			opt(capture(capProtocol, seq(lit("http", true), opt(lit("s", true)), lit("://", false)))),
			capture(capDomain, seq(many(subdomain), domainName, tldOrPunycode)),
			opt(seq(lit(":", false), plus(digits))),
			opt(capture(capPath, seq(lit("/", false), many(urlPath)))),
			opt(seq(lit("?", false), star(queryChars), class(queryEndChars))),
		)),
	)

	// asciiDomain is validAsciiDomain (flags gi).
	asciiDomain = seq(many1(seq(plus(asciiHostChars), lit(".", false))), tldOrPunycode)

	// tcoURL is validTcoUrl, anchored at the start of a URL.
	tcoURL = seq(lit("http", true), opt(lit("s", true)), lit("://t.co/", true), capture(capSlug, plus(slugChars)),
		opt(seq(lit("?", false), star(queryChars), class(queryEndChars))))
)

// find runs n on text from position from, like RegExp.prototype.exec with
// the g flag: it returns the first position where n matches, the end of the
// match and the capture groups. It skips the positions may refuses.
func find(n node, text []rune, from int, may func(s int) bool) (start, end int, m *machine, ok bool) {
	m = &machine{text: text}
	for s := from; s <= len(text); s++ {
		if may != nil && !may(s) {
			continue
		}
		for c := range m.caps {
			m.caps[c] = -1
		}
		if n(m, s, func(j int) bool { end = j; return true }) {
			return s, end, m, true
		}
	}
	return 0, 0, nil, false
}

// span is a place in a text, in UTF-16 code units.
type span struct{ start, end int }

// urlSpan is a link: its place, and its text as upstream reports it. The
// text is usually text[start:end], but for a host without a scheme whose
// ASCII part is followed by labels in another script, upstream keeps only
// the ASCII part and the path, and parseTweet skips only that many units.
type urlSpan struct {
	span
	text []rune
}

// extractURLs is twitter-text's extractUrlsWithIndices with its default
// options (URLs without a protocol included). Like upstream it works on
// UTF-16 code units, given one per rune: a link may start after the first
// half of a surrogate pair, which counts as a character before it.
func extractURLs(text []rune) []urlSpan { return extractURLsIndexed(text, true) }

// extractURLsIndexed is extractURLs; with indexed false it tries the
// pattern at every position, which FuzzCount compares with the indexed
// search.
func extractURLsIndexed(text []rune, indexed bool) []urlSpan {
	if !containsRune(text, '.') {
		return nil
	}
	hosts := domainStarts(text)
	may := func(s int) bool { return urlMayStart(text, hosts, s) }
	if !indexed {
		may = nil
	}
	var out []urlSpan
	for from := 0; from < len(text); {
		_, end, m, ok := find(extractURL, text, from, may)
		if !ok {
			break
		}
		from = end // never the same position: a host is never empty
		cs := func(c int) []rune {
			if m.caps[2*c] < 0 {
				return nil
			}
			return text[m.caps[2*c]:m.caps[2*c+1]]
		}
		before, url, protocol, domain := cs(capBefore), cs(capURL), cs(capProtocol), cs(capDomain)
		hasPath := m.caps[2*capPath] >= 0 && m.caps[2*capPath+1] > m.caps[2*capPath]
		urlStart := m.caps[2*capURL]
		protoLen := defaultProtocolLen
		if protocol != nil {
			protoLen = len(protocol)
		}
		if !validHost(domain) || protoLen+len(url) > maxURLLength {
			continue
		}
		if protocol == nil {
			if len(before) == 1 && noSchemeAfter(before[0]) {
				continue
			}
			// Only the ASCII-only hosts inside the match are links; the
			// last of them takes the path.
			domStart := m.caps[2*capDomain]
			last := -1
			asciiEnd := 0
			asciiHosts := asciiDomainStarts(domain)
			mayASCII := func(s int) bool { return asciiHosts[s] }
			if !indexed {
				mayASCII = nil
			}
			for from := 0; from < len(domain); {
				ms, me, _, ok := find(asciiDomain, domain, from, mayASCII)
				if !ok {
					break
				}
				from = me
				// Upstream locates the match with indexOf from the end of
				// the previous one.
				s := indexRunes(domain, domain[ms:me], asciiEnd)
				asciiEnd = s + me - ms
				out = append(out, urlSpan{span{domStart + s, domStart + asciiEnd}, domain[s:asciiEnd]})
				last = len(out) - 1
			}
			if last < 0 {
				continue
			}
			if hasPath {
				// url.replace(domain, asciiDomain): the ASCII host and
				// whatever follows the whole host.
				out[last].text = append(slices.Clip(out[last].text), url[len(domain):]...)
				out[last].end = end
			}
			continue
		}
		// A t.co link takes no more than its slug and query.
		tm := &machine{text: url}
		for c := range tm.caps {
			tm.caps[c] = -1
		}
		var tEnd int
		if tcoURL(tm, 0, func(j int) bool { tEnd = j; return true }) {
			if tm.caps[2*capSlug+1]-tm.caps[2*capSlug] > maxTcoSlugLength {
				continue
			}
			end = urlStart + tEnd
		}
		out = append(out, urlSpan{span{urlStart, end}, text[urlStart:end]})
	}
	return out
}

// validHost is isValidUrl's host check (lib/idna.js toAscii): a host that
// starts with "xn--" must hold an ASCII host, and every label, once
// punycode-encoded, must be 1 to 63 characters long.
func validHost(domain []rune) bool {
	if len(domain) >= 4 && string(domain[:4]) == "xn--" {
		if !slices.Contains(asciiDomainStarts(domain), true) {
			return false
		}
	}
	for _, label := range splitRunes(domain, func(r rune) bool { return r == '.' }) {
		if n := punycodeToASCIILen(label); n < 1 || n > maxDNSLabelLength {
			return false
		}
	}
	return true
}

// punycodeToASCIILen is the length of punycode.js 1.4.1's toASCII(label):
// it splits again at the ideographic and full-width full stops and encodes
// every piece holding a character outside printable ASCII. It returns -1
// when the encoding overflows, where punycode.js throws.
func punycodeToASCIILen(label []rune) int {
	pieces := splitRunes(label, func(r rune) bool { return r == '.' || r == 0x3002 || r == 0xFF0E || r == 0xFF61 })
	n := len(pieces) - 1 // the dots that join them
	for _, p := range pieces {
		ascii := true
		for _, r := range p {
			if r < 0x20 || r > 0x7E {
				ascii = false
				break
			}
		}
		if ascii {
			n += len(p)
			continue
		}
		cps := ucs2Decode(p)
		if len(cps) > maxDNSLabelLength {
			// Every code point encodes to at least one character: too
			// long, whatever the encoding (which is quadratic in the
			// label's length).
			return len("xn--") + len(cps)
		}
		enc, ok := punycodeEncode(cps)
		if !ok {
			return -1
		}
		n += len("xn--") + len(enc)
	}
	return n
}

// ucs2Decode is punycode.js's ucs2decode: it joins surrogate pairs into
// code points and keeps a lone surrogate as it is.
func ucs2Decode(units []rune) []rune {
	out := make([]rune, 0, len(units))
	for i := 0; i < len(units); i++ {
		u := units[i]
		if u >= 0xD800 && u <= 0xDBFF && i+1 < len(units) && units[i+1] >= 0xDC00 && units[i+1] <= 0xDFFF {
			out = append(out, utf16.DecodeRune(u, units[i+1]))
			i++
			continue
		}
		out = append(out, u)
	}
	return out
}

// punycodeEncode is RFC 3492's encoding, as punycode.js implements it
// (case kept, no mapping).
func punycodeEncode(input []rune) (string, bool) {
	const (
		base, tMin, tMax, skew, damp = 36, 1, 26, 38, 700
		initialBias, initialN        = 72, 128
		maxInt                       = 1<<31 - 1
	)
	var out []byte
	for _, r := range input {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	digit := func(d int) byte {
		if d < 26 {
			return byte('a' + d)
		}
		return byte('0' + d - 26)
	}
	adapt := func(delta, numPoints int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / numPoints
		k := 0
		for delta > ((base-tMin)*tMax)/2 {
			delta /= base - tMin
			k += base
		}
		return k + (base-tMin+1)*delta/(delta+skew)
	}
	n, delta, bias := initialN, 0, initialBias
	for h < len(input) {
		m := maxInt
		for _, r := range input {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		if m-n > (maxInt-delta)/(h+1) {
			return "", false
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range input {
			if int(r) < n {
				delta++
				if delta > maxInt {
					return "", false
				}
			}
			if int(r) == n {
				q := delta
				for k := base; ; k += base {
					t := k - bias
					if t < tMin {
						t = tMin
					} else if t > tMax {
						t = tMax
					}
					if q < t {
						break
					}
					out = append(out, digit(t+(q-t)%(base-t)))
					q = (q - t) / (base - t)
				}
				out = append(out, digit(q))
				bias = adapt(delta, h+1, h == b)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out), true
}

func containsRune(text []rune, r rune) bool {
	for _, c := range text {
		if c == r {
			return true
		}
	}
	return false
}

// indexRunes is String.prototype.indexOf.
func indexRunes(text, sub []rune, from int) int {
	for i := from; i+len(sub) <= len(text); i++ {
		if string(text[i:i+len(sub)]) == string(sub) {
			return i
		}
	}
	return -1
}

// splitRunes is String.prototype.split at every separator sep accepts.
func splitRunes(text []rune, sep func(rune) bool) [][]rune {
	var out [][]rune
	last := 0
	for i, r := range text {
		if sep(r) {
			out = append(out, text[last:i])
			last = i + 1
		}
	}
	return append(out, text[last:])
}
