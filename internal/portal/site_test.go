package portal_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/authtest"
	"github.com/mofa-vn/chancery/internal/demo"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// site is the portal with the demo's content, served with real sign-in.
type site struct {
	*authtest.Site
	clock *storetest.Clock
}

// newPortalServer serves the demo content on backend, the portal's dates
// in the default zone (Asia/Ho_Chi_Minh).
func newPortalServer(t *testing.T, backend string) *site {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 3, 14, 1, 30, 0, 0, time.UTC))
	db := storetest.OpenWithClock(t, backend, clock.Now)
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) { p.SecureCookies = true })
	zone, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	s := authtest.Serve(t, db, clock.Now, kit, func(mux *httpx.Router, svc *auth.Service) {
		if _, err := demo.Load(t.Context(), db, svc); err != nil {
			t.Fatal(err)
		}
		h, err := portal.New(t.Context(), portal.Params{DB: db, Kit: kit, Log: kit.Log, Location: zone, VerifyLink: signing.VerifyLink})
		if err != nil {
			t.Fatal(err)
		}
		h.Routes(mux)
	}, authtest.Options{})
	return &site{Site: s, clock: clock}
}

// portalEditor signs in a press officer.
func portalEditor(t *testing.T, ts *site) *http.Client {
	t.Helper()
	ts.AddUser("press", "press officer password", account.RolePressOfficer)
	return ts.SignIn("press", "press officer password")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestPortalPublicPages(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) { testPortalPublicPages(t, newPortalServer(t, backend)) })
	}
}

