package markdown

import (
	"container/list"
	"errors"
	"fmt"
	"html/template"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestRenderSanitises(t *testing.T) {
	tests := []struct {
		name, src string
		forbid    []string
		want      []string
	}{
		{"script tag", "Hello <script>alert(1)</script>", []string{"<script", "alert(1)</script"}, []string{"Hello"}},
		{"iframe", `<iframe src="https://evil.example"></iframe>`, []string{"<iframe"}, nil},
		{"event handler", `<img src="x" onerror="alert(1)">`, []string{"onerror"}, nil},
		{"javascript link", `[click](javascript:alert(1))`, []string{"javascript:"}, []string{"click"}},
		{"javascript link upper", `[click](JaVaScRiPt:alert(1))`, []string{"avascript:", "JaVaScRiPt"}, nil},
		{"entity-encoded javascript", `[x](&#106;avascript:alert(1))`, []string{"avascript:"}, nil},
		{"data image", `![x](data:image/svg+xml;base64,PHN2Zz4=)`, []string{"data:"}, nil},
		{"raw html block", "<div onclick=\"x()\">hi</div>", []string{"onclick", "<div"}, nil},
		{"style attribute", `<p style="color:red">x</p>`, []string{"style="}, nil},
		{"autolink javascript", `<javascript:alert(1)>`, []string{`href="javascript`}, nil},
		{"svg", `<svg><script>alert(1)</script></svg>`, []string{"<svg", "<script"}, nil},
		{"safe link kept", `[MOFA](https://mofa.gov.vn/)`, nil, []string{`<a href="https://mofa.gov.vn/"`}},
		{"mailto kept", `[mail](mailto:press@mofa.gov.vn)`, nil, []string{`href="mailto:press@mofa.gov.vn"`}},
		{"image kept", `![Bản đồ](/media/abc.png)`, nil, []string{`<img src="/media/abc.png" alt="Bản đồ"`}},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |", nil, []string{"<table>", "<td>1</td>"}},
		{"h1 demoted", "# Title", []string{"<h1"}, []string{"<h2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(Render(tt.src))
			for _, f := range tt.forbid {
				if strings.Contains(strings.ToLower(got), strings.ToLower(f)) {
					t.Errorf("Render(%q) = %q contains %q", tt.src, got, f)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render(%q) = %q lacks %q", tt.src, got, w)
				}
			}
		})
	}
}

func TestHeadingIDs(t *testing.T) {
	src := "## Giới thiệu\n\n## Giới thiệu\n\n## مقدمة\n\n## 背景介绍\n\n## Введение и цели\n\n## !!!\n\n## Kết luận: 2026\n"
	got := string(Render(src))
	for _, id := range []string{`id="giới-thiệu"`, `id="giới-thiệu-2"`, `id="مقدمة"`, `id="背景介绍"`, `id="введение-и-цели"`, `id="section"`, `id="kết-luận-2026"`} {
		if !strings.Contains(got, id) {
			t.Errorf("missing %s in %s", id, got)
		}
	}
}

func TestPlainText(t *testing.T) {
	if got := PlainText("## Head\n\nSome *bold* & <b>raw</b> [link](https://x.example)"); got != "Head Some bold & raw link" {
		t.Errorf("PlainText = %q", got)
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{"# a", "<script>x</script>", "[x](javascript:y)", "## مقدمة\n## مقدمة", "| a |\n|--|\n| b |"} {
		f.Add(s)
	}
	badTag := regexp.MustCompile(`<(script|iframe|style|object|embed|svg|form)|<[^>]*\s(on[a-z]+|style)=|<[^>]*(href|src)="\s*(javascript|data|vbscript):`)
	f.Fuzz(func(t *testing.T, src string) {
		out := strings.ToLower(string(Render(src)))
		if m := badTag.FindString(out); m != "" {
			t.Fatalf("Render(%q) = %q contains %q", src, out, m)
		}
	})
}

func TestText(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"One **bold**\nline.\n\nTwo.", "One bold line.\n\nTwo."},
		{"# Heading\n\n- a\n- b [link](https://example.org)\n\n> quote", "Heading\n\na\n\nb link\n\nquote"},
		{"| x | y |\n|---|---|\n| 1 | 2 |", "x y\n\n1 2"},
		{"<script>alert(1)</script>Text", ""}, // raw HTML is not rendered, so readers see nothing
		{"Say <b>this</b> twice", "Say this twice"},
		{"Dòng một  \nDòng hai", "Dòng một Dòng hai"},
		{"", ""},
	} {
		if got := Text(tt.src); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

// FuzzText: any Markdown gives text without tags' leftovers from the
// sanitiser, in trimmed paragraphs separated by exactly one blank line.
func FuzzText(f *testing.F) {
	for _, s := range []string{"# T\n\npara **b**", "- a\n- b", "| x |\n|---|\n| y |", "<script>x</script>", "a  \nb", "\u0600\u200f", "> q\n\n    code"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		got := Text(src)
		for _, p := range strings.Split(got, "\n\n") {
			if got != "" && (p == "" || p != strings.TrimSpace(p) || strings.Contains(p, "\n")) {
				t.Fatalf("Text(%q) = %q: paragraph %q", src, got, p)
			}
		}
	})
}

// Fifty thousand identical headings each get their own id, in order; the
// search for a free suffix used to start again from 2 for every duplicate
// (8,000 headings took 5 s, 50,000 over 30 s). BenchmarkRenderDuplicate-
// Headings measures it.
func TestManyDuplicateHeadings(t *testing.T) {
	const n = 50_000
	src := strings.Repeat("## Điều khoản\n\n", n)
	got := string(render(src))
	ids := regexp.MustCompile(`<h3 id="([^"]+)"`).FindAllStringSubmatch(got, -1)
	if len(ids) != n {
		t.Fatalf("%d headings with ids, want %d", len(ids), n)
	}
	seen := map[string]bool{}
	for i, m := range ids {
		want := "điều-khoản"
		if i > 0 {
			want += "-" + strconv.Itoa(i+1)
		}
		if m[1] != want {
			t.Fatalf("heading %d: id %q, want %q", i+1, m[1], want)
		}
		seen[m[1]] = true
	}
}

// A heading whose text is itself a suffixed id does not take an id already
// given, and a later duplicate skips it.
func TestDuplicateIDsStayUnique(t *testing.T) {
	got := string(render("# a\n\n# a-2\n\n# a\n\n# a\n\n# a-2\n"))
	ids := regexp.MustCompile(`id="([^"]+)"`).FindAllStringSubmatch(got, -1)
	var list []string
	for _, m := range ids {
		list = append(list, m[1])
	}
	if want := "a a-2 a-3 a-4 a-2-2"; strings.Join(list, " ") != want {
		t.Errorf("ids %v, want %s", list, want)
	}
}

// A source nested deeper than MaxDepth is refused by Check and shown as
// escaped text by Render, without handing goldmark its quadratic case
// (199,000 quote markers took 13 s).
func TestDeepNesting(t *testing.T) {
	for _, tc := range []struct {
		name  string
		src   string
		depth int
	}{
		{"plain text", "Hello\n\nworld", 0},
		{"a quote", "> quoted", 1},
		{"nested quotes", "> > > three", 3},
		{"quotes without spaces", ">>>>>> six", 6},
		{"a nested list", "- a\n  - b\n    - c\n", 3},
		{"an ordered list in a quote", "> 1. item", 2},
		{"a code block is not a container", "        code with  spaces", 0},
		{"emphasis is not a list", "*emphasis*", 0},
		{"a number is not a list", "2026 was a year", 0},
	} {
		if got := Depth(tc.src); got != tc.depth {
			t.Errorf("%s: Depth %d, want %d", tc.name, got, tc.depth)
		}
	}

	ok := strings.Repeat("> ", MaxDepth/2) + "fine"
	if err := Check(ok); err != nil {
		t.Errorf("depth %d refused: %v", MaxDepth/2, err)
	}
	if !strings.Contains(string(render(ok)), "<blockquote>") {
		t.Error("a quote within the limit is not rendered as Markdown")
	}
	for _, src := range []string{
		strings.Repeat(">", 199_000) + " deep <script>",
		strings.Repeat("- ", 5_000) + "deep",
		deepIndentedList(MaxDepth + 2),
	} {
		if !errors.Is(Check(src), ErrTooDeep) {
			t.Errorf("Check(%.20q…) accepts a source deeper than %d", src, MaxDepth)
		}
		got := string(render(src))
		if !strings.Contains(got, "deep") || strings.Contains(got, "<script") || strings.Contains(got, "<blockquote") {
			t.Errorf("render(%.20q…) = %.200q: want the text escaped, not Markdown", src, got)
		}
	}
}

func deepIndentedList(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat("  ", i) + "- deep\n")
	}
	return b.String()
}

