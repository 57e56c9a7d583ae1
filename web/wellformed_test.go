package web

// The templates are checked for well-formed HTML before anything renders
// them: every element that is opened is closed, in order, in every branch
// of every {{if}}, {{with}} and {{range}}, so that a merge that loses a
// closing tag (as one lost the room page's </section> of the votes panel)
// fails here instead of in a browser test far from the cause.
//
// The check reads the templates' source through text/template/parse, so it
// needs no data and sees every branch, including those a page test never
// renders. Each {{define}} (and each file's top level) must leave the
// elements as it found them: the pages call their templates inside <main>,
// cells or lists, never to open an element that another template closes.

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"text/template/parse"
)

// voidElements have no end tag (HTML Living Standard, 13.1.2).
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// endOptional are elements whose end tag the templates omit where HTML
// allows it (<option> in a <datalist>): they are not tracked.
var endOptional = map[string]bool{"option": true}

// rawTextElements hold text up to their end tag, never markup.
var rawTextElements = map[string]bool{"script": true, "style": true, "textarea": true, "title": true}

// lexState is where the scanner is in the markup.
type lexState int

const (
	inData     lexState = iota
	inTagStart          // after "<" or "</"
	inTagName
	inTag // among the attributes
	inAttrValue
	inComment // <!-- … -->
	inDecl    // <!DOCTYPE …>
	inRawText
)

// open is an element that is open, and where.
type open struct {
	name string
	line int
}

// scan is the state of the scanner at one point of a template: where it is
// in the markup and which elements are open.
type scan struct {
	lex     lexState
	closing bool   // the tag being read is an end tag
	name    string // the tag name being read, lower case
	quote   byte   // the quote of the attribute value being read
	tail    string // the last characters, to find "-->" and raw text's end tag
	stack   []open
}

func (s scan) clone() scan {
	s.stack = slices.Clone(s.stack)
	return s
}

// same reports whether two scans are at the same point of the markup with
// the same elements open (wherever they were opened).
func (s scan) same(o scan) bool {
	if s.lex != o.lex || s.closing != o.closing || s.name != o.name || s.quote != o.quote || len(s.stack) != len(o.stack) {
		return false
	}
	for i := range s.stack {
		if s.stack[i].name != o.stack[i].name {
			return false
		}
	}
	return true
}

func (s scan) describe() string {
	var names []string
	for _, o := range s.stack {
		names = append(names, fmt.Sprintf("<%s> (line %d)", o.name, o.line))
	}
	where := map[lexState]string{inData: "text", inTagStart: "a tag's start", inTagName: "a tag name", inTag: "a tag",
		inAttrValue: "an attribute value", inComment: "a comment", inDecl: "a declaration", inRawText: "<" + s.name + ">'s text"}[s.lex]
	if len(names) == 0 {
		return "in " + where + " with no element open"
	}
	return "in " + where + " inside " + strings.Join(names, " ")
}

// checker walks one file's templates and collects what is wrong.
type checker struct {
	file string
	src  string
	errs []string
}

func (c *checker) line(pos parse.Pos) int { return 1 + strings.Count(c.src[:pos], "\n") }

func (c *checker) errorf(pos parse.Pos, format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf("%s:%d: %s", c.file, c.line(pos), fmt.Sprintf(format, args...)))
}

// text feeds markup to the scanner. pos is where text starts in the file.
func (c *checker) text(s scan, text string, pos parse.Pos) scan {
	for i := 0; i < len(text); i++ {
		ch := text[i]
		at := pos + parse.Pos(i)
		switch s.lex {
		case inData:
			if ch == '<' {
				s.lex, s.closing, s.name = inTagStart, false, ""
			}
		case inTagStart:
			switch {
			case ch == '/' && !s.closing:
				s.closing = true
			case ch == '!':
				s.lex, s.tail = inDecl, ""
			case isLetter(ch):
				s.lex, s.name = inTagName, string(lower(ch))
			default: // a "<" in text, such as "a < b"
				s.lex = inData
			}
		case inDecl:
			s.tail += string(ch)
			if s.tail == "--" {
				s.lex, s.tail = inComment, ""
			} else if ch == '>' {
				s.lex = inData
			}
		case inComment:
			s.tail = keepLast(s.tail+string(ch), 3)
			if s.tail == "-->" {
				s.lex, s.tail = inData, ""
			}
		case inTagName:
			switch {
			case isLetter(ch) || ch >= '0' && ch <= '9' || ch == '-' || ch == ':':
				s.name += string(lower(ch))
			case ch == '>':
				s = c.endTag(s, at, false)
			default:
				s.lex = inTag
				if ch == '/' {
					s.tail = "/"
				}
			}
		case inTag:
			switch ch {
			case '"', '\'':
				s.lex, s.quote = inAttrValue, ch
			case '>':
				s = c.endTag(s, at, s.tail == "/")
			case '/':
				s.tail = "/"
				continue
			}
			if ch != ' ' && ch != '\n' && ch != '\t' {
				s.tail = ""
			}
		case inAttrValue:
			if ch == s.quote {
				s.lex, s.quote = inTag, 0
			}
		case inRawText:
			s.tail = keepLast(s.tail+string(lower(ch)), len(s.name)+2)
			if s.tail == "</"+s.name {
				s.lex, s.closing = inTagName, true
			}
		}
	}
	return s
}

