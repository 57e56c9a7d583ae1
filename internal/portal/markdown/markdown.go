// Package markdown turns the Markdown body of an article into safe HTML:
// goldmark renders CommonMark with the GitHub extensions (raw HTML is not
// rendered), then bluemonday keeps only a narrow editorial set of elements,
// so that script, iframes, event handlers and javascript: URLs never reach a
// page, whatever an editor or a connector typed.
//
// Headings get ids readable in every script (Vietnamese, Arabic, Chinese,
// Russian), unique within the document.
//
// It must not import other Chancery packages.
package markdown

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	xhtml "golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"
)

var md = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
)

var policy = newPolicy()

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
	var buf bytes.Buffer
	ctx := parser.NewContext(parser.WithIDs(newIDs()))
	if err := md.Convert([]byte(src), &buf, parser.WithContext(ctx)); err != nil {
		// goldmark's HTML renderer fails only when the writer does.
		return template.HTML(template.HTMLEscapeString(src))
	}
	// Demote headings: the page's title is its only h1.
	out := demote(buf.String())
	return template.HTML(policy.Sanitize(out)) //nolint:gosec // sanitised just above
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
type ids struct{ seen map[string]int }

func newIDs() *ids { return &ids{seen: map[string]int{}} }

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
	for n := 2; s.seen[id] > 0; n++ {
		id = base + "-" + strconv.Itoa(n)
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
