package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// newPortalServer serves the demo content on backend.
func newPortalServer(t *testing.T, backend string) *testServer {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 3, 14, 1, 30, 0, 0, time.UTC))
	db := storetest.OpenWithClock(t, backend, clock.Now)
	ts := newTestServer(t, db, clock, func(c *config.Config) { c.Demo = true })
	return ts
}

func TestPortalPublicPages(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) { testPortalPublicPages(t, newPortalServer(t, backend)) })
	}
}

func testPortalPublicPages(t *testing.T, ts *testServer) {
	c := ts.client()
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lang.All() {
		t.Run(l.Code, func(t *testing.T) {
			home := ts.get(c, "/"+l.Code+"/", nil)
			wantStatus(t, home, http.StatusOK)
			wantContains(t, home, `<html lang="`+l.Tag.String()+`" dir="`+l.Dir+`"`, `hreflang="x-default"`,
				`href="/`+l.Code+`/news/digital-diplomacy-forum-opens"`, `action="/`+l.Code+`/search"`,
				`<link rel="canonical" href="`+ts.URL+`/`+l.Code+`/"`)

			art := ts.get(c, "/"+l.Code+"/news/digital-diplomacy-forum-opens", nil)
			wantStatus(t, art, http.StatusOK)
			wantContains(t, art, `<link rel="canonical" href="`+ts.URL+`/`+l.Code+`/news/digital-diplomacy-forum-opens"`,
				`<meta property="og:type" content="article">`, `<script type="application/ld+json">`,
				`"@type":"NewsArticle"`, `"inLanguage":"`+l.Tag.String()+`"`, `hreflang="x-default"`,
				`href="/`+l.Code+`/topics/digital-diplomacy"`, `href="/`+l.Code+`/countries/035"`)
			for _, o := range lang.All() {
				wantContains(t, art, `<link rel="alternate" hreflang="`+o.Tag.String()+`" href="`+ts.URL+`/`+o.Code+`/news/digital-diplomacy-forum-opens">`)
			}
			// Published 26 hours before 01:30 UTC on 14 March: 12 March at
			// 23:30 UTC is 13 March at 06:30 in Ha Noi.
			wantContains(t, art, `datetime="2026-03-13T06:30:00&#43;07:00"`, lang.FormatDateTime(l.Code, time.Date(2026, 3, 13, 6, 30, 0, 0, time.FixedZone("", 7*3600)), time.FixedZone("ICT", 7*3600), lang.Long))

			// An article missing in this language says so, in this
			// language only, and links to the languages it exists in.
			missing := ts.get(c, "/"+l.Code+"/news/viet-nam-japan-political-consultations", nil)
			switch l.Code {
			case "vi", "en", "fr":
				wantStatus(t, missing, http.StatusOK)
			default:
				wantStatus(t, missing, http.StatusNotFound)
				wantContains(t, missing, cat.T(l.Code, "translation_not_available"),
					`<a href="/fr/news/viet-nam-japan-political-consultations" lang="fr" hreflang="fr" dir="ltr">Français</a>`)
				if strings.Contains(missing.Body, "Tham vấn") || strings.Contains(missing.Body, "consultations politiques") {
					t.Error("the missing page shows another language's text")
				}
			}

			topic := ts.get(c, "/"+l.Code+"/topics/consular-affairs", nil)
			wantStatus(t, topic, http.StatusOK)
			country := ts.get(c, "/"+l.Code+"/countries/JP", nil)
			wantStatus(t, country, http.StatusOK)
			if l.Code == "zh" {
				wantContains(t, topic, "领事事务", "台风季节出行提示")
				wantContains(t, country, "日本")
			}
			if l.Code == "vi" {
				wantContains(t, country, "Nhật Bản", "Tham vấn chính trị")
			}
		})
	}

	// Search, per language; Chinese words inside unsegmented text.
	for _, tt := range []struct {
		lang, q, want string
		found         bool
	}{
		{"zh", "外交", "东盟数字外交论坛开幕", true},
		{"zh", "台风", "台风季节出行提示", true},
		{"en", "typhoon", "Travel advice for the typhoon season", true},
		{"en", "cybersecurity", "ASEAN Digital Diplomacy Forum opens", true},
		{"vi", "Nhật Bản", "Tham vấn chính trị", true},
		{"ar", "الدبلوماسية", "افتتاح منتدى الدبلوماسية الرقمية", true},
		{"ru", "АСЕАН", "Открылся Форум цифровой дипломатии АСЕАН", true},
		{"en", `"); DROP TABLE articles; --`, "", false},
		{"en", strings.Repeat("ẞ語ي ", 3000), "", false},
		{"fr", "%ff%fe", "", false},
	} {
		r := ts.get(c, "/"+tt.lang+"/search?q="+url.QueryEscape(tt.q), nil)
		wantStatus(t, r, http.StatusOK)
		if tt.found {
			wantContains(t, r, tt.want)
		} else {
			wantContains(t, r, cat.T(tt.lang, "portal_search_none"))
		}
	}
	// Bytes that are not text are refused at the edge, in the reader's language.
	r0 := ts.get(c, "/en/search?q=%ff%fe%fd", nil)
	wantStatus(t, r0, http.StatusBadRequest)
	wantContains(t, r0, cat.T("en", "error_text_invalid"))

	// A correction: the "Updated" note, the history and the first version.
	st := ts.get(c, "/en/news/statement-on-east-sea-day", nil)
	wantContains(t, st, cat.T("en", "portal_updated"), "Added the Convention&#39;s abbreviation", "/en/news/statement-on-east-sea-day/history", "(UNCLOS)")
	hist := ts.get(c, "/en/news/statement-on-east-sea-day/history", nil)
	wantStatus(t, hist, http.StatusOK)
	wantContains(t, hist, `href="/en/news/statement-on-east-sea-day/v/1"`, cat.T("en", "portal_version", map[string]any{"Number": 2}))
	v1 := ts.get(c, "/en/news/statement-on-east-sea-day/v/1", nil)
	wantStatus(t, v1, http.StatusOK)
	wantContains(t, v1, cat.T("en", "portal_old_version", map[string]any{"Number": 1}))
	if strings.Contains(v1.Body, "(UNCLOS)") {
		t.Error("version 1 shows the corrected text")
	}

	// Bad input gets a localised 404, never a 500.
	for _, p := range []string{"/xx/news/digital-diplomacy-forum-opens", "/en/news/no-such-article", "/en/news/statement-on-east-sea-day/v/9",
		"/en/news/statement-on-east-sea-day/v/x", "/en/countries/ZZ", "/en/countries/zzzz", "/en/nothing", "/qq/search", "/media/abc", "/en/topics/economy?page=999"} {
		r := ts.get(c, p, nil)
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
		}
	}
	r := ts.get(c, "/xx/news/digital-diplomacy-forum-opens", nil)
	wantContains(t, r, `href="/vi/"`, `href="/ar/" lang="ar"`)
}