// The memo renders each source once, however many readers ask at once,
// and keeps within its budget.
func TestMemo(t *testing.T) {
	m := &memo{entries: map[[32]byte]*list.Element{}, flight: map[[32]byte]*flight{}, max: 8 << 10}
	var calls atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			h := m.get([32]byte{1}, func() template.HTML {
				calls.Add(1)
				<-release
				return "<p>one</p>"
			})
			if h != "<p>one</p>" {
				t.Errorf("got %q", h)
			}
		})
	}
	for {
		m.mu.Lock()
		started := len(m.flight) == 1
		m.mu.Unlock()
		if started {
			break
		}
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("rendered %d times, want once", n)
	}
	// Past the budget the oldest entries go.
	for i := range 100 {
		m.get([32]byte{2, byte(i)}, func() template.HTML { return template.HTML(strings.Repeat("x", 500)) })
	}
	if m.size > m.max {
		t.Errorf("memo holds %d bytes, budget %d", m.size, m.max)
	}
	if len(m.entries) != m.lru.Len() || len(m.entries) == 0 {
		t.Errorf("%d entries, %d in the LRU list", len(m.entries), m.lru.Len())
	}
}

func BenchmarkRenderDuplicateHeadings(b *testing.B) {
	for _, n := range []int{1_000, 8_000, 50_000} {
		src := strings.Repeat("## Điều khoản\n\n", n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				render(src)
			}
		})
	}
}

func BenchmarkRenderDeepQuotes(b *testing.B) {
	for _, n := range []int{MaxDepth, 1_000, 199_000} {
		src := strings.Repeat(">", n) + " deep"
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				render(src)
			}
		})
	}
}

// TestFirstRenderConcurrent renders distinct articles from many goroutines
// in a fresh process, so that the lazily built parser and policy are made
// under contention (run with -race); each result must be sanitised.
func TestFirstRenderConcurrent(t *testing.T) {
	if os.Getenv("MARKDOWN_FIRST_USE") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFirstRenderConcurrent$", "-test.count=1")
		cmd.Env = append(os.Environ(), "MARKDOWN_FIRST_USE=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			src := fmt.Sprintf("# Title %d\n\n*text* <script>alert(%d)</script>", i, i)
			got := string(Render(src))
			want := fmt.Sprintf(`<h2 id="title-%d">Title %d</h2>`, i, i)
			if !strings.Contains(got, want) || strings.Contains(got, "<script") || !strings.Contains(got, "<em>text</em>") {
				t.Errorf("Render(%q) = %q", src, got)
			}
		})
	}
	wg.Wait()
}
