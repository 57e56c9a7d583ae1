package main

import (
	"bytes"
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
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// newPortalServer serves the demo content on backend.
func newPortalServer(t *testing.T, backend string) *testServer {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 3, 14, 1, 30, 0, 0, time.UTC))
	db := storetest.OpenWithClock(t, backend, clock.Now)
	ts := newTestServer(t, db, clock, func(c *config.Config) { c.Demo = true })
	return ts
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
