// Package markdown turns the Markdown body of an article into safe HTML:
// goldmark renders CommonMark with the GitHub extensions (raw HTML is not
// rendered), then bluemonday keeps only a narrow editorial set of elements,
// so that script, iframes, event handlers and javascript: URLs never reach a
// page, whatever an editor or a connector typed.
//
// Headings get ids readable in every script (Vietnamese, Arabic, Chinese,
// Russian), unique within the document.
//
// Rendering takes time linear in the size of the source: ids are made
// unique without searching again from the start for each duplicate, and a
// source nested deeper than MaxDepth (which goldmark handles in quadratic
// time) or larger than MaxBytes is shown as escaped plain paragraphs
// instead. Editors are told of both limits when they save (Check). Each
// distinct source is rendered once per process (a bounded memo), so a page
// requested with made-up query strings, which skip the page cache, is not
// rendered again.
//
// It must not import other Chancery packages.
package markdown

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"errors"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	xhtml "golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"
)

// md and policy are built on first use, not at package init: together they
// allocate megabytes (goldmark's parsers, bluemonday's tables) that a
// server which has not yet rendered an article should not hold.
var md = sync.OnceValue(func() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	)
})

var policy = sync.OnceValue(newPolicy)

// newPolicy allows what an official article needs: headings with their ids,
// paragraphs, lists, quotes, tables, figures, code, emphasis, language and
// direction marks, links to https, http, mailto and the site itself, and
// images from https and the site's media.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "ul", "ol", "li", "blockquote", "pre", "code", "em", "strong", "del",
		"table", "thead", "tbody", "tr", "figure", "figcaption", "bdi", "span", "sup", "sub")
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[\p{L}\p{M}\p{N}_-]{1,128}$`)).OnElements("h2", "h3", "h4", "h5", "h6")
	p.AllowElements("h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	p.AllowElements("th", "td")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)).Globally()
	p.AllowAttrs("dir").Matching(regexp.MustCompile(`^(ltr|rtl|auto)$`)).Globally()
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("https", "http", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	p.AllowAttrs("src", "alt", "title").OnElements("img")
	p.AllowAttrs("title").OnElements("a")
	return p
}

// Render returns the sanitised HTML of src.
func Render(src string) template.HTML {
	key := sha256.Sum256([]byte(src))
	return rendered.get(key, func() template.HTML { return render(src) })
}

func render(src string) template.HTML {
	if len(src) > MaxBytes || Depth(src) > MaxDepth {
		return plain(src)
	}
	var buf bytes.Buffer
	ctx := parser.NewContext(parser.WithIDs(newIDs()))
	if err := md().Convert([]byte(src), &buf, parser.WithContext(ctx)); err != nil {
		// goldmark's HTML renderer fails only when the writer does.
		return template.HTML(template.HTMLEscapeString(src))
	}
	// Demote headings: the page's title is its only h1.
	out := demote(buf.String())
	return template.HTML(policy().Sanitize(out)) //nolint:gosec // sanitised just above
}

// Limits on what Render renders as Markdown; Check tells editors of them.
const (
	// MaxDepth is the deepest nesting of block quotes and lists rendered
	// as Markdown. Official texts nest two or three levels.
	MaxDepth = 16
	// MaxBytes is the largest source rendered as Markdown, well above the
	// portal's limit on a body.
	MaxBytes = 1 << 20
)

// ErrTooDeep refuses a source nested deeper than MaxDepth.
var ErrTooDeep = errors.New("markdown: nested too deeply")

// Check returns ErrTooDeep when src nests block quotes or lists deeper than
// MaxDepth, so that an editor learns of it when saving rather than seeing
// plain text on the page.
func Check(src string) error {
	if Depth(src) > MaxDepth {
		return ErrTooDeep
	}
	return nil
}

// Depth bounds the nesting of containers (block quotes and list items)
// that any line of src opens, in one pass: it counts the ">" and list
// markers at the start of a line, plus half the white space before them,
// since a list nested by indentation needs at least two spaces a level.
// It may count more levels than goldmark nests (a lazy continuation line,
// an indented code block), never fewer.
func Depth(src string) int {
	deepest := 0
	for line := range strings.Lines(src) {
		markers, space, pending := 0, 0, 0
		marker := func() { markers, space, pending = markers+1, space+pending, 0 }
	scan:
		for i := 0; i < len(line); {
			switch c := line[i]; {
			case c == ' ':
				pending++
				i++
			case c == '\t':
				pending += 4
				i++
			case c == '>':
				marker()
				i++
				if i < len(line) && line[i] == ' ' {
					i++ // the marker's own space
				}
			case (c == '-' || c == '*' || c == '+') && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t'):
				marker()
				i += 2
			case c >= '0' && c <= '9':
				j := i
				for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
					j++
				}
				if j+1 < len(line) && (line[j] == '.' || line[j] == ')') && (line[j+1] == ' ' || line[j+1] == '\t') {
					marker()
					i = j + 2
					continue
				}
				break scan
			default:
				break scan
			}
		}
		deepest = max(deepest, markers+space/2)
	}
	return deepest
}

// plain shows src as escaped paragraphs, in linear time.
func plain(src string) template.HTML {
	var b strings.Builder
	for para := range strings.SplitSeq(strings.ReplaceAll(src, "\r\n", "\n"), "\n\n") {
		if p := strings.TrimSpace(para); p != "" {
			b.WriteString("<p>")
			b.WriteString(template.HTMLEscapeString(p))
			b.WriteString("</p>\n")
		}
	}
	return template.HTML(b.String()) //nolint:gosec // every byte of text is escaped
}

// memo keeps rendered sources by their SHA-256, least recently used out
// first, within a byte budget; one render runs per source at a time, and
// the others asking for it wait for its result.
type memo struct {
	mu      sync.Mutex
	entries map[[32]byte]*list.Element
	lru     list.List // front: most recently used *memoEntry
	size    int
	max     int
	flight  map[[32]byte]*flight
}

type memoEntry struct {
	key  [32]byte
	html template.HTML
}

type flight struct {
	done chan struct{}
	html template.HTML
}

// rendered holds up to 32 MiB of rendered HTML.
var rendered = &memo{entries: map[[32]byte]*list.Element{}, flight: map[[32]byte]*flight{}, max: 32 << 20}

func (m *memo) get(key [32]byte, render func() template.HTML) template.HTML {
	m.mu.Lock()
	if e, ok := m.entries[key]; ok {
		m.lru.MoveToFront(e)
		h := e.Value.(*memoEntry).html
		m.mu.Unlock()
		return h
	}
	if f, ok := m.flight[key]; ok {
		m.mu.Unlock()
		<-f.done
		return f.html
	}
	f := &flight{done: make(chan struct{})}
	m.flight[key] = f
	m.mu.Unlock()

	defer func() {
		m.mu.Lock()
		delete(m.flight, key)
		if len(f.html) <= m.max/8 {
			m.entries[key] = m.lru.PushFront(&memoEntry{key: key, html: f.html})
			m.size += len(f.html) + 64
			for m.size > m.max {
				old := m.lru.Back()
				oe := old.Value.(*memoEntry)
				m.lru.Remove(old)
				delete(m.entries, oe.key)
				m.size -= len(oe.html) + 64
			}
		}
		m.mu.Unlock()
		close(f.done)
	}()
	f.html = render()
	return f.html
}

var headingTag = regexp.MustCompile(`<(/?)h([1-6])([ >])`)

func demote(s string) string {
	return headingTag.ReplaceAllStringFunc(s, func(m string) string {
		sub := headingTag.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[2])
		return fmt.Sprintf("<%sh%d%s", sub[1], min(n+1, 6), sub[3])
	})
}

// ids gives headings unique, readable ids in any script: letters, marks
// and digits kept (NFC), lower-cased, other runs turned into one hyphen.
type ids struct {
	seen map[string]int
	// next is the suffix to try first for a base id already taken, so
	// that n duplicates cost n steps, not n²/2.
	next map[string]int
}

func newIDs() *ids { return &ids{seen: map[string]int{}, next: map[string]int{}} }

// Slug is the id a heading text gets, before de-duplication.
func Slug(text string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFC.String(text) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
		default:
			dash = true
		}
		if b.Len() > 100 {
			break
		}
	}
	if b.Len() == 0 {
		return "section"
	}
	return b.String()
}

// Generate returns a unique id for a heading's text (parser.IDs).
func (s *ids) Generate(value []byte, kind ast.NodeKind) []byte {
	return s.unique(Slug(string(value)))
}

// Put records an id set explicitly in the document (parser.IDs).
func (s *ids) Put(value []byte) { s.seen[string(value)]++ }

var _ parser.IDs = (*ids)(nil)

func (s *ids) unique(base string) []byte {
	id := base
	if s.seen[id] > 0 {
		n := max(s.next[base], 2)
		for id = base + "-" + strconv.Itoa(n); s.seen[id] > 0; {
			n++
			id = base + "-" + strconv.Itoa(n)
		}
		s.next[base] = n + 1
	}
	s.seen[id]++
	return []byte(id)
}

// PlainText strips Markdown to readable text, for descriptions and search
// snippets: it renders, then keeps the text only.
func PlainText(src string) string {
	h := string(Render(src))
	s := bluemonday.StrictPolicy().Sanitize(h)
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// blocks are the elements whose text a reader sees as its own paragraph.
var blocks = map[string]bool{"p": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "li": true,
	"blockquote": true, "pre": true, "tr": true, "figcaption": true, "hr": true, "table": true, "ul": true, "ol": true}

// Text returns the text of src as readers see it on the page: the rendered,
// sanitised body reduced to its text, one paragraph per block (paragraph,
// heading, list item, table row…) separated by blank lines, the white space
// inside each paragraph collapsed. Signed statements carry this text, so a
// copy pasted from the page matches it.
func Text(src string) string {
	z := xhtml.NewTokenizer(strings.NewReader(string(Render(src))))
	var paras []string
	var cur strings.Builder
	flush := func() {
		if p := strings.Join(strings.Fields(cur.String()), " "); p != "" {
			paras = append(paras, p)
		}
		cur.Reset()
	}
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			flush()
			return strings.Join(paras, "\n\n")
		case xhtml.TextToken:
			cur.Write(z.Text())
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			switch n := string(name); {
			case blocks[n]:
				flush()
			case n == "br" || n == "td" || n == "th":
				cur.WriteByte(' ')
			}
		}
	}
}
