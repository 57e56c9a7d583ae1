package markdown

import (
	"regexp"
	"strings"
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
