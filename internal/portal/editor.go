package portal

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/portal/content"
	"github.com/mofa-vn/chancery/internal/store"
)

// EditListPage is the data of the editors' article list.
type EditListPage struct {
	Articles  []EditRow
	Languages []lang.Language
}

// EditRow is an article in the editors' list, with the state of each
// language.
type EditRow struct {
	ID     int64
	Slug   string
	Title  string // in the source language
	Kind   string
	States []EditState
}

// EditState is the state of one translation: draft, published, outdated or
// missing ("").
type EditState struct {
	Lang  lang.Language
	State string
	URL   string
}

// EditArticlePage is the data of the article metadata form.
type EditArticlePage struct {
	New       bool
	ID        int64
	Slug      string
	Kind      string
	Unit      string
	Source    string
	Featured  bool
	IssuedAt  string // datetime-local in the portal's zone
	Zone      string
	Topics    string
	Countries string
	States    []EditState
	Kinds     []Option
	Units     []Option
	Languages []lang.Language
	Error     string
	Field     string
	Saved     bool
}

// Option is an entry of a menu: its value and the message key of its label.
type Option struct{ Value, Key string }

// EditTranslationPage is the data of the side-by-side translation editor.
type EditTranslationPage struct {
	ID         int64
	Slug       string
	Lang       lang.Language
	SourceLang lang.Language
	IsSource   bool
	Source     *store.ArticleTranslation
	Title      string
	Summary    string
	Body       string
	Images     []store.Image
	Note       string
	State      string
	Live       string // public URL while published
	Error      string
	Field      string
	Saved      bool
	Published  bool
}

func (h *Handlers) ui(r *http.Request, key string, data map[string]any) string {
	return h.kit.Cat.T(h.kit.Lang(r).Code, key, data)
}

func (h *Handlers) states(a store.Article) []EditState {
	var out []EditState
	for _, l := range lang.All() {
		s := EditState{Lang: l, URL: "/admin/articles/" + strconv.FormatInt(a.ID, 10) + "/" + l.Code}
		if t, ok := a.Translations[l.Code]; ok {
			s.State = string(t.State())
		}
		out = append(out, s)
	}
	return out
}

func (h *Handlers) editList(w http.ResponseWriter, r *http.Request) {
	list, err := h.db.ListArticles(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := EditListPage{Languages: lang.All()}
	for _, a := range list {
		row := EditRow{ID: a.ID, Slug: a.Slug, Kind: kindKey(a.Kind), States: h.states(a)}
		if t, ok := a.Translations[a.SourceLang]; ok {
			row.Title = t.Title
		}
		p.Articles = append(p.Articles, row)
	}
	h.kit.Render(w, r, http.StatusOK, "portal-edit-list.html", httpx.Page{Title: h.ui(r, "portal_edit_title", nil), Data: p})
}

func (h *Handlers) renderArticleForm(w http.ResponseWriter, r *http.Request, status int, p EditArticlePage) {
	p.Languages, p.Zone = lang.All(), h.loc.String()
	p.Kinds, p.Units = nil, nil
	for _, k := range content.Kinds {
		p.Kinds = append(p.Kinds, Option{Value: k, Key: kindKey(k)})
	}
	for _, u := range content.Units {
		p.Units = append(p.Units, Option{Value: u, Key: unitKey(u)})
	}
	title := h.ui(r, "portal_edit_article_title", map[string]any{"Slug": p.Slug})
	if p.New {
		title = h.ui(r, "portal_edit_new", nil)
	}
	h.kit.Render(w, r, status, "portal-edit-article.html", httpx.Page{Title: title, Data: p})
}

func (h *Handlers) editNew(w http.ResponseWriter, r *http.Request) {
	h.renderArticleForm(w, r, http.StatusOK, EditArticlePage{New: true, Kind: "news", Source: h.kit.DefaultLang.Code})
}

// articleForm reads the metadata form; what was typed goes back into the
// page if it is refused.
func (h *Handlers) articleForm(r *http.Request, creating bool) (content.ArticleInput, EditArticlePage, error) {
	str := func(k string) *string { v := strings.TrimSpace(r.PostFormValue(k)); return &v }
	featured := r.PostFormValue("featured") == "on"
	split := func(s string) []string {
		return append([]string{}, strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })...)
	}
	in := content.ArticleInput{Kind: str("kind"), Unit: str("unit"), SourceLang: str("source_lang"), Featured: &featured,
		Topics: split(r.PostFormValue("topics")), Countries: split(r.PostFormValue("countries"))}
	if creating {
		in.Slug = str("slug")
	}
	p := EditArticlePage{New: creating, Slug: *str("slug"), Kind: *in.Kind, Unit: *in.Unit, Source: *in.SourceLang, Featured: featured,
		Topics: r.PostFormValue("topics"), Countries: r.PostFormValue("countries"), IssuedAt: *str("issued_at")}
	var err error
	if p.IssuedAt != "" {
		t, perr := time.ParseInLocation("2006-01-02T15:04", p.IssuedAt, h.loc)
		if perr != nil {
			err = fault.Invalid("issued_at", "portal_error_issued_at")
		} else {
			in.IssuedAt = &t
		}
	}
	return in, p, err
}

