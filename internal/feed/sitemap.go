package feed

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Sitemap limits from sitemaps.org: at most 50,000 URLs and 50 MB
// (52,428,800 bytes) uncompressed per file; a location is 12 to 2,048
// characters (the XSD's tLoc).
const (
	MaxSitemapURLs  = 50000
	MaxSitemapBytes = 50 << 20
	maxLocLen       = 2048
	minLocLen       = 12
)

const (
	sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"
	xhtmlNS   = "http://www.w3.org/1999/xhtml"
)

// URL is one page of a language's sitemap.
type URL struct {
	Loc     string
	LastMod time.Time // zero omits lastmod
	// Alternates are every published language version of the page,
	// including this one, plus "x-default" (Google requires the set to be
	// complete and reciprocal on every URL).
	Alternates []Alternate
}

// SitemapRef is one entry of the sitemap index.
type SitemapRef struct {
	Loc     string
	LastMod time.Time
}

type urlset struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	XHTML   string       `xml:"xmlns:xhtml,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string      `xml:"loc"`
	LastMod string      `xml:"lastmod,omitempty"`
	Links   []xhtmlLink `xml:"xhtml:link"`
}

type xhtmlLink struct {
	Rel      string `xml:"rel,attr"`
	Hreflang string `xml:"hreflang,attr"`
	Href     string `xml:"href,attr"`
}

type sitemapIndex struct {
	XMLName  xml.Name         `xml:"sitemapindex"`
	NS       string           `xml:"xmlns,attr"`
	Sitemaps []sitemapIndexed `xml:"sitemap"`
}

type sitemapIndexed struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// WriteSitemap writes one sitemap (a urlset) with xhtml:link alternates.
// It refuses more than MaxSitemapURLs URLs, an empty list (the schema needs
// at least one url), and locations the schema would reject.
func WriteSitemap(w io.Writer, urls []URL) error {
	if len(urls) == 0 {
		return fmt.Errorf("%w: a sitemap needs at least one URL", ErrInvalid)
	}
	if len(urls) > MaxSitemapURLs {
		return fmt.Errorf("%w: %d URLs, more than the %d a sitemap may hold", ErrInvalid, len(urls), MaxSitemapURLs)
	}
	doc := urlset{NS: sitemapNS, XHTML: xhtmlNS, URLs: make([]sitemapURL, 0, len(urls))}
	for _, u := range urls {
		if err := checkLoc(u.Loc); err != nil {
			return err
		}
		su := sitemapURL{Loc: u.Loc}
		if !u.LastMod.IsZero() {
			su.LastMod = atomTime(u.LastMod)
		}
		for _, a := range u.Alternates {
			if err := checkLoc(a.Href); err != nil {
				return err
			}
			if a.Lang != "x-default" && !validLangTag(a.Lang) {
				return fmt.Errorf("%w: hreflang %q is not a language tag", ErrInvalid, a.Lang)
			}
			su.Links = append(su.Links, xhtmlLink{Rel: "alternate", Hreflang: a.Lang, Href: a.Href})
		}
		doc.URLs = append(doc.URLs, su)
	}
	return writeXML(w, doc)
}

// WriteSitemapIndex writes the sitemap index that lists every language's
// sitemap.
func WriteSitemapIndex(w io.Writer, refs []SitemapRef) error {
	if len(refs) == 0 {
		return fmt.Errorf("%w: a sitemap index needs at least one sitemap", ErrInvalid)
	}
	doc := sitemapIndex{NS: sitemapNS}
	for _, r := range refs {
		if err := checkLoc(r.Loc); err != nil {
			return err
		}
		s := sitemapIndexed{Loc: r.Loc}
		if !r.LastMod.IsZero() {
			s.LastMod = atomTime(r.LastMod)
		}
		doc.Sitemaps = append(doc.Sitemaps, s)
	}
	return writeXML(w, doc)
}

// WriteRobots writes a robots.txt that lets every crawler read the public
// pages, keeps them out of the disallowed path prefixes, and names the
// sitemap index.
func WriteRobots(w io.Writer, sitemapURL string, disallow []string) error {
	var b strings.Builder
	b.WriteString("User-agent: *\n")
	for _, d := range disallow {
		fmt.Fprintf(&b, "Disallow: %s\n", d)
	}
	b.WriteString("Allow: /\n\n")
	fmt.Fprintf(&b, "Sitemap: %s\n", sitemapURL)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("feed: write robots.txt: %w", err)
	}
	return nil
}

func checkLoc(loc string) error {
	if len(loc) < minLocLen || len(loc) > maxLocLen || !(strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://")) {
		return fmt.Errorf("%w: location %.80q must be an absolute http(s) URL of %d to %d characters", ErrInvalid, loc, minLocLen, maxLocLen)
	}
	return nil
}

func writeXML(w io.Writer, doc any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("feed: write sitemap: %w", err)
	}
	enc := xml.NewEncoder(w)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("feed: write sitemap: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("feed: write sitemap: %w", err)
	}
	return nil
}
