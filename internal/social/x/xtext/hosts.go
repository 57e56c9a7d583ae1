package xtext

// The URL pattern is tried at every position of a text, and from each one
// the host part may scan far to the right before it fails: on a long run of
// labels without a top-level domain that is quadratic, seconds for a
// 4000-character post. The indexes here say in one right-to-left pass where
// a host can match at all, so the matcher runs only where it will succeed.
// They decide exactly the same question as the pattern, because a label
// can end only at the first '.' after it: at most one way to split a host
// into labels exists.

// tldOrPunycodeAt reports whether (?:validGTLD|validCCTLD|validPunycode)
// matches at j.
func tldOrPunycodeAt(text []rune, j int) bool {
	if j >= len(text) {
		return false
	}
	var buf [8]tldMatch
	return len(tlds().matches(text, j, buf[:0])) > 0 || punycodeAt(text, j)
}

// domainStarts returns, for each position of text, whether validDomain
// (validSubdomain* validDomainName TLD) matches there.
func domainStarts(text []rune) []bool {
	n := len(text)
	reach := make([]bool, n+1)
	// The first position at or after d that cannot be in a subdomain
	// label, and in a domain-name label (which refuses '_').
	nextNotSub, nextNotDom := n, n
	for d := n - 1; d >= 0; d-- {
		r := text[d]
		if !domainChars(r) {
			if r != '_' && r != '-' {
				nextNotSub = d
			}
			if r != '-' {
				nextNotDom = d
			}
			continue // a label starts with a domain character
		}
		// A label is followed by '.' and ends with a domain character.
		if q := nextNotDom; q < n && text[q] == '.' && domainChars(text[q-1]) && tldOrPunycodeAt(text, q+1) {
			reach[d] = true
			continue
		}
		if p := nextNotSub; p < n && text[p] == '.' && domainChars(text[p-1]) && reach[p+1] {
			reach[d] = true
		}
	}
	return reach
}

// asciiDomainStarts returns, for each position of text, whether
// validAsciiDomain ((?:[-a-z0-9À-ỿ]+\.)+ TLD) matches there.
func asciiDomainStarts(text []rune) []bool {
	n := len(text)
	reach := make([]bool, n+1)
	nextNot := n
	for d := n - 1; d >= 0; d-- {
		if !asciiHostChars(text[d]) {
			nextNot = d
			continue
		}
		if p := nextNot; p < n && text[p] == '.' && (tldOrPunycodeAt(text, p+1) || reach[p+1]) {
			reach[d] = true
		}
	}
	return reach
}

// protocolEnd returns the position after "http://" or "https://" (any
// case) at i, or -1.
func protocolEnd(text []rune, i int) int {
	for _, p := range []string{"https://", "http://"} {
		if i+len(p) > len(text) {
			continue
		}
		ok := true
		for n, c := range p {
			if asciiLower(text[i+n]) != c {
				ok = false
				break
			}
		}
		if ok {
			return i + len(p)
		}
	}
	return -1
}

// urlMayStart reports whether extractUrl can match at s, given the host
// index of text: the host starts after the preceding character (or at the
// start of the text), possibly after a protocol.
func urlMayStart(text []rune, hosts []bool, s int) bool {
	hostAt := func(i int) bool {
		if i < len(text) && hosts[i] {
			return true
		}
		j := protocolEnd(text, i)
		return j >= 0 && hosts[j]
	}
	return hostAt(s+1) || s == 0 && hostAt(0)
}
