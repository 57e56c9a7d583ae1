package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// The schemas internal/feed validates its documents against.
const schemaDir = "../../internal/feed/testdata/schema/"

// xmllintValid validates doc against a schema with xmllint, as the feed
// package's tests do, and fails the test with xmllint's complaint.
func xmllintValid(t *testing.T, schema, name, doc string) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is missing: run `make deps` (Debian package libxml2-utils)")
	}
	path := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	flag := "--schema"
	if strings.HasSuffix(schema, ".rng") {
		flag = "--relaxng"
	}
	out, err := exec.Command(bin, "--noout", "--nonet", flag, schemaDir+schema, path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "validates") {
		t.Fatalf("%s does not validate against %s: %v\n%s\n%.3000s", name, schema, err, out, doc)
	}
}

// TestPortalFeedsAndSitemaps: the feeds, sitemaps and robots.txt of the
// wired server carry the demo's published content in all seven languages,
// validate against the Atom and sitemap schemas, link every translation and
// x-default, leave out what a language lacks, and come from the page cache
// on repeat.
func TestPortalFeedsAndSitemaps(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) { testPortalFeedsAndSitemaps(t, newPortalServer(t, backend)) })
	}
}

func testPortalFeedsAndSitemaps(t *testing.T, ts *testServer) {
	c := ts.client()
	forum := "/news/digital-diplomacy-forum-opens"
	for _, l := range lang.All() {
		f := ts.get(c, "/"+l.Code+"/feed.atom", nil)
		wantStatus(t, f, http.StatusOK)
		if ct := f.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
			t.Errorf("%s feed Content-Type %q", l.Code, ct)
		}
		xmllintValid(t, "atom.rng", l.Code+"/feed.atom", f.Body)
		wantContains(t, f, `xml:lang="`+l.Tag.String()+`"`, `href="`+ts.URL+`/`+l.Code+forum+`"`,
			`<link rel="self" type="application/atom+xml" href="`+ts.URL+`/`+l.Code+`/feed.atom">`)
		for _, o := range lang.All() {
			if o.Code != l.Code {
				wantContains(t, f, `<link rel="alternate" type="application/atom+xml" hreflang="`+o.Tag.String()+`" href="`+ts.URL+`/`+o.Code+`/feed.atom">`)
			}
		}
		// The consultations exist in vi, en and fr only: no other
		// language's feed or sitemap lists them.
		consult := strings.Contains(f.Body, "/news/viet-nam-japan-political-consultations")
		if want := l.Code == "vi" || l.Code == "en" || l.Code == "fr"; consult != want {
			t.Errorf("%s feed lists the consultations: %v, want %v", l.Code, consult, want)
		}

		sm := ts.get(c, "/"+l.Code+"/sitemap.xml", nil)
		wantStatus(t, sm, http.StatusOK)
		xmllintValid(t, "sitemap-xhtml.xsd", l.Code+"/sitemap.xml", sm.Body)
		wantContains(t, sm, `<loc>`+ts.URL+`/`+l.Code+forum+`</loc>`, `hreflang="x-default" href="`+ts.URL+`/"`)
		for _, o := range lang.All() {
			wantContains(t, sm, `hreflang="`+o.Tag.String()+`" href="`+ts.URL+`/`+o.Code+forum+`"`)
		}
		if got := strings.Contains(sm.Body, "/"+l.Code+"/news/viet-nam-japan-political-consultations"); got != (l.Code == "vi" || l.Code == "en" || l.Code == "fr") {
			t.Errorf("%s sitemap lists the consultations: %v", l.Code, got)
		}

		topic := ts.get(c, "/"+l.Code+"/topics/consular-affairs/feed.atom", nil)
		wantStatus(t, topic, http.StatusOK)
		xmllintValid(t, "atom.rng", l.Code+" topic feed", topic.Body)
		advisory := "/" + l.Code + "/news/travel-advisory-typhoon-season"
		if published := ts.get(c, advisory, nil).StatusCode == http.StatusOK; strings.Contains(topic.Body, advisory) != published {
			t.Errorf("%s consular-affairs feed lists the advisory: %v, its page is published: %v", l.Code, !published, published)
		}
		wantContains(t, topic, `<link rel="alternate" type="text/html" hreflang="`+l.Tag.String()+`" href="`+ts.URL+`/`+l.Code+`/topics/consular-affairs">`)
		if strings.Contains(topic.Body, forum) {
			t.Errorf("%s consular-affairs feed lists the forum", l.Code)
		}
		country := ts.get(c, "/"+l.Code+"/countries/JP/feed.atom", nil)
		wantStatus(t, country, http.StatusOK)
		xmllintValid(t, "atom.rng", l.Code+" country feed", country.Body)

		// The pages the feeds mirror announce them, visibly and in <head>.
		wantContains(t, ts.get(c, "/"+l.Code+"/", nil), `<link rel="alternate" type="application/atom+xml" href="/`+l.Code+`/feed.atom"`)
		wantContains(t, ts.get(c, "/"+l.Code+"/countries/JP", nil), `href="/`+l.Code+`/countries/JP/feed.atom" type="application/atom+xml">`)
	}
	wantContains(t, ts.get(c, "/zh/topics/consular-affairs/feed.atom", nil), `<title type="text">主题：领事事务</title>`)

	idx := ts.get(c, "/sitemap.xml", nil)
	wantStatus(t, idx, http.StatusOK)
	xmllintValid(t, "siteindex.xsd", "sitemap.xml", idx.Body)
	for _, l := range lang.All() {
		wantContains(t, idx, `<loc>`+ts.URL+`/`+l.Code+`/sitemap.xml</loc>`)
	}
	robots := ts.get(c, "/robots.txt", nil)
	wantStatus(t, robots, http.StatusOK)
	wantContains(t, robots, "Sitemap: "+ts.URL+"/sitemap.xml", "Disallow: /admin")

	for _, p := range []string{"/en/topics/no-such-topic/feed.atom", "/en/countries/ZZ/feed.atom", "/en/countries/zzzz/feed.atom", "/en/sitemap.xml?page=2", "/xx/feed.atom"} {
		if r := ts.get(c, p, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
		}
	}
	for _, p := range []string{"/en/feed.atom", "/sitemap.xml", "/vi/sitemap.xml", "/robots.txt", "/en/topics/asean/feed.atom"} {
		ts.get(c, p, nil)
		if r := ts.get(c, p, nil); r.Header.Get("X-Cache") != "HIT" {
			t.Errorf("GET %s again: X-Cache %q, want HIT", p, r.Header.Get("X-Cache"))
		}
	}
}

