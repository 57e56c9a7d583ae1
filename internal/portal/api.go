package portal

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/portal/content"
	"github.com/mofa-vn/chancery/internal/store"
)

// ArticleJSON is an article in the API.
type ArticleJSON struct {
	ID           int64                      `json:"id"`
	Slug         string                     `json:"slug"`
	Kind         string                     `json:"kind"`
	Unit         string                     `json:"unit"`
	SourceLang   string                     `json:"source_lang"`
	Featured     bool                       `json:"featured"`
	Topics       []string                   `json:"topics"`
	Countries    []string                   `json:"countries"`
	IssuedAt     *time.Time                 `json:"issued_at"`
	CreatedAt    time.Time                  `json:"created_at"`
	UpdatedAt    time.Time                  `json:"updated_at"`
	Translations map[string]TranslationJSON `json:"translations"`
}

// TranslationJSON is one translation's working copy in the API.
type TranslationJSON struct {
	Title       string        `json:"title"`
	Summary     string        `json:"summary"`
	Body        string        `json:"body"`
	Images      []store.Image `json:"images"`
	Status      string        `json:"status"` // draft, published or outdated
	LiveVersion int           `json:"live_version"`
	URL         string        `json:"url,omitempty"` // public address while published
	UpdatedAt   time.Time     `json:"updated_at"`
}

// VersionJSON is one published version.
type VersionJSON struct {
	Version     int           `json:"version"`
	Title       string        `json:"title"`
	Summary     string        `json:"summary"`
	Body        string        `json:"body"`
	Images      []store.Image `json:"images"`
	Note        string        `json:"note"`
	PublishedAt time.Time     `json:"published_at"`
	URL         string        `json:"url"`
}

// PublishInput is the optional body of a publish call.
type PublishInput struct {
	Note string `json:"note"` // the "Updated" note of a correction
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func articleJSON(r *http.Request, a store.Article) ArticleJSON {
	j := ArticleJSON{ID: a.ID, Slug: a.Slug, Kind: a.Kind, Unit: a.Unit, SourceLang: a.SourceLang, Featured: a.Featured,
		Topics: nonNil(a.Topics), Countries: nonNil(a.Countries), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		Translations: map[string]TranslationJSON{}}
	if !a.PublishedAt.IsZero() {
		t := a.PublishedAt
		j.IssuedAt = &t
	}
	for code, t := range a.Translations {
		tj := TranslationJSON{Title: t.Title, Summary: t.Summary, Body: t.Body, Images: nonNil(t.Images), Status: string(t.State()),
			LiveVersion: t.LiveVersion, UpdatedAt: t.UpdatedAt}
		if t.Status == store.StatusPublished {
			tj.URL = httpx.Origin(r) + content.ArticlePath(code, a.Slug)
		}
		j.Translations[code] = tj
	}
	return j
}

func (h *Handlers) articleFromPath(r *http.Request) (store.Article, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Article{}, fault.ErrNotFound
	}
	return h.db.GetArticle(r.Context(), id)
}

// translationLang reads the {tl} path segment: a language we serve.
func translationLang(r *http.Request) (string, error) {
	l, ok := lang.Lookup(r.PathValue("tl"))
	if !ok {
		return "", fault.ErrNotFound
	}
	return l.Code, nil
}

// apiList lists every article, or with ?slug= the one article of that
// slug (an empty list when there is none).
func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	var list []store.Article
	var err error
	if slug := r.URL.Query().Get("slug"); slug != "" {
		var a store.Article
		if a, err = h.db.GetArticleBySlug(r.Context(), slug); err == nil {
			list = append(list, a)
		} else if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	} else {
		list, err = h.db.ListArticles(r.Context())
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := make([]ArticleJSON, 0, len(list))
	for _, a := range list {
		out = append(out, articleJSON(r, a))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

func (h *Handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in content.ArticleInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	a, err := h.content.CreateArticle(r.Context(), in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/articles/"+strconv.FormatInt(a.ID, 10))
	h.kit.JSON(w, http.StatusCreated, articleJSON(r, a))
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, articleJSON(r, a))
}

func (h *Handlers) apiUpdate(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var in content.ArticleInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if a, err = h.content.UpdateArticle(content.WithOrigin(r.Context(), httpx.Origin(r)), a, in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, articleJSON(r, a))
}

func (h *Handlers) apiSaveTranslation(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	var code string
	if err == nil {
		code, err = translationLang(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var in content.TranslationInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	_, err = h.content.SaveTranslation(r.Context(), a.ID, code, in)
	if err == nil {
		a, err = h.db.GetArticle(r.Context(), a.ID)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, articleJSON(r, a))
}

func (h *Handlers) apiPublish(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	var code string
	if err == nil {
		code, err = translationLang(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var in PublishInput
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(r, &in); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
	}
	if err := content.CheckNote(in.Note); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if _, ok := a.Translations[code]; !ok {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	v, err := h.content.Publish(content.WithOrigin(r.Context(), httpx.Origin(r)), a, code, in.Note)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, versionJSON(r, a.Slug, code, v))
}

func versionJSON(r *http.Request, slug, code string, v store.ArticleVersion) VersionJSON {
	return VersionJSON{Version: v.Version, Title: v.Title, Summary: v.Summary, Body: v.Body, Images: nonNil(v.Images), Note: v.Note,
		PublishedAt: v.PublishedAt, URL: httpx.Origin(r) + content.ArticlePath(code, slug) + "/v/" + strconv.Itoa(v.Version)}
}

func (h *Handlers) apiUnpublish(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	var code string
	if err == nil {
		code, err = translationLang(r)
	}
	if err == nil {
		err = h.content.Unpublish(content.WithOrigin(r.Context(), httpx.Origin(r)), a, code)
	}
	if err == nil {
		a, err = h.db.GetArticle(r.Context(), a.ID)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, articleJSON(r, a))
}

func (h *Handlers) apiVersions(w http.ResponseWriter, r *http.Request) {
	a, err := h.articleFromPath(r)
	var code string
	if err == nil {
		code, err = translationLang(r)
	}
	var vs []store.ArticleVersion
	if err == nil {
		vs, err = h.db.Versions(r.Context(), a.ID, code)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := make([]VersionJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, versionJSON(r, a.Slug, code, v))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

// TopicInput names a topic in each language.
type TopicInput struct {
	Names map[string]string `json:"names"`
}

func (h *Handlers) apiSaveTopic(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("topic")
	if err := content.CheckTopic(slug); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var in TopicInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if err := h.content.SaveTopic(content.WithOrigin(r.Context(), httpx.Origin(r)), slug, in.Names); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if in.Names == nil {
		in.Names = map[string]string{} // the document promises an object
	}
	h.kit.JSON(w, http.StatusOK, map[string]any{"slug": slug, "names": in.Names})
}