// portalEditor signs in a press officer.
func portalEditor(t *testing.T, ts *testServer) *http.Client {
	t.Helper()
	ts.addUser("press", "press officer password", account.RolePressOfficer)
	return ts.signIn("press", "press officer password")
}

func TestPortalEditing(t *testing.T) {
	ts := newPortalServer(t, store.BackendSQLite)
	c := portalEditor(t, ts)
	anon := ts.client()

	wantContains(t, ts.get(c, "/admin", nil), `href="/admin/articles"`)
	list := ts.get(c, "/admin/articles", nil)
	wantStatus(t, list, http.StatusOK)
	wantContains(t, list, "Tham vấn chính trị Việt Nam – Nhật Bản")

	// A refused form keeps what was typed and names the field.
	bad := ts.postForm(c, "/admin/articles", url.Values{"slug": {"Bad Slug!"}, "kind": {"news"}, "source_lang": {"en"}, "topics": {"economy, trade"}}, nil)
	wantStatus(t, bad, http.StatusBadRequest)
	wantContains(t, bad, `value="Bad Slug!"`, `value="economy, trade"`, `id="slug"`, `aria-invalid="true"`, `role="alert"`)

	r := ts.postForm(c, "/admin/articles", url.Values{"slug": {"trade-talks"}, "kind": {"press-release"}, "unit": {"economic-department"},
		"source_lang": {"en"}, "topics": {"trade"}, "countries": {"fr, 035"}, "featured": {"on"}}, nil)
	wantStatus(t, r, http.StatusSeeOther)
	edit := r.Header.Get("Location")
	if !regexp.MustCompile(`^/admin/articles/\d+/en$`).MatchString(edit) {
		t.Fatalf("Location %q", edit)
	}
	id := strings.Split(edit, "/")[3]
	dup := ts.postForm(c, "/admin/articles", url.Values{"slug": {"trade-talks"}, "kind": {"news"}, "source_lang": {"en"}}, nil)
	wantStatus(t, dup, http.StatusConflict)

	// Source text: a too-long title is refused and nothing typed is lost.
	long := strings.Repeat("T", 301)
	r = ts.postForm(c, edit, url.Values{"title": {long}, "body": {"kept body"}, "image_src": {"/media/x.png"}, "image_alt": {"kept alt"}}, nil)
	wantStatus(t, r, http.StatusBadRequest)
	wantContains(t, r, "kept body", `value="kept alt"`, `value="`+long+`"`)
	r = ts.postForm(c, edit, url.Values{"title": {"Trade talks open"}, "summary": {"Talks on trade."}, "body": {"## Agenda\n\nTariffs <script>alert(1)</script>"}, "action": {"save"}}, nil)
	wantStatus(t, r, http.StatusSeeOther)
	if got := ts.get(anon, "/en/news/trade-talks", nil); got.StatusCode != http.StatusNotFound {
		t.Errorf("draft is public: %d", got.StatusCode)
	}
	// The preview is the public page, in the translation's language.
	pv := ts.get(c, edit+"/preview", nil)
	wantStatus(t, pv, http.StatusOK)
	wantContains(t, pv, `<html lang="en"`, "Trade talks open", `<h3 id="agenda">Agenda</h3>`, `noindex`)
	if strings.Contains(pv.Body, "<script>alert") {
		t.Error("preview renders raw script")
	}
	r = ts.postForm(c, edit, url.Values{"title": {"Trade talks open"}, "summary": {"Talks on trade."}, "body": {"## Agenda\n\nTariffs"}, "action": {"publish"}}, nil)
	wantStatus(t, r, http.StatusSeeOther)
	pub := ts.get(anon, "/en/news/trade-talks", nil)
	wantStatus(t, pub, http.StatusOK)
	wantContains(t, pub, "Trade talks open", `href="/en/countries/FR"`)

	// The French translation, side by side with the English source.
	fr := "/admin/articles/" + id + "/fr"
	page := ts.get(c, fr, nil)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page, `<div lang="en" dir="ltr">`, "Trade talks open", `name="title"`)
	r = ts.postForm(c, fr, url.Values{"title": {"Ouverture des négociations commerciales"}, "body": {"Tarifs"}, "action": {"publish"}}, nil)
	wantStatus(t, r, http.StatusSeeOther)
	wantStatus(t, ts.get(anon, "/fr/news/trade-talks", nil), http.StatusOK)

	// An image uploaded with the form, with its alt text in French.
	body, ct := multipartForm(t, map[string]string{"title": "Ouverture des négociations commerciales", "body": "Tarifs", "action": "publish",
		"image_file_alt": "Les délégations à la table"}, "image_file", "table.png", pngImage(t))
	r = ts.send(c, "POST", fr, ct, body, nil)
	wantStatus(t, r, http.StatusSeeOther)
	withImage := ts.get(anon, "/fr/news/trade-talks", nil)
	src := regexp.MustCompile(`<img src="(/media/[0-9a-f]{64}\.png)" alt="Les délégations à la table"`).FindStringSubmatch(withImage.Body)
	if src == nil {
		t.Fatalf("the uploaded image is not on the page: %s", excerpt(withImage.Body))
	}
	img := ts.get(anon, src[1], nil)
	wantStatus(t, img, http.StatusOK)
	if img.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(img.Body, "\x89PNG") {
		t.Errorf("media: %s, %q", img.Header.Get("Content-Type"), img.Body[:8])
	}
	// A photograph of a few megabytes goes through: staff forms that
	// upload images have a body limit of their own (-max-upload), above
	// the 1 MiB of every other request.
	big := noisePNG(t, 1000, 800)
	if len(big) < 2<<20 {
		t.Fatalf("the test image is only %d bytes", len(big))
	}
	body, ct = multipartForm(t, map[string]string{"title": "Ouverture des négociations commerciales", "body": "Tarifs", "action": "publish",
		"image_file_alt": "La salle"}, "image_file", "salle.png", big)
	r = ts.send(c, "POST", fr, ct, body, nil)
	wantStatus(t, r, http.StatusSeeOther)
	wantContains(t, ts.get(anon, "/fr/news/trade-talks", nil), `alt="La salle"`)
	// A form of that size that is not an upload is refused, in the
	// user's language.
	r = ts.postForm(c, fr, url.Values{"title": {strings.Repeat("a", 2<<20)}, "action": {"save"}}, nil)
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	// A file that is not an image is refused, and the text typed is kept.
	body, ct = multipartForm(t, map[string]string{"title": "Titre conservé", "body": "Tarifs", "image_file_alt": "x"}, "image_file", "evil.html", []byte("<script>alert(1)</script>"))
	r = ts.send(c, "POST", fr, ct, body, nil)
	wantStatus(t, r, http.StatusBadRequest)
	wantContains(t, r, `value="Titre conservé"`, `id="image-file" name="image_file"`, `aria-invalid="true"`)
	// Changing the source marks the French outdated.
	r = ts.postForm(c, edit, url.Values{"title": {"Trade talks open"}, "summary": {"Talks on trade."}, "body": {"## Agenda\n\nTariffs and quotas"}, "action": {"save"}}, nil)
	wantStatus(t, r, http.StatusSeeOther)
	art := ts.get(c, "/admin/articles/"+id, nil)
	wantContains(t, art, "state-outdated")

	// Unpublish keeps the versions; the page goes.
	r = ts.postForm(c, fr+"/unpublish", nil, nil)
	wantStatus(t, r, http.StatusSeeOther)
	wantStatus(t, ts.get(anon, "/fr/news/trade-talks", nil), http.StatusNotFound)
	vs := ts.get(c, "/api/v1/articles/"+id+"/translations/fr/versions", nil)
	wantStatus(t, vs, http.StatusOK)
	wantContains(t, vs, `"version":1`)

	// An issue time to come holds the article back until then; it is read
	// in the portal's zone.
	bad = ts.postForm(c, "/admin/articles", url.Values{"slug": {"embargoed"}, "kind": {"statement"}, "source_lang": {"en"}, "issued_at": {"tomorrow"}}, nil)
	wantStatus(t, bad, http.StatusBadRequest)
	wantContains(t, bad, `value="tomorrow"`, `value="embargoed"`)
	later := ts.clock.Now().Add(48 * time.Hour).In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02T15:04")
	r = ts.postForm(c, "/admin/articles", url.Values{"slug": {"embargoed"}, "kind": {"statement"}, "source_lang": {"en"}, "issued_at": {later}}, nil)
	wantStatus(t, r, http.StatusSeeOther)
	r = ts.postForm(c, r.Header.Get("Location"), url.Values{"title": {"Embargoed statement"}, "action": {"publish"}}, nil)
	wantStatus(t, r, http.StatusSeeOther)
	wantStatus(t, ts.get(anon, "/en/news/embargoed", nil), http.StatusNotFound)
	ts.clock.Advance(49 * time.Hour)
	wantStatus(t, ts.get(anon, "/en/news/embargoed", nil), http.StatusOK)

	// Delegates and anonymous visitors cannot edit.
	ts.addUser("delegate", "delegate password", account.RoleDelegate)
	d := ts.signIn("delegate", "delegate password")
	wantStatus(t, ts.get(d, "/admin/articles", nil), http.StatusForbidden)
}

