package xtext

import "unicode/utf16"

// This file is twitter-text's isValidUrl (js/src/isValidUrl.js with
// unicodeDomains true): whether a string on its own is an http(s) URL
// by RFC 3986's grammar, hosts in any script allowed. Counting does not
// use it; it answers "is this a link X accepts" for a URL a user types into
// a field by itself.

// Capture groups of validateUrlUnencoded.
const (
	vuScheme = iota
	vuAuthority
	vuPath
	vuQuery
	vuFragment
)

var (
	vuHex        = foldCase(union(digits, between('a', 'f')))
	vuUnreserved = class(foldCase(union(between('a', 'z'), cyrillicChars, digits, oneOf("-._~"))))
	vuPctEncoded = seq(lit("%", false), class(vuHex), class(vuHex))
	vuSubDelims  = class(oneOf("!$&'()*+,;="))
	vuPchar      = alt(vuUnreserved, vuPctEncoded, vuSubDelims, class(oneOf(":|@")))

	vuSchemeNode = seq(class(foldCase(between('a', 'z'))), star(foldCase(union(between('a', 'z'), digits, oneOf("+-.")))))
	vuPathNode   = many(seq(lit("/", false), many(vuPchar)))
	vuQueryNode  = many(alt(vuPchar, lit("/", false), lit("?", false)))
	vuUserinfo   = many(alt(vuUnreserved, vuPctEncoded, vuSubDelims, lit(":", false)))

	vuDecOctet = alt(
		class(digits),
		seq(class(between('1', '9')), class(digits)),
		seq(lit("1", false), class(digits), class(digits)),
		seq(lit("2", false), class(between('0', '4')), class(digits)),
		seq(lit("25", false), class(between('0', '5'))),
	)
	vuIPv4 = seq(vuDecOctet, lit(".", false), vuDecOctet, lit(".", false), vuDecOctet, lit(".", false), vuDecOctet)
	vuIPv6 = seq(lit("[", false), plus(foldCase(union(between('a', 'f'), digits, oneOf(":.")))), lit("]", false))

	// vuLabelChar is (?:[a-z0-9]|[^\u0000-\u007f]).
	vuLabelChar  = union(foldCase(union(between('a', 'z'), digits)), func(r rune) bool { return r > 0x7F })
	vuSubSegment = seq(class(vuLabelChar), opt(seq(star(union(vuLabelChar, oneOf("_-"))), class(vuLabelChar))))
	vuSegment    = seq(class(vuLabelChar), opt(seq(star(union(vuLabelChar, oneOf("-"))), class(vuLabelChar))))
	vuTLD        = seq(class(union(foldCase(between('a', 'z')), func(r rune) bool { return r > 0x7F })),
		opt(seq(star(union(vuLabelChar, oneOf("-"))), class(vuLabelChar))))
	vuDomain        = seq(many(seq(vuSubSegment, lit(".", false))), vuSegment, lit(".", false), vuTLD)
	vuPort          = seq(class(digits), opt(seq(class(digits), opt(seq(class(digits), opt(seq(class(digits), opt(class(digits)))))))))
	vuAuthorityNode = seq(opt(seq(vuUserinfo, lit("@", false))), alt(vuIPv4, vuIPv6, vuDomain), opt(seq(lit(":", false), vuPort)))

	// vuUnencoded is validateUrlUnencoded, which splits a URL into its
	// parts; "." in its fragment does not match line terminators.
	vuUnencoded = seq(
		begin,
		opt(seq(capture(vuScheme, plus(not(oneOf(":/?#")))), lit("://", false))),
		capture(vuAuthority, star(not(oneOf("/?#")))),
		capture(vuPath, star(func(r rune) bool { return r != '?' && r != '#' })),
		opt(seq(lit("?", false), capture(vuQuery, star(func(r rune) bool { return r != '#' })))),
		opt(seq(lit("#", false), capture(vuFragment, star(not(oneOf("\n\r\u2028\u2029")))))),
		end,
	)
)

// end matches the end of the text (JavaScript's $ without the m flag).
func end(m *machine, i int, k cont) bool { return i == len(m.text) && k(i) }

// ValidURL reports whether url is a valid http or https URL for X
// (twitter-text's isValidUrl(url, true, requireProtocol)). Without
// requireProtocol the scheme may be missing ("example.com/a").
func ValidURL(url string, requireProtocol bool) bool {
	// Upstream works on UTF-16 code units.
	text := unitRunes(utf16.Encode([]rune(url)))
	if len(text) == 0 {
		return false
	}
	m := &machine{text: text}
	for c := range m.caps {
		m.caps[c] = -1
	}
	if !vuUnencoded(m, 0, func(int) bool { return true }) {
		return false
	}
	part := func(c int) []rune {
		if m.caps[2*c] < 0 {
			return nil
		}
		return text[m.caps[2*c]:m.caps[2*c+1]]
	}
	scheme := part(vuScheme)
	if requireProtocol {
		s := string(scheme)
		if scheme == nil || !wholeMatch(vuSchemeNode, scheme) || !(equalFoldASCII(s, "http") || equalFoldASCII(s, "https")) {
			return false
		}
	}
	if !wholeMatch(vuPathNode, part(vuPath)) {
		return false
	}
	for _, c := range []int{vuQuery, vuFragment} {
		if p := part(c); len(p) > 0 && !wholeMatch(vuQueryNode, p) {
			return false
		}
	}
	return wholeMatch(vuAuthorityNode, part(vuAuthority))
}

// wholeMatch is upstream's isValidMatch: the first match of n in text, as
// String.prototype.match finds it, is the whole text.
func wholeMatch(n node, text []rune) bool {
	m := &machine{text: text}
	end := -1
	n(m, 0, func(j int) bool { end = j; return true })
	return end == len(text)
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		if asciiLower(rune(a[i])) != asciiLower(rune(b[i])) {
			return false
		}
	}
	return true
}
