package feed

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func sampleURLs() []URL {
	langs := []string{"vi", "en", "fr", "es", "ru", "zh", "ar"}
	var urls []URL
	for _, code := range langs {
		u := URL{Loc: "https://mofa.example/" + code + "/news/bien-dong", LastMod: t0}
		for _, o := range langs {
			u.Alternates = append(u.Alternates, Alternate{Lang: o, Href: "https://mofa.example/" + o + "/news/bien-dong"})
		}
		u.Alternates = append(u.Alternates, Alternate{Lang: "x-default", Href: "https://mofa.example/"})
		urls = append(urls, u)
	}
	urls = append(urls, URL{Loc: "https://mofa.example/ar/news/%D8%A8%D9%8A%D8%A7%D9%86"})
	return urls
}

func TestSitemapValidates(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSitemap(&buf, sampleURLs()); err != nil {
		t.Fatal(err)
	}
	mustValidate(t, sitemapSchema, buf.Bytes())
	for _, want := range []string{
		`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">`,
		`<xhtml:link rel="alternate" hreflang="x-default" href="https://mofa.example/">`,
		`<xhtml:link rel="alternate" hreflang="ar" href="https://mofa.example/ar/news/bien-dong">`,
		`<lastmod>2026-03-14T15:30:00Z</lastmod>`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("sitemap lacks %s", want)
		}
	}
}

func TestSitemapIndexValidates(t *testing.T) {
	var buf bytes.Buffer
	err := WriteSitemapIndex(&buf, []SitemapRef{
		{Loc: "https://mofa.example/vi/sitemap.xml", LastMod: t0},
		{Loc: "https://mofa.example/ar/sitemap.xml"},
	})
	if err != nil {
		t.Fatal(err)
	}
	mustValidate(t, siteindexSchem, buf.Bytes())
}

func TestSitemapRefuses(t *testing.T) {
	long := "https://mofa.example/" + strings.Repeat("a", 2048)
	many := make([]URL, MaxSitemapURLs+1)
	for i := range many {
		many[i] = URL{Loc: fmt.Sprintf("https://mofa.example/%d", i)}
	}
	for _, tc := range []struct {
		name string
		urls []URL
		want string
	}{
		{"none", nil, "at least one"},
		{"too many", many, "more than the 50000"},
		{"relative", []URL{{Loc: "/vi/news/a"}}, "absolute"},
		{"too long", []URL{{Loc: long}}, "absolute"},
		{"javascript", []URL{{Loc: "javascript:alert(1)"}}, "absolute"},
		{"bad alternate", []URL{{Loc: "https://mofa.example/a", Alternates: []Alternate{{Lang: "fr", Href: "fr/a"}}}}, "absolute"},
		{"bad hreflang", []URL{{Loc: "https://mofa.example/a", Alternates: []Alternate{{Lang: "zh_CN", Href: "https://mofa.example/zh/a"}}}}, "not a language tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteSitemap(&bytes.Buffer{}, tc.urls)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalid with %q", err, tc.want)
			}
		})
	}
	if err := WriteSitemapIndex(&bytes.Buffer{}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty index: err = %v", err)
	}
}

// TestSitemapAtTheLimit writes the largest sitemap allowed and checks it
// stays under 50 MB and validates.
func TestSitemapAtTheLimit(t *testing.T) {
	urls := make([]URL, MaxSitemapURLs)
	for i := range urls {
		urls[i] = URL{Loc: fmt.Sprintf("https://mofa.example/vi/news/%d", i), LastMod: t0.Add(time.Duration(i) * time.Second),
			Alternates: []Alternate{{Lang: "en", Href: fmt.Sprintf("https://mofa.example/en/news/%d", i)}, {Lang: "x-default", Href: "https://mofa.example/"}}}
	}
	var buf bytes.Buffer
	if err := WriteSitemap(&buf, urls); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > MaxSitemapBytes {
		t.Fatalf("sitemap is %d bytes", buf.Len())
	}
	mustValidate(t, sitemapSchema, buf.Bytes())
}

func TestRobots(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteRobots(&buf, "https://mofa.example/sitemap.xml", []string{"/admin", "/api/"}); err != nil {
		t.Fatal(err)
	}
	want := "User-agent: *\nDisallow: /admin\nDisallow: /api/\nAllow: /\n\nSitemap: https://mofa.example/sitemap.xml\n"
	if buf.String() != want {
		t.Errorf("robots.txt =\n%s\nwant\n%s", buf.String(), want)
	}
}