// endTag handles the ">" of a tag.
func (c *checker) endTag(s scan, at parse.Pos, selfClosed bool) scan {
	s.lex, s.tail = inData, ""
	name := s.name
	switch {
	case s.closing && endOptional[name]:
	case s.closing:
		if voidElements[name] {
			c.errorf(at, "</%s>: %s is a void element and has no end tag", name, name)
			break
		}
		if len(s.stack) == 0 {
			c.errorf(at, "</%s> closes an element that this template did not open", name)
			break
		}
		top := s.stack[len(s.stack)-1]
		if top.name != name {
			c.errorf(at, "</%s> closes <%s> opened at line %d: an end tag is missing or misplaced", name, top.name, top.line)
			// Recover as a parser would: close up to a matching element
			// if there is one, else ignore the end tag.
			for i := len(s.stack) - 1; i >= 0; i-- {
				if s.stack[i].name == name {
					s.stack = s.stack[:i]
					break
				}
			}
			break
		}
		s.stack = s.stack[:len(s.stack)-1]
	case voidElements[name] || selfClosed || endOptional[name]:
	default:
		s.stack = append(s.stack, open{name: name, line: c.line(at)})
		if rawTextElements[name] {
			s.lex, s.closing = inRawText, false
			return s // keeps the name, to find its end tag
		}
	}
	s.closing, s.name = false, ""
	return s
}

// action is a {{…}} that prints: its value takes no part in the markup
// (html/template escapes it), but it ends a tag name.
func (c *checker) action(s scan, pos parse.Pos) scan {
	switch s.lex {
	case inTagStart:
		c.errorf(pos, "a tag whose name is printed by an action cannot be checked")
		s.lex = inData
	case inTagName:
		c.errorf(pos, "a tag name that an action completes cannot be checked")
		s.lex = inTag
	}
	return s
}

// list walks the nodes of a list in order.
func (c *checker) list(s scan, l *parse.ListNode) scan {
	if l == nil {
		return s
	}
	for _, n := range l.Nodes {
		s = c.node(s, n)
	}
	return s
}

func (c *checker) node(s scan, n parse.Node) scan {
	if _, ok := n.(*parse.TextNode); !ok && s.lex == inTagName {
		// <option{{if .Selected}} selected{{end}}>: the name is complete.
		if _, ok := n.(*parse.ActionNode); !ok {
			s.lex = inTag
		}
	}
	switch n := n.(type) {
	case *parse.TextNode:
		return c.text(s, string(n.Text), n.Pos)
	case *parse.ActionNode:
		return c.action(s, n.Pos)
	case *parse.TemplateNode:
		// Each template is checked on its own and must be neutral.
		return c.action(s, n.Pos)
	case *parse.IfNode:
		return c.branches(s, "if", &n.BranchNode)
	case *parse.WithNode:
		return c.branches(s, "with", &n.BranchNode)
	case *parse.RangeNode:
		// The body runs any number of times: it must end where it began.
		body := c.list(s.clone(), n.List)
		if !body.same(s) {
			c.errorf(n.Pos, "{{range}} starts %s but its body ends %s", s.describe(), body.describe())
		}
		if n.ElseList != nil {
			other := c.list(s.clone(), n.ElseList)
			if !other.same(s) {
				c.errorf(n.Pos, "{{range}} starts %s but its {{else}} ends %s", s.describe(), other.describe())
			}
		}
		return s
	}
	return s // comments, break, continue
}