func testPortalPublicPages(t *testing.T, ts *site) {
	c := ts.Browser()
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lang.All() {
		t.Run(l.Code, func(t *testing.T) {
			home := ts.Get(c, "/"+l.Code+"/", nil)
			httpxtest.WantStatus(t, home, http.StatusOK)
			httpxtest.WantContains(t, home, `<html lang="`+l.Tag.String()+`" dir="`+l.Dir+`"`, `hreflang="x-default"`,
				`href="/`+l.Code+`/news/digital-diplomacy-forum-opens"`, `action="/`+l.Code+`/search"`,
				`<link rel="canonical" href="`+ts.URL+`/`+l.Code+`/"`)

			art := ts.Get(c, "/"+l.Code+"/news/digital-diplomacy-forum-opens", nil)
			httpxtest.WantStatus(t, art, http.StatusOK)
			httpxtest.WantContains(t, art, `<link rel="canonical" href="`+ts.URL+`/`+l.Code+`/news/digital-diplomacy-forum-opens"`,
				`<meta property="og:type" content="article">`, `<script type="application/ld+json">`,
				`"@type":"NewsArticle"`, `"inLanguage":"`+l.Tag.String()+`"`, `hreflang="x-default"`,
				`href="/`+l.Code+`/topics/digital-diplomacy"`, `href="/`+l.Code+`/countries/035"`)
			for _, o := range lang.All() {
				httpxtest.WantContains(t, art, `<link rel="alternate" hreflang="`+o.Tag.String()+`" href="`+ts.URL+`/`+o.Code+`/news/digital-diplomacy-forum-opens">`)
			}
			// Published 26 hours before 01:30 UTC on 14 March: 12 March at
			// 23:30 UTC is 13 March at 06:30 in Ha Noi.
			httpxtest.WantContains(t, art, `datetime="2026-03-13T06:30:00&#43;07:00"`, lang.FormatDateTime(l.Code, time.Date(2026, 3, 13, 6, 30, 0, 0, time.FixedZone("", 7*3600)), time.FixedZone("ICT", 7*3600), lang.Long))

			// An article missing in this language says so, in this
			// language only, and links to the languages it exists in.
			missing := ts.Get(c, "/"+l.Code+"/news/viet-nam-japan-political-consultations", nil)
			switch l.Code {
			case "vi", "en", "fr":
				httpxtest.WantStatus(t, missing, http.StatusOK)
			default:
				httpxtest.WantStatus(t, missing, http.StatusNotFound)
				httpxtest.WantContains(t, missing, cat.T(l.Code, "translation_not_available"),
					`<a href="/fr/news/viet-nam-japan-political-consultations" lang="fr" hreflang="fr" dir="ltr">Français</a>`)
				if strings.Contains(missing.Body, "Tham vấn") || strings.Contains(missing.Body, "consultations politiques") {
					t.Error("the missing page shows another language's text")
				}
			}

			topic := ts.Get(c, "/"+l.Code+"/topics/consular-affairs", nil)
			httpxtest.WantStatus(t, topic, http.StatusOK)
			country := ts.Get(c, "/"+l.Code+"/countries/JP", nil)
			httpxtest.WantStatus(t, country, http.StatusOK)
			if l.Code == "zh" {
				httpxtest.WantContains(t, topic, "领事事务", "台风季节出行提示")
				httpxtest.WantContains(t, country, "日本")
			}
			if l.Code == "vi" {
				httpxtest.WantContains(t, country, "Nhật Bản", "Tham vấn chính trị")
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
		r := ts.Get(c, "/"+tt.lang+"/search?q="+url.QueryEscape(tt.q), nil)
		httpxtest.WantStatus(t, r, http.StatusOK)
		if tt.found {
			httpxtest.WantContains(t, r, tt.want)
		} else {
			httpxtest.WantContains(t, r, cat.T(tt.lang, "portal_search_none"))
		}
	}
	// Bytes that are not text are refused at the edge, in the reader's language.
	r0 := ts.Get(c, "/en/search?q=%ff%fe%fd", nil)
	httpxtest.WantStatus(t, r0, http.StatusBadRequest)
	httpxtest.WantContains(t, r0, cat.T("en", "error_text_invalid"))

	// A correction: the "Updated" note, the history and the first version.
	st := ts.Get(c, "/en/news/statement-on-east-sea-day", nil)
	httpxtest.WantContains(t, st, cat.T("en", "portal_updated"), "Added the Convention&#39;s abbreviation", "/en/news/statement-on-east-sea-day/history", "(UNCLOS)")
	hist := ts.Get(c, "/en/news/statement-on-east-sea-day/history", nil)
	httpxtest.WantStatus(t, hist, http.StatusOK)
	httpxtest.WantContains(t, hist, `href="/en/news/statement-on-east-sea-day/v/1"`, cat.T("en", "portal_version", map[string]any{"Number": 2}))
	v1 := ts.Get(c, "/en/news/statement-on-east-sea-day/v/1", nil)
	httpxtest.WantStatus(t, v1, http.StatusOK)
	httpxtest.WantContains(t, v1, cat.T("en", "portal_old_version", map[string]any{"Number": 1}))
	if strings.Contains(v1.Body, "(UNCLOS)") {
		t.Error("version 1 shows the corrected text")
	}

	// Bad input gets a localised 404, never a 500.
	for _, p := range []string{"/xx/news/digital-diplomacy-forum-opens", "/en/news/no-such-article", "/en/news/statement-on-east-sea-day/v/9",
		"/en/news/statement-on-east-sea-day/v/x", "/en/countries/ZZ", "/en/countries/zzzz", "/en/nothing", "/qq/search", "/media/abc", "/en/topics/economy?page=999"} {
		r := ts.Get(c, p, nil)
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
		}
	}
	r := ts.Get(c, "/xx/news/digital-diplomacy-forum-opens", nil)
	httpxtest.WantContains(t, r, `href="/vi/"`, `href="/ar/" lang="ar"`)
}

func TestPortalAPI(t *testing.T) {
	ts := newPortalServer(t, store.BackendPostgres)
	c := portalEditor(t, ts)
	js := map[string]string{"Accept": "application/json"}
	send := func(method, path, body string) httpxtest.Response {
		t.Helper()
		return ts.Send(c, method, path, "application/json", body, js)
	}
	r := send("POST", "/api/v1/articles", `{"slug":"api-statement","kind":"statement","source_lang":"vi","unit":"spokesperson","topics":["maritime-affairs"],"countries":["vn"]}`)
	httpxtest.WantStatus(t, r, http.StatusCreated)
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
	r = ts.Send(c, "POST", "/api/v1/articles", "application/json", `{"slug":"x y","kind":"news","source_lang":"vi"}`, map[string]string{"Accept-Language": "fr"})
	httpxtest.WantContains(t, r, "Le nom d’adresse")

	httpxtest.WantStatus(t, send("PUT", base+"/translations/vi", `{"title":"Tuyên bố về hợp tác","summary":"Tóm tắt","body":"Nội dung","images":[{"src":"https://example.org/map.png","alt":"Bản đồ"}]}`), 200)
	r = send("POST", base+"/translations/vi/publish", ``)
	httpxtest.WantStatus(t, r, 200)
	httpxtest.WantContains(t, r, `"version":1`)
	httpxtest.WantStatus(t, send("PUT", base+"/translations/vi", `{"title":"Tuyên bố về hợp tác","summary":"Tóm tắt","body":"Nội dung đã sửa","images":[{"src":"https://example.org/map.png","alt":"Bản đồ"}]}`), 200)
	r = send("POST", base+"/translations/vi/publish", `{"note":"Sửa lỗi chính tả."}`)
	httpxtest.WantContains(t, r, `"version":2`, `"note":"Sửa lỗi chính tả."`)
	page := ts.Get(ts.Browser(), "/vi/news/api-statement", nil)
	httpxtest.WantContains(t, page, "Nội dung đã sửa", "Sửa lỗi chính tả.", `<img src="https://example.org/map.png" alt="Bản đồ"`, `"image":["https://example.org/map.png"]`)
	r = send("GET", base, "")
	httpxtest.WantContains(t, r, `"status":"published"`, `"live_version":2`)
	httpxtest.WantStatus(t, send("POST", base+"/translations/vi/unpublish", ""), 200)
	httpxtest.WantStatus(t, ts.Get(ts.Browser(), "/vi/news/api-statement", nil), http.StatusNotFound)
	r = send("GET", "/api/v1/articles?slug=api-statement", "")
	httpxtest.WantContains(t, r, `"slug":"api-statement"`)
	if strings.Contains(r.Body, "digital-diplomacy-forum-opens") {
		t.Error("?slug= lists other articles")
	}
	httpxtest.WantContains(t, send("GET", "/api/v1/articles?slug=nothing", ""), "[]")
	httpxtest.WantContains(t, send("GET", "/api/v1/articles", ""), `"slug":"digital-diplomacy-forum-opens"`)
	httpxtest.WantStatus(t, send("PUT", "/api/v1/topics/trade", `{"names":{"vi":"Thương mại","en":"Trade"}}`), 200)
	httpxtest.WantStatus(t, send("PUT", "/api/v1/topics/trade", `{"names":{"de":"Handel"}}`), 400)
}

func TestPortalPagination(t *testing.T) {
	ts := newPortalServer(t, store.BackendSQLite)
	ctx := t.Context()
	now := ts.clock.Now()
	for i := range 23 {
		_, err := ts.DB.CreateArticle(ctx, store.Article{Slug: "item-" + itoa(int64(i)), Kind: "news", SourceLang: "en",
			Topics: []string{"archive"}, Countries: []string{"KR"}, PublishedAt: now.Add(-time.Duration(i+1) * time.Minute),
			Translations: map[string]store.ArticleTranslation{"en": {Title: "Item number " + itoa(int64(i)), Status: store.StatusPublished}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	c := ts.Browser()
	for _, base := range []string{"/en/topics/archive", "/en/countries/KR"} {
		p1 := ts.Get(c, base, nil)
		httpxtest.WantStatus(t, p1, http.StatusOK)
		httpxtest.WantContains(t, p1, "Item number 0<", "Item number 9<", `href="`+base+`?page=2" rel="next"`, "23 articles")
		if strings.Contains(p1.Body, "Item number 10<") || strings.Contains(p1.Body, `rel="prev"`) {
			t.Errorf("%s page 1 shows too much", base)
		}
		p3 := ts.Get(c, base+"?page=3", nil)
		httpxtest.WantStatus(t, p3, http.StatusOK)
		httpxtest.WantContains(t, p3, "Item number 20<", "Item number 22<", `href="`+base+`?page=2" rel="prev"`, `<link rel="canonical" href="`+ts.URL+base+`?page=3"`)
		if strings.Contains(p3.Body, `rel="next"`) {
			t.Errorf("%s last page links to a next one", base)
		}
		httpxtest.WantStatus(t, ts.Get(c, base+"?page=4", nil), http.StatusNotFound)
		httpxtest.WantStatus(t, ts.Get(c, base+"?page=-1", nil), http.StatusOK) // odd numbers read as page 1
	}
	home := ts.Get(c, "/en/?page=2", nil)
	httpxtest.WantStatus(t, home, http.StatusOK)
	httpxtest.WantContains(t, home, `rel="prev"`)
}