// TestStatementPublishVerifyAndCache follows a statement through the
// editing API the way the press office and the public use it: publishing
// signs it, its page links to the verify page, which recognises it by
// address and by the text a reader copies from the page; a correction is
// a new signed version, and the old text is still recognised as version 1.
// Every publish purges the page cache: the page shows the new text at once,
// with a new ETag, where the old ETag was answered with 304 before.
func TestStatementPublishVerifyAndCache(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) { testStatementPublishVerifyAndCache(t, newPortalServer(t, backend)) })
	}
}

func testStatementPublishVerifyAndCache(t *testing.T, ts *testServer) {
	ed := portalEditor(t, ts)
	js := map[string]string{"Accept": "application/json"}
	api := func(method, path, body string, want int) response {
		t.Helper()
		r := ts.send(ed, method, path, "application/json", body, js)
		wantStatus(t, r, want)
		return r
	}
	r := api("POST", "/api/v1/articles", `{"slug":"statement-on-cable-protection","kind":"statement","source_lang":"en","unit":"spokesperson","topics":["maritime-affairs"]}`, http.StatusCreated)
	var a struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(r.Body), &a); err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/articles/" + itoa(a.ID)
	body1 := "Viet Nam calls on all parties to protect **submarine cables**.\n\n## Our position\n\n- Cables are critical infrastructure.\n- Damage must be [investigated](https://example.org/report).\n\nThe ministry will follow the matter closely."
	text := func(title, body string) string {
		b, _ := json.Marshal(map[string]string{"title": title, "summary": "On the protection of submarine cables.", "body": body})
		return string(b)
	}
	api("PUT", base+"/translations/en", text("Statement on the protection of submarine cables", body1), http.StatusOK)

	anon := ts.client()
	page := "/en/news/statement-on-cable-protection"
	noGzip := map[string]string{"Accept-Encoding": "identity"}
	if r := ts.get(anon, page, noGzip); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unpublished statement: %d", r.StatusCode)
	}
	home := ts.get(anon, "/en/", noGzip)
	homeTag := home.Header.Get("ETag")

	api("POST", base+"/translations/en/publish", `{}`, http.StatusOK)

	// Purged on publish: the home and the feed show it on the next request.
	h2 := ts.get(anon, "/en/", noGzip)
	wantContains(t, h2, page)
	if h2.Header.Get("ETag") == homeTag || h2.Header.Get("X-Cache") != "MISS" {
		t.Errorf("home after publish: ETag %q (was %q), X-Cache %q", h2.Header.Get("ETag"), homeTag, h2.Header.Get("X-Cache"))
	}
	wantContains(t, ts.get(anon, "/en/feed.atom", nil), ts.URL+page)

	v1 := ts.get(anon, page, noGzip)
	wantStatus(t, v1, http.StatusOK)
	link := signing.VerifyLink("en", ts.URL+page)
	wantContains(t, v1, `<a href="`+strings.ReplaceAll(link, "&", "&amp;")+`">Verify this statement</a>`)
	etag1 := v1.Header.Get("ETag")
	if csp := v1.Header.Get("Content-Security-Policy"); csp != httpx.StaticCSP || strings.Contains(v1.Body, "nonce") {
		t.Errorf("cached page CSP %q, want the static policy", csp)
	}
	if r := ts.get(anon, page, map[string]string{"If-None-Match": etag1, "Accept-Encoding": "identity"}); r.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match before the correction: %d, want 304", r.StatusCode)
	}
	copied1 := readerCopy(t, v1.Body)

	// The link verifies it by address; the copied text matches too.
	ver := ts.get(anon, link, nil)
	wantStatus(t, ver, http.StatusOK)
	wantContains(t, ver, "This matches a statement signed by the ministry.", `<dd class="verify-version">1</dd>`)
	ver = ts.postForm(anon, "/en/verify", url.Values{"text": {copied1}}, nil)
	wantStatus(t, ver, http.StatusOK)
	wantContains(t, ver, "This matches a statement signed by the ministry.", `<dd class="verify-version">1</dd>`)

	// A correction: a new version, signed, shown at once.
	body2 := strings.Replace(body1, "closely.", "closely and report to the National Assembly.", 1)
	api("PUT", base+"/translations/en", text("Statement on the protection of submarine cables", body2), http.StatusOK)
	api("POST", base+"/translations/en/publish", `{"note":"Added the report to the National Assembly."}`, http.StatusOK)
	v2 := ts.get(anon, page, map[string]string{"If-None-Match": etag1, "Accept-Encoding": "identity"})
	wantStatus(t, v2, http.StatusOK)
	wantContains(t, v2, "report to the National Assembly", "Added the report to the National Assembly.")
	if v2.Header.Get("ETag") == etag1 {
		t.Error("the ETag did not change with the correction")
	}
	copied2 := readerCopy(t, v2.Body)

	ver = ts.get(anon, link, nil)
	wantContains(t, ver, `<dd class="verify-version">2</dd>`, `<dd class="verify-version">1</dd>`, "This is the latest version.")
	ver = ts.postForm(anon, "/en/verify", url.Values{"text": {copied2}}, nil)
	wantContains(t, ver, "This matches a statement signed by the ministry.", `<dd class="verify-version">2</dd>`)
	if strings.Contains(ver.Body, `<dd class="verify-version">1</dd>`) {
		t.Error("the corrected text matched version 1")
	}
	// The old text, as copied before the correction, is version 1, and
	// the page says a newer version exists.
	ver = ts.postForm(anon, "/en/verify", url.Values{"text": {copied1}}, nil)
	wantContains(t, ver, `<dd class="verify-version">1</dd>`, `class="verify-superseded"`)
	// The old version's page itself still reads as version 1.
	old := ts.get(anon, page+"/v/1", nil)
	wantStatus(t, old, http.StatusOK)
	if got := readerCopy(t, old.Body); got != copied1 {
		t.Errorf("version 1 page text changed:\n%s\nwant\n%s", got, copied1)
	}
	// An altered text is not found.
	ver = ts.postForm(anon, "/en/verify", url.Values{"text": {strings.Replace(copied2, "critical", "optional", 1)}}, nil)
	wantContains(t, ver, `id="verify-problem"`)

	// Unpublishing purges too: the page is gone at once.
	api("POST", base+"/translations/en/unpublish", ``, http.StatusOK)
	if r := ts.get(anon, page, noGzip); r.StatusCode != http.StatusNotFound {
		t.Errorf("after unpublish: %d, want 404", r.StatusCode)
	}
	if strings.Contains(ts.get(anon, "/en/", noGzip).Body, page) {
		t.Error("the home still lists the unpublished statement")
	}

	// A statement under embargo is signed when published, but neither its
	// page nor the verify page shows it before its issue time.
	issue := ts.clock.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	r = api("POST", "/api/v1/articles", `{"slug":"embargoed-statement","kind":"statement","source_lang":"en","issued_at":"`+issue+`"}`, http.StatusCreated)
	if err := json.Unmarshal([]byte(r.Body), &a); err != nil {
		t.Fatal(err)
	}
	api("PUT", "/api/v1/articles/"+itoa(a.ID)+"/translations/en", text("Embargoed statement", "Not public before noon."), http.StatusOK)
	api("POST", "/api/v1/articles/"+itoa(a.ID)+"/translations/en/publish", `{}`, http.StatusOK)
	embargoed := "/en/news/embargoed-statement"
	for _, probe := range []response{
		ts.get(anon, signing.VerifyLink("en", ts.URL+embargoed), nil),
		ts.postForm(anon, "/en/verify", url.Values{"text": {"Embargoed statement\n\nNot public before noon."}}, nil),
	} {
		if strings.Contains(probe.Body, "verify-match") || !strings.Contains(probe.Body, `id="verify-problem"`) {
			t.Errorf("the verify page shows an embargoed statement: %s", excerpt(probe.Body))
		}
	}
	wantStatus(t, ts.get(anon, embargoed, nil), http.StatusNotFound)
	ts.clock.Advance(2*time.Hour + time.Second)
	wantContains(t, ts.get(anon, signing.VerifyLink("en", ts.URL+embargoed), nil), "This matches a statement signed by the ministry.", "Embargoed statement")

	// Renaming a topic purges too: its list shows the new name at once.
	ts.get(anon, "/en/topics/maritime-affairs", noGzip)
	wantContains(t, ts.get(anon, "/en/topics/maritime-affairs", noGzip), "Maritime affairs")
	api("PUT", "/api/v1/topics/maritime-affairs", `{"names":{"en":"Seas and oceans","vi":"Biển đảo"}}`, http.StatusOK)
	wantContains(t, ts.get(anon, "/en/topics/maritime-affairs", noGzip), "Seas and oceans")

	// News is not signed.
	if got, err := ts.app.statements.SignedByPath(context.Background(), "/en/news/digital-diplomacy-forum-opens"); err != nil || len(got) != 0 {
		t.Errorf("a news article was signed: %v %v", got, err)
	}
}

// readerCopy returns what a reader selects and copies from an article
// page: the headline, then the body, each block on its own line, as a
// browser's innerText gives them (the browser test does it in Chromium).
func readerCopy(t *testing.T, page string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var title, body strings.Builder
	var walk func(n *html.Node, out *strings.Builder)
	walk = func(n *html.Node, out *strings.Builder) {
		if n.Type == html.TextNode {
			out.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, out)
		}
		if n.Type == html.ElementNode && regexp.MustCompile(`^(p|h[1-6]|li|div)$`).MatchString(n.Data) {
			out.WriteString("\n")
		}
	}
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "class" && a.Val == "article-body" {
					walk(n, &body)
					return
				}
			}
			if n.Data == "h1" {
				walk(n, &title)
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if title.Len() == 0 || body.Len() == 0 {
		t.Fatalf("no headline or body in the page:\n%s", excerpt(page))
	}
	return strings.TrimSpace(title.String()) + "\n\n" + strings.TrimSpace(body.String())
}
