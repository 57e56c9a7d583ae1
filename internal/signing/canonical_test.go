package signing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var issued = time.Date(2026, 3, 14, 15, 30, 5, 999, time.FixedZone("ICT", 7*3600))

func sample() Statement {
	return Statement{
		URL:     "https://mofa.example/en/news/east-sea",
		Lang:    "en",
		Version: 2,
		Issued:  issued,
		Title:   "  Statement on\r\nthe East Sea ",
		Body:    "\n\nFirst paragraph.  \r\nSecond line.\t\r\n\r\n\r\n\r\nLast paragraph.\n\n",
	}
}

func TestCanonicalForm(t *testing.T) {
	got, err := Canonical(sample())
	if err != nil {
		t.Fatal(err)
	}
	want := "chancery-statement-v1\n" +
		"url: https://mofa.example/en/news/east-sea\n" +
		"lang: en\n" +
		"version: 2\n" +
		"issued: 2026-03-14T08:30:05Z\n" +
		"\n" +
		"Statement on the East Sea\n" +
		"\n" +
		"First paragraph.\nSecond line.\n\nLast paragraph.\n"
	if string(got) != want {
		t.Errorf("canonical form:\n%q\nwant\n%q", got, want)
	}
}

// TestCanonicalNFC: the same words typed with combining marks (as macOS and
// some Vietnamese keyboards produce) or precomposed sign the same bytes.
func TestCanonicalNFC(t *testing.T) {
	a, b := sample(), sample()
	a.Title, b.Title = "Tuyên bố", "Tuye\u0302n bo\u0302\u0301"
	ca, err := Canonical(a)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := Canonical(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(ca) != string(cb) {
		t.Errorf("NFC and NFD titles give different canonical forms:\n%q\n%q", ca, cb)
	}
}

func TestCanonicalRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Statement)
		want   string
	}{
		{"relative url", func(s *Statement) { s.URL = "/en/news/x" }, "absolute"},
		{"javascript url", func(s *Statement) { s.URL = "javascript:alert(1)" }, "absolute"},
		{"newline in url", func(s *Statement) { s.URL = "https://mofa.example/a\nlang: fr" }, "absolute"},
		{"bad lang", func(s *Statement) { s.Lang = "en\nversion: 9" }, "language tag"},
		{"version 0", func(s *Statement) { s.Version = 0 }, "version"},
		{"no time", func(s *Statement) { s.Issued = time.Time{} }, "issued"},
		{"blank title", func(s *Statement) { s.Title = " \n " }, "empty"},
		{"blank body", func(s *Statement) { s.Body = "\r\n\t" }, "empty"},
		{"not utf-8", func(s *Statement) { s.Body = "\xff" }, "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sample()
			tc.mutate(&s)
			_, err := Canonical(s)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
}

func TestParseRoundTrip(t *testing.T) {
	c, err := Canonical(sample())
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"exact":        string(c),
		"crlf":         strings.ReplaceAll(string(c), "\n", "\r\n"),
		"bom and tail": "\ufeff" + string(c) + "\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			st, err := Parse(doc)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Canonical(st)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(c) {
				t.Errorf("round trip changed the text:\n%q\n%q", again, c)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	c, _ := Canonical(sample())
	for name, doc := range map[string]string{
		"empty":          "",
		"no magic":       strings.TrimPrefix(string(c), Magic),
		"missing header": strings.Replace(string(c), "lang: en\n", "", 1),
		"bad version":    strings.Replace(string(c), "version: 2", "version: two", 1),
		"bad time":       strings.Replace(string(c), "2026-03-14T08:30:05Z", "yesterday", 1),
		"no body":        Magic + "\nurl: https://mofa.example/a\nlang: en\nversion: 1\nissued: 2026-03-14T08:30:05Z\n\nTitle\n",
		"not utf-8":      string(c) + "\xff",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(doc); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestFingerprintSurvivesCopyAndPaste(t *testing.T) {
	st := sample()
	ds, err := Digests(st)
	if err != nil {
		t.Fatal(err)
	}
	copied := "Statement on the East Sea\n\n  First paragraph. Second line.\r\n\r\nLast paragraph."
	if Fingerprint(copied) != ds[1] {
		t.Error("title and body copied from a page do not match the stored fingerprint")
	}
	if Fingerprint("First paragraph.\nSecond line.\n\nLast paragraph.") != ds[2] {
		t.Error("body alone does not match")
	}
	if Fingerprint("First paragraph. Second line. Last paragraph!") == ds[2] {
		t.Error("a changed word still matches")
	}
}

// FuzzParse reads arbitrary pasted text as a canonical document: it never
// panics, and what it accepts is stable under another round trip.
func FuzzParse(f *testing.F) {
	c, _ := Canonical(sample())
	f.Add(string(c))
	f.Add(Magic + "\nurl: https://a.example/x\nlang: zh\nversion: 1\nissued: 2026-01-01T00:00:00+07:00\n\n\n标题\n\n正文\r\n")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, doc string) {
		st, err := Parse(doc)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		c1, err := Canonical(st)
		if err != nil {
			t.Fatalf("parsed but cannot canonicalise: %v", err)
		}
		st2, err := Parse(string(c1))
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%q", err, c1)
		}
		c2, err := Canonical(st2)
		if err != nil || string(c1) != string(c2) {
			t.Fatalf("not stable: %v\n%q\n%q", err, c1, c2)
		}
		_ = Fingerprint(doc)
	})
}
