// Package textdiff compares two texts word by word, for people reading
// what changed between two versions of a statement. It splits each text
// into words, runs of spaces and single punctuation marks, finds a longest
// common subsequence of those tokens, and returns the runs kept, removed
// and added. Joining the kept and removed runs gives the old text back;
// the kept and added runs give the new one.
//
// It must not import any other Chancery package.
package textdiff

import (
	"unicode"
	"unicode/utf8"
)

// Op says what happened to a run of text.
type Op int

// The operations of a diff.
const (
	Equal Op = iota
	Delete
	Insert
)

// Chunk is a run of text with what happened to it.
type Chunk struct {
	Op   Op
	Text string
}

// maxCells bounds the comparison table (about 32 MB): texts whose changed
// middles have more token pairs than this are shown as removed and added
// whole, which is true, if coarse, rather than slow.
const maxCells = 8 << 20

// Words returns the chunks that turn a into b, word by word. Adjacent
// chunks never share an Op, and within a change the removed text comes
// before the added text.
func Words(a, b string) []Chunk {
	ta, tb := tokens(a), tokens(b)
	// Common ends are kept as they are, which leaves the table only the
	// part that changed.
	pre := 0
	for pre < len(ta) && pre < len(tb) && ta[pre] == tb[pre] {
		pre++
	}
	suf := 0
	for suf < len(ta)-pre && suf < len(tb)-pre && ta[len(ta)-1-suf] == tb[len(tb)-1-suf] {
		suf++
	}
	var out chunks
	for _, t := range ta[:pre] {
		out.add(Equal, t)
	}
	out.middle(ta[pre:len(ta)-suf], tb[pre:len(tb)-suf])
	for _, t := range ta[len(ta)-suf:] {
		out.add(Equal, t)
	}
	return cleanup(out.list)
}

// cleanup makes a change read as a whole: the spaces kept between two
// changed words join the change (so that "Đại sứ" replaced by "Đặc phái
// viên" reads as one removal and one addition, not as three pieces around
// matching spaces), and each run of changes becomes one removal followed
// by one addition.
func cleanup(cs []Chunk) []Chunk {
	var out chunks
	var del, ins string
	flush := func() {
		out.add(Delete, del)
		out.add(Insert, ins)
		del, ins = "", ""
	}
	for i, c := range cs {
		switch {
		case c.Op == Delete:
			del += c.Text
		case c.Op == Insert:
			ins += c.Text
		case i > 0 && i < len(cs)-1 && isSpace(c.Text) && cs[i+1].Op != Equal:
			del, ins = del+c.Text, ins+c.Text
		default:
			flush()
			out.add(Equal, c.Text)
		}
	}
	flush()
	return out.list
}

func isSpace(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return s != ""
}

// Changed reports whether the chunks hold any change.
func Changed(cs []Chunk) bool {
	for _, c := range cs {
		if c.Op != Equal {
			return true
		}
	}
	return false
}

type chunks struct{ list []Chunk }

// add appends text, merging it with the last chunk when the Op is the same.
func (c *chunks) add(op Op, text string) {
	if text == "" {
		return
	}
	if n := len(c.list); n > 0 && c.list[n-1].Op == op {
		c.list[n-1].Text += text
		return
	}
	c.list = append(c.list, Chunk{op, text})
}

// middle diffs the changed middles by a longest common subsequence.
func (c *chunks) middle(a, b []string) {
	n, m := len(a), len(b)
	if n == 0 || m == 0 || (n+1)*(m+1) > maxCells {
		c.change(a, b)
		return
	}
	// l[i][j] is the length of the LCS of a[i:] and b[j:].
	w := m + 1
	l := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				l[i*w+j] = l[(i+1)*w+j+1] + 1
			case l[(i+1)*w+j] >= l[i*w+j+1]:
				l[i*w+j] = l[(i+1)*w+j]
			default:
				l[i*w+j] = l[i*w+j+1]
			}
		}
	}
	var del, ins []string
	flush := func() {
		c.change(del, ins)
		del, ins = del[:0], ins[:0]
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			flush()
			c.add(Equal, a[i])
			i, j = i+1, j+1
		case l[(i+1)*w+j] >= l[i*w+j+1]:
			del = append(del, a[i])
			i++
		default:
			ins = append(ins, b[j])
			j++
		}
	}
	del, ins = append(del, a[i:]...), append(ins, b[j:]...)
	flush()
}

// change adds a removal then an addition.
func (c *chunks) change(del, ins []string) {
	for _, t := range del {
		c.add(Delete, t)
	}
	for _, t := range ins {
		c.add(Insert, t)
	}
}

// tokens splits s into words (letters, digits and marks, so that Vietnamese
// and Arabic words with their diacritics stay whole), runs of white space,
// and single other characters (punctuation, and each Chinese character). Invalid UTF-8 bytes are tokens of their own.
func tokens(s string) []string {
	var out []string
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		n := size
		if class(r) != other {
			k := class(r)
			for n < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[n:])
				if class(r2) != k || (r2 == utf8.RuneError && sz == 1) {
					break
				}
				n += sz
			}
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

const (
	other = iota
	word
	space
)

func class(r rune) int {
	switch {
	case r == utf8.RuneError, unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
		// Chinese and Japanese do not separate words: each character
		// is compared on its own.
		return other
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
		return word
	case unicode.IsSpace(r):
		return space
	}
	return other
}
