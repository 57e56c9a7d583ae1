package httpx

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/mofa-vn/chancery/web"
)

func templateFiles() fstest.MapFS {
	fsys := fstest.MapFS{
		"layout/base.html": {Data: []byte(`{{define "layout"}}<main>{{template "content" .}}</main>{{template "foot" .}}{{end}}`)},
		"layout/foot.html": {Data: []byte(`{{define "foot"}}<footer>{{.}}</footer>{{end}}`)},
	}
	for i := range 8 {
		fsys[fmt.Sprintf("p%d.html", i)] = &fstest.MapFile{Data: fmt.Appendf(nil, `{{define "content"}}<p>page %d {{.}}</p>{{end}}`, i)}
	}
	return fsys
}

// TestParseTemplatesChecksEveryPageAtStart shows that a faulty page still
// stops the start, though the page's set is built only on first render.
func TestParseTemplatesChecksEveryPageAtStart(t *testing.T) {
	for _, tt := range []struct{ name, data, want string }{
		{"syntax", `{{define "content"}}{{if}}{{end}}`, "httpx: parse bad.html"},
		{"no content", `{{define "main"}}x{{end}}`, `bad.html defines no "content" block`},
		{"unknown function", `{{define "content"}}{{nosuch .}}{{end}}`, "httpx: parse bad.html"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := templateFiles()
			fsys["bad.html"] = &fstest.MapFile{Data: []byte(tt.data)}
			if _, err := parseTemplates(fsys); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parseTemplates: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestPageTemplatesFirstRenderConcurrent renders every page from many
// goroutines at once, the first render of each building its set from the
// shared layout (run with -race): each page must show its own content,
// escaped, inside the layout.
func TestPageTemplatesFirstRenderConcurrent(t *testing.T) {
	pages, err := parseTemplates(templateFiles())
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 8 {
		t.Fatalf("%d pages, want 8", len(pages))
	}
	var wg sync.WaitGroup
	for range 4 {
		for i := range 8 {
			wg.Go(func() {
				tpl, err := pages[fmt.Sprintf("p%d.html", i)].t()
				if err != nil {
					t.Error(err)
					return
				}
				var buf bytes.Buffer
				if err := tpl.ExecuteTemplate(&buf, "layout", "<b>"); err != nil {
					t.Error(err)
					return
				}
				want := fmt.Sprintf("<main><p>page %d &lt;b&gt;</p></main><footer>&lt;b&gt;</footer>", i)
				if buf.String() != want {
					t.Errorf("page %d = %q, want %q", i, buf.String(), want)
				}
			})
		}
	}
	wg.Wait()
}

// TestEveryShippedPageBuilds builds the set of every shipped page, as its
// first render will, so that a page that passes the check at start but not
// with the layout cannot wait for a visitor to show.
func TestEveryShippedPageBuilds(t *testing.T) {
	pages, err := parseTemplates(web.Templates())
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range pages {
		tpl, err := p.t()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if tpl.Lookup("layout") == nil || tpl.Lookup("content") == nil {
			t.Errorf("%s: the set lacks the layout or the content block", name)
		}
	}
}