func TestPortalAPI(t *testing.T) {
	ts := newPortalServer(t, store.BackendPostgres)
	c := portalEditor(t, ts)
	js := map[string]string{"Accept": "application/json"}
	send := func(method, path, body string) response {
		t.Helper()
		return ts.send(c, method, path, "application/json", body, js)
	}
	r := send("POST", "/api/v1/articles", `{"slug":"api-statement","kind":"statement","source_lang":"vi","unit":"spokesperson","topics":["maritime-affairs"],"countries":["vn"]}`)
	wantStatus(t, r, http.StatusCreated)
	var a struct {
		ID        int64    `json:"id"`
		Countries []string `json:"countries"`
	}
	if err := json.Unmarshal([]byte(r.Body), &a); err != nil || a.ID == 0 || a.Countries[0] != "VN" {
		t.Fatalf("created %s: %v", r.Body, err)
	}
	base := "/api/v1/articles/" + itoa(a.ID)

	for _, tt := range []struct {
		method, path, body, field string
		status                    int
	}{
		{"POST", "/api/v1/articles", `{"slug":"x y","kind":"news","source_lang":"vi"}`, "slug", 400},
		{"POST", "/api/v1/articles", `{"slug":"ok","kind":"blog","source_lang":"vi"}`, "kind", 400},
		{"POST", "/api/v1/articles", `{"slug":"ok","kind":"news","source_lang":"de"}`, "source_lang", 400},
		{"POST", "/api/v1/articles", `{"slug":"ok","kind":"news","source_lang":"vi","countries":["XX"]}`, "countries", 400},
		{"POST", "/api/v1/articles", `{"slug":"api-statement","kind":"news","source_lang":"vi"}`, "slug", 409},
		{"PATCH", base, `{"slug":"renamed"}`, "slug", 400},
		{"PUT", base + "/translations/vi", `{"title":""}`, "title", 400},
		{"PUT", base + "/translations/vi", `{"title":"x","images":[{"src":"javascript:alert(1)","alt":"a"}]}`, "images", 400},
		{"PUT", base + "/translations/vi", `{"title":"x","images":[{"src":"https://example.org/a.png","alt":""}]}`, "images", 400},
		{"PUT", base + "/translations/vi", `{"title":"x","unknown":1}`, "", 400},
		{"PUT", base + "/translations/vi", `{"title":"x","body":"` + strings.Repeat(">", 40) + ` deep"}`, "body", 400},
		{"PUT", base + "/translations/xx", `{"title":"x"}`, "", 404},
		{"POST", base + "/translations/en/publish", ``, "", 404},
	} {
		r := send(tt.method, tt.path, tt.body)
		if r.StatusCode != tt.status {
			t.Errorf("%s %s %s: %d, want %d: %s", tt.method, tt.path, tt.body, r.StatusCode, tt.status, r.Body)
			continue
		}
		if tt.field != "" && !strings.Contains(r.Body, `"field":"`+tt.field+`"`) {
			t.Errorf("%s %s %s: %s does not name field %s", tt.method, tt.path, tt.body, r.Body, tt.field)
		}
	}
	// Errors speak the caller's language.
	r = ts.send(c, "POST", "/api/v1/articles", "application/json", `{"slug":"x y","kind":"news","source_lang":"vi"}`, map[string]string{"Accept-Language": "fr"})
	wantContains(t, r, "Le nom d’adresse")

	wantStatus(t, send("PUT", base+"/translations/vi", `{"title":"Tuyên bố về hợp tác","summary":"Tóm tắt","body":"Nội dung","images":[{"src":"https://example.org/map.png","alt":"Bản đồ"}]}`), 200)
	r = send("POST", base+"/translations/vi/publish", ``)
	wantStatus(t, r, 200)
	wantContains(t, r, `"version":1`)
	wantStatus(t, send("PUT", base+"/translations/vi", `{"title":"Tuyên bố về hợp tác","summary":"Tóm tắt","body":"Nội dung đã sửa","images":[{"src":"https://example.org/map.png","alt":"Bản đồ"}]}`), 200)
	r = send("POST", base+"/translations/vi/publish", `{"note":"Sửa lỗi chính tả."}`)
	wantContains(t, r, `"version":2`, `"note":"Sửa lỗi chính tả."`)
	page := ts.get(ts.client(), "/vi/news/api-statement", nil)
	wantContains(t, page, "Nội dung đã sửa", "Sửa lỗi chính tả.", `<img src="https://example.org/map.png" alt="Bản đồ"`, `"image":["https://example.org/map.png"]`)
	r = send("GET", base, "")
	wantContains(t, r, `"status":"published"`, `"live_version":2`)
	wantStatus(t, send("POST", base+"/translations/vi/unpublish", ""), 200)
	wantStatus(t, ts.get(ts.client(), "/vi/news/api-statement", nil), http.StatusNotFound)
	r = send("GET", "/api/v1/articles?slug=api-statement", "")
	wantContains(t, r, `"slug":"api-statement"`)
	if strings.Contains(r.Body, "digital-diplomacy-forum-opens") {
		t.Error("?slug= lists other articles")
	}
	wantContains(t, send("GET", "/api/v1/articles?slug=nothing", ""), "[]")
	wantContains(t, send("GET", "/api/v1/articles", ""), `"slug":"digital-diplomacy-forum-opens"`)
	wantStatus(t, send("PUT", "/api/v1/topics/trade", `{"names":{"vi":"Thương mại","en":"Trade"}}`), 200)
	wantStatus(t, send("PUT", "/api/v1/topics/trade", `{"names":{"de":"Handel"}}`), 400)
}