// branches walks both branches of an {{if}} or {{with}}, which must end at
// the same point of the markup with the same elements open.
func (c *checker) branches(s scan, kind string, b *parse.BranchNode) scan {
	then := c.list(s.clone(), b.List)
	other := c.list(s.clone(), b.ElseList)
	if !then.same(other) {
		c.errorf(b.Pos, "the branches of this {{%s}} disagree: one ends %s, the other %s", kind, then.describe(), other.describe())
	}
	return then
}

// checkTemplates parses one template file and checks each of its
// templates; it returns what is wrong, one line each.
func checkTemplates(file, src string) []string {
	c := &checker{file: file, src: src}
	trees := map[string]*parse.Tree{}
	t := parse.New(file)
	t.Mode = parse.SkipFuncCheck | parse.ParseComments
	if _, err := t.Parse(src, "", "", trees); err != nil {
		return []string{file + ": " + err.Error()}
	}
	names := make([]string, 0, len(trees))
	for name := range trees {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		tree := trees[name]
		if tree.Root == nil {
			continue
		}
		end := c.list(scan{}, tree.Root)
		switch {
		case end.lex != inData:
			c.errorf(tree.Root.Pos, "template %q ends %s: a tag or comment is not finished", name, end.describe())
		case len(end.stack) > 0:
			var unclosed []string
			for _, o := range slices.Backward(end.stack) {
				unclosed = append(unclosed, fmt.Sprintf("<%s> opened at line %d", o.name, o.line))
			}
			c.errorf(tree.Root.Pos, "template %q ends with elements open: %s", name, strings.Join(unclosed, ", "))
		}
	}
	return c.errs
}

func TestTemplatesAreWellFormed(t *testing.T) {
	fsys := Templates()
	var files []string
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".html") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found %d templates, want all of web/templates", len(files))
	}
	for _, file := range files {
		src, err := fs.ReadFile(fsys, file)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range checkTemplates(file, string(src)) {
			t.Error(e)
		}
	}
}

// TestWellFormedCheckCatches shows that the check fails on what it is for,
// and passes what HTML allows.
func TestWellFormedCheckCatches(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"a lost </section>, as the room page's votes panel lost it",
			"<section id=\"votes\"><form><input></form>\n<section id=\"interp\"></section>", `ends with elements open: <section> opened at line 1`},
		{"a lost </form>", `<section><form><button>x</button></section>`, `</section> closes <form> opened at line 1`},
		{"mis-nested", `<p><em>x</p></em>`, `</p> closes <em>`},
		{"an end tag too many", `<div></div></div>`, `</div> closes an element that this template did not open`},
		{"branches that disagree", `{{if .X}}<div class="a">{{else}}<div>{{end}}</div>{{if .Y}}<span>{{end}}x`, `the branches of this {{if}} disagree`},
		{"a range that leaks", `<ul>{{range .}}<li>{{.}}{{end}}</ul>`, `{{range}} starts`},
		{"in a define", `{{define "panel"}}<section><h2>x</h2>{{end}}`, `template "panel" ends with elements open: <section>`},
		{"an unfinished tag", `<a href="{{.}}`, `a tag or comment is not finished`},
		{"an end tag for a void element", `<br></br>`, `void element`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := checkTemplates("t.html", tc.src)
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tc.want) }) {
				t.Errorf("%s: got %q, want an error containing %q", tc.src, errs, tc.want)
			}
		})
	}
	for _, src := range []string{
		`<!DOCTYPE html><html lang="{{.L}}"><head><meta charset="utf-8"><title>{{.T}} &lt; x</title></head><body></body></html>`,
		`<p class="{{if .A}}a{{else}}b{{end}}"{{with .N}} nonce="{{.}}"{{end}}>1 < 2 <br> <img src="x" alt=""></p>`,
		`<svg aria-hidden="true"><use href="#i-close"/></svg><!-- <div> --><script>if (a < b && "</div>") {}</script>`,
		`{{define "row"}}<tr>{{range .}}<td>{{.}}</td>{{else}}<td></td>{{end}}</tr>{{end}}<table><tbody>{{template "row" .}}</tbody></table>`,
		`<textarea name="t">{{.Body}} <b></textarea><input type="checkbox"{{if .C}} checked{{end}} />`,
	} {
		if errs := checkTemplates("ok.html", src); len(errs) > 0 {
			t.Errorf("%s: %q, want no error", src, errs)
		}
	}
}

func isLetter(ch byte) bool { return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' }

func lower(ch byte) byte {
	if ch >= 'A' && ch <= 'Z' {
		return ch + 'a' - 'A'
	}
	return ch
}

// keepLast returns the last n bytes of s.
func keepLast(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