// formError turns a user error into the form's message and field, and
// reports false for anything else (which is then a failure page).
func (h *Handlers) formError(r *http.Request, err error) (msg, field string, status int, ok bool) {
	var he *fault.Problem
	if errors.As(err, &he) && httpx.Status(he) < 500 {
		return h.ui(r, he.Key, he.Data), he.Field, httpx.Status(he), true
	}
	return "", "", 0, false
}

func (h *Handlers) editCreate(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in, p, err := h.articleForm(r, true)
	var a store.Article
	if err == nil {
		a, err = h.content.CreateArticle(r.Context(), in)
	}
	if msg, field, status, ok := h.formError(r, err); ok {
		p.Error, p.Field = msg, field
		h.renderArticleForm(w, r, status, p)
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/articles/"+strconv.FormatInt(a.ID, 10)+"/"+a.SourceLang, http.StatusSeeOther)
}

func (h *Handlers) articlePageData(a store.Article) EditArticlePage {
	p := EditArticlePage{ID: a.ID, Slug: a.Slug, Kind: a.Kind, Unit: a.Unit, Source: a.SourceLang, Featured: a.Featured,
		Topics: strings.Join(a.Topics, ", "), Countries: strings.Join(a.Countries, ", "), States: h.states(a)}
	if !a.PublishedAt.IsZero() {
		p.IssuedAt = a.PublishedAt.In(h.loc).Format("2006-01-02T15:04")
	}
	return p
}

func (h *Handlers) editArticle(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := h.articlePageData(a)
	p.Saved = r.URL.Query().Get("saved") == "1"
	h.renderArticleForm(w, r, http.StatusOK, p)
}

func (h *Handlers) editUpdate(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in, typed, err := h.articleForm(r, false)
	if err == nil {
		_, err = h.content.UpdateArticle(content.WithOrigin(r.Context(), httpx.Origin(r)), a, in)
	}
	if msg, field, status, ok := h.formError(r, err); ok {
		typed.ID, typed.Slug, typed.States = a.ID, a.Slug, h.states(a)
		typed.Error, typed.Field = msg, field
		h.renderArticleForm(w, r, status, typed)
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/articles/"+strconv.FormatInt(a.ID, 10)+"?saved=1", http.StatusSeeOther)
}

func (h *Handlers) translationPage(a store.Article, code string) EditTranslationPage {
	l, _ := lang.Lookup(code)
	src, _ := lang.Lookup(a.SourceLang)
	p := EditTranslationPage{ID: a.ID, Slug: a.Slug, Lang: l, SourceLang: src, IsSource: code == a.SourceLang}
	if s, ok := a.Translations[a.SourceLang]; ok && code != a.SourceLang {
		p.Source = &s
	}
	if t, ok := a.Translations[code]; ok {
		p.Title, p.Summary, p.Body, p.Images, p.State = t.Title, t.Summary, t.Body, t.Images, string(t.State())
		if t.Status == store.StatusPublished {
			p.Live = content.ArticlePath(code, a.Slug)
		}
	} else if p.Source != nil {
		// A new translation starts with the source's images, to give them
		// alt text in this language.
		for _, img := range p.Source.Images {
			p.Images = append(p.Images, store.Image{Src: img.Src})
		}
	}
	return p
}

func (h *Handlers) renderTranslation(w http.ResponseWriter, r *http.Request, status int, p EditTranslationPage) {
	// Two empty rows let an editor add images without JavaScript.
	p.Images = append(p.Images, store.Image{}, store.Image{})
	h.kit.Render(w, r, status, "portal-edit-translation.html", httpx.Page{
		Title: h.ui(r, "portal_edit_translation_title", map[string]any{"Slug": p.Slug, "Language": p.Lang.NativeName}), Data: p})
}

func (h *Handlers) editTranslation(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	var code string
	if err == nil {
		code, err = translationLang(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := h.translationPage(a, code)
	p.Saved = r.URL.Query().Get("saved") == "1"
	p.Published = r.URL.Query().Get("published") == "1"
	h.renderTranslation(w, r, http.StatusOK, p)
}

// translationForm reads the translation form: the text, the images as
// parallel lists of addresses and alt texts, and the correction note.
func translationForm(r *http.Request) content.TranslationInput {
	in := content.TranslationInput{Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"), Body: r.PostFormValue("body")}
	srcs, alts := r.PostForm["image_src"], r.PostForm["image_alt"]
	for i, s := range srcs {
		img := store.Image{Src: s}
		if i < len(alts) {
			img.Alt = alts[i]
		}
		if strings.TrimSpace(img.Src) != "" || strings.TrimSpace(img.Alt) != "" {
			in.Images = append(in.Images, img)
		}
	}
	return in
}

func (h *Handlers) editSaveTranslation(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	var code string
	if err == nil {
		code, err = translationLang(r)
	}
	if err == nil {
		err = parseEditForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in := translationForm(r)
	upload, uploaded, uerr := h.uploadImage(r)
	if uerr == nil && uploaded {
		in.Images = append(in.Images, upload)
	}
	note := r.PostFormValue("note")
	publish := r.PostFormValue("action") == "publish"
	// The text's mistakes come first, then the note's, but an upload's
	// before both; nothing is saved while there is one.
	_, err = content.CheckTranslation(code, in)
	if err == nil {
		err = content.CheckNote(note)
	}
	if uerr != nil {
		err = uerr
	}
	if err == nil {
		_, err = h.content.SaveTranslation(r.Context(), a.ID, code, in)
	}
	if err == nil && publish {
		_, err = h.content.Publish(content.WithOrigin(r.Context(), httpx.Origin(r)), a, code, note)
	}
	if msg, field, status, ok := h.formError(r, err); ok {
		p := h.translationPage(a, code)
		p.Title, p.Summary, p.Body, p.Images, p.Note = in.Title, in.Summary, in.Body, in.Images, note
		p.Error, p.Field = msg, field
		h.renderTranslation(w, r, status, p)
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	next := "/admin/articles/" + strconv.FormatInt(a.ID, 10) + "/" + code + "?saved=1"
	if publish {
		next += "&published=1"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// editPreview shows the working copy exactly as readers will see it once
// published: the same template, in the translation's language.
func (h *Handlers) editPreview(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	var code string
	if err == nil {
		code, err = translationLang(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	t, ok := a.Translations[code]
	if !ok {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	l, _ := lang.Lookup(code)
	now := h.db.Now()
	issued := a.PublishedAt
	if issued.IsZero() {
		issued = now
	}
	version := t.LiveVersion
	if vs, err := h.db.Versions(r.Context(), a.ID, code); err == nil && len(vs) > 0 && !store.SameText(t, vs[0]) {
		version = vs[0].Version + 1
	} else if len(vs) == 0 {
		version = 1
	}
	p := store.Published{ArticleVersion: store.ArticleVersion{ArticleID: a.ID, Lang: code, Version: version, Title: t.Title,
		Summary: t.Summary, Body: t.Body, Images: t.Images, PublishedAt: now}, Slug: a.Slug, Kind: a.Kind, Unit: a.Unit, IssuedAt: issued}
	langs, err := h.publishedLangs(r, a.Slug)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	data := h.articlePage(r, l, a, p, langs)
	data.Preview = true
	r.SetPathValue("lang", code) // render in the translation's language
	w.Header().Set("X-Robots-Tag", "noindex")
	h.kit.Render(w, r, http.StatusOK, "portal-article.html", httpx.Page{Title: t.Title, Description: t.Summary, Data: data})
}

func (h *Handlers) editUnpublish(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	var code string
	if err == nil {
		code, err = translationLang(r)
	}
	if err == nil {
		err = h.content.Unpublish(content.WithOrigin(r.Context(), httpx.Origin(r)), a, code)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/articles/"+strconv.FormatInt(a.ID, 10)+"/"+code+"?saved=1", http.StatusSeeOther)
}

// maxUpload bounds an uploaded image; the server's body limit applies too.
const maxUpload = 8 << 20

// parseEditForm parses the translation form, which is multipart when it
// carries an image.
func parseEditForm(r *http.Request) error {
	return httpx.ParseMultipartForm(r, maxUpload)
}

// uploadImage stores the image of the form's file field, if one was sent,
// and returns it with the alt text typed beside it; ok is false when the
// form carries no image.
func (h *Handlers) uploadImage(r *http.Request) (img store.Image, ok bool, err error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["image_file"]) == 0 {
		return store.Image{}, false, nil
	}
	fh := r.MultipartForm.File["image_file"][0]
	if fh.Size == 0 {
		return store.Image{}, false, nil
	}
	alt := strings.TrimSpace(r.PostFormValue("image_file_alt"))
	if alt == "" {
		return store.Image{}, false, fault.Invalid("image_file_alt", "portal_error_image_alt")
	}
	f, err := fh.Open()
	if err != nil {
		return store.Image{}, false, fmt.Errorf("portal: open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil {
		return store.Image{}, false, fmt.Errorf("portal: read upload: %w", err)
	}
	ct := http.DetectContentType(data)
	ext, ok := content.ImageTypes[ct]
	if !ok || len(data) > maxUpload {
		return store.Image{}, false, fault.Invalid("image_file", "portal_error_image_type")
	}
	m, err := h.db.SaveMedia(r.Context(), ct, data)
	if err != nil {
		return store.Image{}, false, err
	}
	return store.Image{Src: "/media/" + m.Hash + ext, Alt: alt}, true, nil
}