// multipartForm encodes fields and one file as multipart/form-data.
func multipartForm(t *testing.T, fields map[string]string, fileField, filename string, data []byte) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile(fileField, filename)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), mw.FormDataContentType()
}

// pngImage is a small real PNG.
func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	for x := range 16 {
		for y := range 9 {
			img.Set(x, y, color.RGBA{R: 0xda, G: 0x25, B: 0x1d, A: 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// noisePNG is a PNG of random pixels, which do not compress: about four
// bytes a pixel.
func noisePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPortalPagination(t *testing.T) {
	ts := newPortalServer(t, store.BackendSQLite)
	ctx := t.Context()
	now := ts.clock.Now()
	for i := range 23 {
		_, err := ts.db.CreateArticle(ctx, store.Article{Slug: "item-" + itoa(int64(i)), Kind: "news", SourceLang: "en",
			Topics: []string{"archive"}, Countries: []string{"KR"}, PublishedAt: now.Add(-time.Duration(i+1) * time.Minute),
			Translations: map[string]store.ArticleTranslation{"en": {Title: "Item number " + itoa(int64(i)), Status: store.StatusPublished}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	c := ts.client()
	for _, base := range []string{"/en/topics/archive", "/en/countries/KR"} {
		p1 := ts.get(c, base, nil)
		wantStatus(t, p1, http.StatusOK)
		wantContains(t, p1, "Item number 0<", "Item number 9<", `href="`+base+`?page=2" rel="next"`, "23 articles")
		if strings.Contains(p1.Body, "Item number 10<") || strings.Contains(p1.Body, `rel="prev"`) {
			t.Errorf("%s page 1 shows too much", base)
		}
		p3 := ts.get(c, base+"?page=3", nil)
		wantStatus(t, p3, http.StatusOK)
		wantContains(t, p3, "Item number 20<", "Item number 22<", `href="`+base+`?page=2" rel="prev"`, `<link rel="canonical" href="`+ts.URL+base+`?page=3"`)
		if strings.Contains(p3.Body, `rel="next"`) {
			t.Errorf("%s last page links to a next one", base)
		}
		wantStatus(t, ts.get(c, base+"?page=4", nil), http.StatusNotFound)
		wantStatus(t, ts.get(c, base+"?page=-1", nil), http.StatusOK) // odd numbers read as page 1
	}
	home := ts.get(c, "/en/?page=2", nil)
	wantStatus(t, home, http.StatusOK)
	wantContains(t, home, `rel="prev"`)
}
