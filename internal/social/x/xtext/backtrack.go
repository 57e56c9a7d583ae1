package xtext

// This file holds a small backtracking matcher over UTF-16 code units, one
// per rune, as JavaScript's RegExp sees a string without the u flag. Go's RE2
// engine has neither lookahead nor backtracking, and twitter-text's URL
// pattern needs both: which top-level domain ends a host depends on the
// character after it, and the host, path and query groups give characters
// back to each other exactly as a JavaScript RegExp does. Writing the pattern
// with these combinators keeps it term for term the same as
// twitter-text/js/src/regexp/extractUrl.js, so its results agree with X's
// on every input, not only on the inputs someone thought to test.

// cont is the rest of a match: it is called with the position a node
// reached and reports whether the whole pattern then matched.
type cont func(j int) bool

// node matches at position i of m.text and calls k for every way it can
// end, most preferred first, stopping when k reports success.
type node func(m *machine, i int, k cont) bool

// machine is the state of one match attempt.
type machine struct {
	text []rune
	// caps holds the start and end of each capture group, -1 when unset.
	caps [2 * numCaps]int
}

// runeSet reports whether a code unit belongs to a character class.
type runeSet func(r rune) bool

// class matches one code unit of set.
func class(set runeSet) node {
	return func(m *machine, i int, k cont) bool {
		return i < len(m.text) && set(m.text[i]) && k(i+1)
	}
}

// star matches set greedily any number of times, then gives code units
// back one at a time.
func star(set runeSet) node {
	return func(m *machine, i int, k cont) bool {
		j := i
		for j < len(m.text) && set(m.text[j]) {
			j++
		}
		for ; j >= i; j-- {
			if k(j) {
				return true
			}
		}
		return false
	}
}

// plus is star with at least one code unit.
func plus(set runeSet) node {
	return func(m *machine, i int, k cont) bool {
		j := i
		for j < len(m.text) && set(m.text[j]) {
			j++
		}
		for ; j > i; j-- {
			if k(j) {
				return true
			}
		}
		return false
	}
}

// lit matches s, ignoring ASCII case when fold is set.
func lit(s string, fold bool) node {
	want := []rune(s)
	return func(m *machine, i int, k cont) bool {
		if i+len(want) > len(m.text) {
			return false
		}
		for n, w := range want {
			r := m.text[i+n]
			if fold {
				r, w = asciiLower(r), asciiLower(w)
			}
			if r != w {
				return false
			}
		}
		return k(i + len(want))
	}
}

// seq matches its nodes one after another.
func seq(nodes ...node) node {
	switch len(nodes) {
	case 0:
		return func(m *machine, i int, k cont) bool { return k(i) }
	case 1:
		return nodes[0]
	}
	head, tail := nodes[0], seq(nodes[1:]...)
	return func(m *machine, i int, k cont) bool {
		return head(m, i, func(j int) bool { return tail(m, j, k) })
	}
}

// alt tries its nodes in order.
func alt(nodes ...node) node {
	return func(m *machine, i int, k cont) bool {
		for _, n := range nodes {
			if n(m, i, k) {
				return true
			}
		}
		return false
	}
}

// opt matches n or nothing, preferring n (a greedy "?").
func opt(n node) node {
	return func(m *machine, i int, k cont) bool {
		return n(m, i, k) || k(i)
	}
}

// many matches n greedily any number of times (a greedy "*" over a group).
// As in JavaScript, an iteration that matches nothing ends the repetition.
func many(n node) node {
	var self node
	self = func(m *machine, i int, k cont) bool {
		return n(m, i, func(j int) bool { return j != i && self(m, j, k) }) || k(i)
	}
	return self
}

// many1 matches n at least once, greedily.
func many1(n node) node {
	rest := many(n)
	return seq(n, rest)
}

// capture records where n matched in capture group c, and forgets it again
// when the rest of the pattern fails.
func capture(c int, n node) node {
	return func(m *machine, i int, k cont) bool {
		return n(m, i, func(j int) bool {
			s, e := m.caps[2*c], m.caps[2*c+1]
			m.caps[2*c], m.caps[2*c+1] = i, j
			if k(j) {
				return true
			}
			m.caps[2*c], m.caps[2*c+1] = s, e
			return false
		})
	}
}

// begin matches the start of the text (JavaScript's ^ without the m flag).
func begin(m *machine, i int, k cont) bool { return i == 0 && k(i) }

// asciiLower lowers A–Z only: JavaScript's case-insensitive matching never
// maps a character outside ASCII onto one inside it.
func asciiLower(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// oneOf returns the set of the code points in s.
func oneOf(s string) runeSet {
	var ascii [128]bool
	m := map[rune]bool{}
	for _, r := range s {
		if r < 128 {
			ascii[r] = true
		} else {
			m[r] = true
		}
	}
	return func(r rune) bool {
		if r >= 0 && r < 128 {
			return ascii[r]
		}
		return len(m) > 0 && m[r]
	}
}

// not returns the complement of set.
func not(set runeSet) runeSet { return func(r rune) bool { return !set(r) } }

// union returns the set of code points in any of sets.
func union(sets ...runeSet) runeSet {
	return func(r rune) bool {
		for _, s := range sets {
			if s(r) {
				return true
			}
		}
		return false
	}
}

// between returns the set of code points from lo to hi.
func between(lo, hi rune) runeSet {
	return func(r rune) bool { return r >= lo && r <= hi }
}
