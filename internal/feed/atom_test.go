package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 14, 15, 30, 0, 0, time.UTC)

func sampleFeed(code string) Feed {
	return Feed{
		ID:       TagURI("mofa.gov.vn", t0, code+"/feed"),
		Lang:     code,
		Title:    "Tin tức — " + code,
		Subtitle: "Bộ Ngoại giao",
		Updated:  t0,
		SelfURL:  "https://mofa.example/" + code + "/feed.atom",
		PageURL:  "https://mofa.example/" + code + "/",
		Translations: []Alternate{
			{Lang: "en", Href: "https://mofa.example/en/feed.atom"},
			{Lang: "ar", Href: "https://mofa.example/ar/feed.atom"},
		},
		Author:    Person{Name: "Ministry of Foreign Affairs", URI: "https://mofa.example/"},
		Generator: "Chancery",
		Entries: []Entry{
			{
				ID:          TagURI("mofa.gov.vn", t0, "article/1/"+code),
				Title:       `Statement <on> "the" sea & the coast`,
				Summary:     "بيان صحفي\x01 with a control character",
				ContentHTML: `<p>Hello <script>alert(1)</script> world]]></p>`,
				URL:         "https://mofa.example/" + code + "/news/statement-1",
				Published:   t0.Add(-time.Hour),
				Updated:     t0,
				Authors:     []Person{{Name: "Press office", Email: "press@mofa.example"}},
				Topics:      []Category{{Term: "sea", Label: "Biển Đông"}},
			},
			{
				ID:      TagURI("mofa.gov.vn", t0, "article/2/"+code),
				Title:   "中文标题",
				URL:     "https://mofa.example/" + code + "/news/2",
				Lang:    "zh",
				Updated: t0.Add(-24 * time.Hour),
			},
		},
	}
}

func TestAtomValidatesAgainstRFC4287(t *testing.T) {
	for _, code := range []string{"vi", "en", "fr", "es", "ru", "zh", "ar"} {
		t.Run(code, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteAtom(&buf, sampleFeed(code)); err != nil {
				t.Fatal(err)
			}
			mustValidate(t, atomSchema, buf.Bytes())
			doc := buf.String()
			for _, want := range []string{
				`xml:lang="` + code + `"`,
				`<link rel="self" type="application/atom+xml" href="https://mofa.example/` + code + `/feed.atom">`,
				`<link rel="alternate" type="application/atom+xml" hreflang="ar" href="https://mofa.example/ar/feed.atom">`,
				`<updated>2026-03-14T15:30:00Z</updated>`,
				`<published>2026-03-14T14:30:00Z</published>`,
				`<content type="html">&lt;p&gt;Hello &lt;script&gt;`,
				`<category term="sea" label="Biển Đông">`,
			} {
				if !strings.Contains(doc, want) {
					t.Errorf("feed lacks %s\n%s", want, doc)
				}
			}
			if hasZh := strings.Contains(doc, `<entry xml:lang="zh">`); hasZh != (code != "zh") {
				t.Errorf("entry xml:lang=zh written: %v; want it only in feeds of another language", hasZh)
			}
			if strings.Contains(doc, "\x01") {
				t.Error("a control character reached the feed")
			}
			checkSchematron(t, buf.Bytes())
		})
	}
}

// checkSchematron checks the two rules of RFC 4287's schema that RELAX NG
// validators ignore: the feed or every entry has an author, and every entry
// has an alternate link or content.
func checkSchematron(t *testing.T, doc []byte) {
	t.Helper()
	var f struct {
		Authors []struct{} `xml:"author"`
		Entries []struct {
			ID      string     `xml:"id"`
			Authors []struct{} `xml:"author"`
			Links   []struct {
				Rel string `xml:"rel,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(doc, &f); err != nil {
		t.Fatal(err)
	}
	for _, e := range f.Entries {
		if len(f.Authors) == 0 && len(e.Authors) == 0 {
			t.Errorf("entry %s has no author and neither has the feed", e.ID)
		}
		alt := false
		for _, l := range e.Links {
			alt = alt || l.Rel == "alternate" || l.Rel == ""
		}
		if !alt {
			t.Errorf("entry %s has no alternate link", e.ID)
		}
	}
}

func TestAtomEmptyFeedValidates(t *testing.T) {
	f := sampleFeed("ar")
	f.Entries = nil
	var buf bytes.Buffer
	if err := WriteAtom(&buf, f); err != nil {
		t.Fatal(err)
	}
	mustValidate(t, atomSchema, buf.Bytes())
}

func TestAtomRefusesIncompleteFeeds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Feed)
		want   string
	}{
		{"no id", func(f *Feed) { f.ID = "" }, "no id"},
		{"blank title", func(f *Feed) { f.Title = "  " }, "no title"},
		{"no author", func(f *Feed) { f.Author = Person{} }, "no author"},
		{"no updated", func(f *Feed) { f.Updated = time.Time{} }, "no updated"},
		{"bad lang", func(f *Feed) { f.Lang = "zh_CN" }, "not a language tag"},
		{"empty lang", func(f *Feed) { f.Lang = "" }, "not a language tag"},
		{"entry without url", func(f *Feed) { f.Entries[0].URL = "" }, "no URL"},
		{"entry without id", func(f *Feed) { f.Entries[1].ID = "" }, "entry 1 has no id"},
		{"entry without title", func(f *Feed) { f.Entries[0].Title = "" }, "no title"},
		{"entry bad lang", func(f *Feed) { f.Entries[1].Lang = "-" }, "not a language tag"},
		{"translation without href", func(f *Feed) { f.Translations[0].Href = "" }, "incomplete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := sampleFeed("en")
			tc.mutate(&f)
			var buf bytes.Buffer
			err := WriteAtom(&buf, f)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalid with %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes of an invalid feed", buf.Len())
			}
		})
	}
}

func TestTagURI(t *testing.T) {
	got := TagURI("MOFA.gov.vn", time.Date(2026, 3, 14, 23, 0, 0, 0, time.FixedZone("ICT", 7*3600)), "article/42/fr")
	if want := "tag:mofa.gov.vn,2026-03-14:article/42/fr"; got != want {
		t.Errorf("TagURI = %q, want %q", got, want)
	}
}

// FuzzAtom writes feeds from arbitrary editor text: the result is either
// ErrInvalid or a well-formed document that reads back the same title.
func FuzzAtom(f *testing.F) {
	f.Add("Title", "summary", "<p>x</p>", "en")
	f.Add("\x00\uFFFE]]>", "\xff\xfe", "&amp;<", "zh-Hans")
	f.Add("عنوان", "", "", "ar")
	f.Fuzz(func(t *testing.T, title, summary, content, code string) {
		fd := sampleFeed("en")
		fd.Lang = code
		fd.Entries[0].Title = title
		fd.Entries[0].Summary = summary
		fd.Entries[0].ContentHTML = content
		var buf bytes.Buffer
		if err := WriteAtom(&buf, fd); err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		var back struct {
			Lang    string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
			Entries []struct {
				Title string `xml:"title"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, buf.Bytes())
		}
		if back.Lang != code {
			t.Errorf("xml:lang %q, want %q", back.Lang, code)
		}
		if want := clean(title); len(back.Entries) == 0 || back.Entries[0].Title != want {
			t.Errorf("title read back as %+v, want %q", back.Entries, want)
		}
	})
}
