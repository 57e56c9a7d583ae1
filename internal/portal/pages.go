package portal

import (
	"errors"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/portal/content"
	"github.com/mofa-vn/chancery/internal/portal/markdown"
	"github.com/mofa-vn/chancery/internal/store"
)

// PageSize is the number of articles on a page of a list.
const PageSize = 10

// Card is an article in a list, in the page's language.
type Card struct {
	URL, Title, Summary, Kind string
	Date                      Date
}

// Date is a time as a page shows it: localised text in the portal's zone,
// and the machine-readable value for <time datetime>.
type Date struct {
	Text string
	ISO  string
}

// Link is a labelled URL.
type Link struct {
	URL, Label string
	Lang       string // set when the label is in another language than the page
	Dir        string
}

// Pager is the navigation between the pages of a list.
type Pager struct {
	Page, Pages int
	Prev, Next  string
}

// ListPage is the data of the home, topic, country and search templates.
type ListPage struct {
	Heading   string
	Featured  []Card
	Cards     []Card
	Pager     Pager
	Topics    []Link // home only: topics and countries to browse
	Countries []Link
	Query     string // search only
	Searched  bool
	Total     int
	Canonical string
	// Feed is the Atom feed of the list (home, topic, country).
	Feed string
}

// ArticlePage is the data of the article template.
type ArticlePage struct {
	Kind      string
	Title     string
	Summary   string
	Body      template.HTML
	Images    []store.Image
	Issued    Date
	Updated   *Date // set from the second version on
	Note      string
	Unit      string
	Version   int
	Current   bool // the live version, not an older one
	Preview   bool
	URL       string // canonical
	Topics    []Link
	Countries []Link
	Languages []Link // the other languages it is published in
	History   string // URL of the version history
	// Verify is the "Verify this statement" link of an official
	// statement's live version.
	Verify string
	LD     map[string]any
	OG     OpenGraph
}

// OpenGraph is what link previews show.
type OpenGraph struct {
	Locale     string
	Alternates []string
	Image      string
	Section    string
	Tags       []string
	Published  string
	Modified   string
}

// MissingPage is the data of the "not available in this language" page.
type MissingPage struct {
	Languages []Link
}

// HistoryPage lists the versions of a translation.
type HistoryPage struct {
	Title    string
	Article  string
	Versions []HistoryItem
}

// HistoryItem is one version in the history.
type HistoryItem struct {
	Number int
	URL    string
	Date   Date
	Note   string
	Title  string
}

func (h *Handlers) date(code string, t time.Time) Date {
	return Date{Text: lang.FormatDateTime(code, t, h.loc, lang.Long), ISO: t.In(h.loc).Format(time.RFC3339)}
}

func (h *Handlers) t(code, key string, data map[string]any) string {
	return h.kit.Cat.T(code, key, data)
}

func kindKey(kind string) string { return "article_kind_" + strings.ReplaceAll(kind, "-", "_") }

func unitKey(unit string) string { return "portal_unit_" + strings.ReplaceAll(unit, "-", "_") }

// ArticlePath is the public path of an article's page in a language, such
// as /en/news/east-sea-statement.
func ArticlePath(code, slug string) string { return content.ArticlePath(code, slug) }

func (h *Handlers) card(code string, p store.Published) Card {
	return Card{URL: content.ArticlePath(code, p.Slug), Title: p.Title, Summary: p.Summary, Kind: h.t(code, kindKey(p.Kind), nil), Date: h.date(code, p.IssuedAt)}
}

// pathLang returns the page language, or answers 404.
func (h *Handlers) pathLang(w http.ResponseWriter, r *http.Request) (lang.Language, bool) {
	l, ok := lang.Lookup(r.PathValue("lang"))
	if !ok {
		h.kit.Fail(w, r, fault.ErrNotFound)
	}
	return l, ok
}

// pageNumber reads ?page=; anything odd is page 1.
func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

func pager(r *http.Request, page, total int) Pager {
	pages := max(1, int(math.Ceil(float64(total)/PageSize)))
	p := Pager{Page: page, Pages: pages}
	link := func(n int) string {
		q := r.URL.Query()
		if n == 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(min(page-1, pages))
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

// everyLanguage lists a page that exists in every language, for hreflang.
func everyLanguage(r *http.Request, rest string) []httpx.Alternate {
	base := httpx.Origin(r)
	out := []httpx.Alternate{{Lang: "x-default", URL: base + "/"}}
	for _, l := range lang.All() {
		out = append(out, httpx.Alternate{Lang: l.Tag.String(), URL: base + "/" + l.Code + rest})
	}
	return out
}

func (h *Handlers) cards(code string, items []store.Published) []Card {
	out := make([]Card, 0, len(items))
	for _, it := range items {
		out = append(out, h.card(code, it))
	}
	return out
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request) {
	l, ok := h.pathLang(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	page := pageNumber(r)
	featured, _, err := h.db.ListPublished(ctx, store.PublishedQuery{Lang: l.Code, Featured: true, Limit: 3})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	latest, total, err := h.db.ListPublished(ctx, store.PublishedQuery{Lang: l.Code, Limit: PageSize, Offset: (page - 1) * PageSize})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	data := ListPage{Heading: h.t(l.Code, "home_heading", nil), Cards: h.cards(l.Code, latest), Pager: pager(r, page, total), Total: total,
		Canonical: httpx.Origin(r) + pager(r, page, total).self(r), Feed: "/" + l.Code + "/feed.atom"}
	if page == 1 {
		data.Featured = h.cards(l.Code, featured)
		topics, countries, err := h.db.PublishedTags(ctx, l.Code)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		names := h.topicNames(r, l.Code)
		for _, tp := range topics {
			if n, ok := names[tp]; ok { // unnamed in this language: not offered
				data.Topics = append(data.Topics, Link{URL: "/" + l.Code + "/topics/" + url.PathEscape(tp), Label: n})
			}
		}
		for _, c := range countries {
			if reg, ok := content.ParseRegion(c); ok {
				data.Countries = append(data.Countries, Link{URL: "/" + l.Code + "/countries/" + reg.String(), Label: regionName(l.Code, reg)})
			}
		}
		col := collate.New(l.Tag)
		slices.SortFunc(data.Countries, func(a, b Link) int { return col.CompareString(a.Label, b.Label) })
		slices.SortFunc(data.Topics, func(a, b Link) int { return col.CompareString(a.Label, b.Label) })
	}
	h.kit.Render(w, r, http.StatusOK, "portal-home.html", httpx.Page{
		Title:       h.t(l.Code, "home_title", nil),
		Description: h.t(l.Code, "home_description", nil),
		Alternates:  everyLanguage(r, "/"),
		Data:        data,
	})
}

// self is the canonical path of the current page of a list.
func (p Pager) self(r *http.Request) string {
	if p.Page <= 1 {
		return r.URL.Path
	}
	return r.URL.Path + "?page=" + strconv.Itoa(p.Page)
}

// regionName is a CLDR region's name in a language ("JP" → "Nhật Bản").
func regionName(code string, region language.Region) string {
	l, _ := lang.Lookup(code)
	if n := display.Regions(l.Tag).Name(region); n != "" {
		return n
	}
	return region.String()
}

// topicNames returns every topic's name in a language. A topic not named
// in it reads as its slug, never as another language's name.
func (h *Handlers) topicNames(r *http.Request, code string) map[string]string {
	out := map[string]string{}
	topics, err := h.db.ListTopics(r.Context())
	if err != nil {
		h.log.WarnContext(r.Context(), "list topics", "err", err)
		return out
	}
	for _, t := range topics {
		if n := t.Names[code]; n != "" {
			out[t.Slug] = n
		}
	}
	return out
}

func (h *Handlers) topicName(r *http.Request, code, slug string) string {
	if n, ok := h.topicNames(r, code)[slug]; ok {
		return n
	}
	return strings.ReplaceAll(slug, "-", " ")
}

func (h *Handlers) topicList(w http.ResponseWriter, r *http.Request) {
	l, ok := h.pathLang(w, r)
	if !ok {
		return
	}
	topic := r.PathValue("topic")
	name := h.topicName(r, l.Code, topic)
	h.list(w, r, l, store.PublishedQuery{Topic: topic}, h.t(l.Code, "portal_topic_title", map[string]any{"Name": name}), "/topics/"+url.PathEscape(topic))
}

func (h *Handlers) countryList(w http.ResponseWriter, r *http.Request) {
	l, ok := h.pathLang(w, r)
	if !ok {
		return
	}
	reg, ok := content.ParseRegion(r.PathValue("country"))
	if !ok {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	h.list(w, r, l, store.PublishedQuery{Country: reg.String()}, h.t(l.Code, "portal_country_title", map[string]any{"Name": regionName(l.Code, reg)}), "/countries/"+reg.String())
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request, l lang.Language, q store.PublishedQuery, heading, rest string) {
	page := pageNumber(r)
	q.Lang, q.Limit, q.Offset = l.Code, PageSize, (page-1)*PageSize
	items, total, err := h.db.ListPublished(r.Context(), q)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pg := pager(r, page, total)
	status := http.StatusOK
	if page > 1 && len(items) == 0 {
		status = http.StatusNotFound
	}
	h.kit.Render(w, r, status, "portal-list.html", httpx.Page{
		Title:      heading,
		Alternates: everyLanguage(r, rest),
		Data: ListPage{Heading: heading, Cards: h.cards(l.Code, items), Pager: pg, Total: total, Canonical: httpx.Origin(r) + pg.self(r),
			Feed: "/" + l.Code + rest + "/feed.atom"},
	})
}

func (h *Handlers) search(w http.ResponseWriter, r *http.Request) {
	l, _ := lang.Lookup(r.PathValue("lang"))
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 1000 {
		q = strings.ToValidUTF8(q[:1000], "")
	}
	page := pageNumber(r)
	data := ListPage{Heading: h.t(l.Code, "portal_search_title", nil), Query: q, Canonical: httpx.Origin(r) + r.URL.Path}
	if q != "" {
		items, total, err := h.db.SearchArticles(r.Context(), l.Code, q, PageSize, (page-1)*PageSize)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		data.Searched, data.Cards, data.Total, data.Pager = true, h.cards(l.Code, items), total, pager(r, page, total)
	}
	h.kit.Render(w, r, http.StatusOK, "portal-search.html", httpx.Page{
		Title:      data.Heading,
		Alternates: everyLanguage(r, "/search"),
		Data:       data,
	})
}

func (h *Handlers) article(w http.ResponseWriter, r *http.Request) {
	h.showArticle(w, r, 0)
}

func (h *Handlers) version(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	h.showArticle(w, r, n)
}

func (h *Handlers) showArticle(w http.ResponseWriter, r *http.Request, version int) {
	l, ok := h.pathLang(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	slug := r.PathValue("slug")
	p, err := h.db.GetPublished(ctx, slug, l.Code, version)
	if errors.Is(err, store.ErrNotFound) {
		if !h.showWithdrawn(w, r, l, slug) {
			h.missing(w, r, l, slug)
		}
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	langs, err := h.publishedLangs(r, slug)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	a := store.Article{ID: p.ArticleID, Slug: slug}
	if a.Topics, a.Countries, err = h.db.ArticleTags(ctx, p.ArticleID); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	live := p.Version
	if version > 0 {
		if cur, err := h.db.GetPublished(ctx, slug, l.Code, 0); err == nil {
			live = cur.Version
		}
	}
	data := h.articlePage(r, l, a, p, langs)
	data.Current = p.Version == live
	if data.Current && p.Kind == "statement" && h.verify != nil {
		data.Verify = h.verify(l.Code, data.URL)
	}
	alts := []httpx.Alternate{{Lang: "x-default", URL: httpx.Origin(r) + "/"}}
	for _, code := range langs {
		if o, ok := lang.Lookup(code); ok {
			alts = append(alts, httpx.Alternate{Lang: o.Tag.String(), URL: httpx.Origin(r) + content.ArticlePath(code, slug)})
		}
	}
	if !data.Current {
		alts = nil // an old version is not an alternate of anything
	}
	h.kit.Render(w, r, http.StatusOK, "portal-article.html", httpx.Page{
		Title:       p.Title,
		Description: p.Summary,
		Alternates:  alts,
		Data:        data,
	})
}

// articlePage builds what the article template shows, for readers and for
// the editors' preview alike.
func (h *Handlers) articlePage(r *http.Request, l lang.Language, a store.Article, p store.Published, langs []string) ArticlePage {
	base := httpx.Origin(r)
	d := ArticlePage{
		Kind: h.t(l.Code, kindKey(p.Kind), nil), Title: p.Title, Summary: p.Summary, Body: markdown.Render(p.Body),
		Images: p.Images, Issued: h.date(l.Code, p.IssuedAt), Note: p.Note, Version: p.Version, Current: true,
		URL: base + content.ArticlePath(l.Code, p.Slug), History: content.ArticlePath(l.Code, p.Slug) + "/history",
	}
	if p.Unit != "" {
		d.Unit = h.t(l.Code, unitKey(p.Unit), nil)
	}
	if p.Version > 1 {
		u := h.date(l.Code, p.PublishedAt)
		d.Updated = &u
	}
	names := h.topicNames(r, l.Code)
	for _, tp := range a.Topics {
		label, ok := names[tp]
		if !ok {
			label = strings.ReplaceAll(tp, "-", " ")
		}
		d.Topics = append(d.Topics, Link{URL: "/" + l.Code + "/topics/" + url.PathEscape(tp), Label: label})
	}
	for _, c := range a.Countries {
		if reg, ok := content.ParseRegion(c); ok {
			d.Countries = append(d.Countries, Link{URL: "/" + l.Code + "/countries/" + reg.String(), Label: regionName(l.Code, reg)})
		}
	}
	d.OG = OpenGraph{Locale: ogLocale(l.Code), Section: d.Kind, Published: p.IssuedAt.Format(time.RFC3339), Modified: p.PublishedAt.Format(time.RFC3339)}
	for _, t := range d.Topics {
		d.OG.Tags = append(d.OG.Tags, t.Label)
	}
	for _, code := range langs {
		o, ok := lang.Lookup(code)
		if !ok || code == l.Code {
			continue
		}
		d.Languages = append(d.Languages, Link{URL: content.ArticlePath(code, p.Slug), Label: o.NativeName, Lang: o.Tag.String(), Dir: o.Dir})
		d.OG.Alternates = append(d.OG.Alternates, ogLocale(code))
	}
	var images []string
	for _, img := range p.Images {
		images = append(images, absolute(base, img.Src))
	}
	if len(images) > 0 {
		d.OG.Image = images[0]
	}
	org := map[string]any{"@type": "GovernmentOrganization", "name": h.t(l.Code, "site_name", nil), "url": base + "/" + l.Code + "/"}
	d.LD = map[string]any{
		"@context": "https://schema.org", "@type": "NewsArticle",
		"headline": p.Title, "description": p.Summary, "inLanguage": l.Tag.String(),
		"datePublished": p.IssuedAt.Format(time.RFC3339), "dateModified": p.PublishedAt.Format(time.RFC3339),
		"url": d.URL, "mainEntityOfPage": d.URL, "author": org, "publisher": org,
	}
	if len(images) > 0 {
		d.LD["image"] = images
	}
	return d
}

func absolute(base, src string) string {
	if strings.HasPrefix(src, "/") && !strings.HasPrefix(src, "//") {
		return base + src
	}
	return src
}

// ogLocale is the Open Graph locale (language_TERRITORY) of a language.
func ogLocale(code string) string {
	return map[string]string{"vi": "vi_VN", "en": "en_US", "fr": "fr_FR", "es": "es_ES", "ru": "ru_RU", "zh": "zh_CN", "ar": "ar_AR"}[code]
}

// missing says, in the page's language, that the article is not published
// in it, and links to the languages it is published in. An article that
// exists in no language is a plain 404.
func (h *Handlers) missing(w http.ResponseWriter, r *http.Request, l lang.Language, slug string) {
	langs, err := h.publishedLangs(r, slug)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if len(langs) == 0 {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	var links []Link
	for _, code := range langs {
		if o, ok := lang.Lookup(code); ok {
			links = append(links, Link{URL: content.ArticlePath(code, slug), Label: o.NativeName, Lang: o.Tag.String(), Dir: o.Dir})
		}
	}
	h.kit.Render(w, r, http.StatusNotFound, "portal-missing.html", httpx.Page{
		Title: h.t(l.Code, "translation_not_available", nil),
		Data:  MissingPage{Languages: links},
	})
}

func (h *Handlers) history(w http.ResponseWriter, r *http.Request) {
	l, ok := h.pathLang(w, r)
	if !ok {
		return
	}
	slug := r.PathValue("slug")
	p, err := h.db.GetPublished(r.Context(), slug, l.Code, 0)
	if errors.Is(err, store.ErrNotFound) {
		if !h.showWithdrawn(w, r, l, slug) {
			h.missing(w, r, l, slug)
		}
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	vs, err := h.db.Versions(r.Context(), p.ArticleID, l.Code)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	data := HistoryPage{Title: h.t(l.Code, "portal_history_title", nil), Article: p.Title}
	for _, v := range vs {
		if v.Version > p.Version {
			continue // published later, then withdrawn in favour of an older text: not shown
		}
		u := content.ArticlePath(l.Code, slug) + "/v/" + strconv.Itoa(v.Version)
		if v.Version == p.Version {
			u = content.ArticlePath(l.Code, slug)
		}
		data.Versions = append(data.Versions, HistoryItem{Number: v.Version, URL: u, Date: h.date(l.Code, v.PublishedAt), Note: v.Note, Title: v.Title})
	}
	h.kit.Render(w, r, http.StatusOK, "portal-history.html", httpx.Page{Title: data.Title + ": " + p.Title, Data: data})
}

// media serves an uploaded file by the hash of its content, so it never
// changes and may be cached for a year.
func (h *Handlers) media(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	hash, _, _ := strings.Cut(name, ".")
	if len(hash) != 64 {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	m, err := h.db.GetMedia(r.Context(), hash)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", m.ContentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	_, _ = w.Write(m.Data)
}

// publishedLangs lists the languages an article is live in, in the
// switcher's order.
func (h *Handlers) publishedLangs(r *http.Request, slug string) ([]string, error) {
	live, err := h.db.PublishedLangs(r.Context(), slug)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range lang.All() {
		if slices.Contains(live, l.Code) {
			out = append(out, l.Code)
		}
	}
	return out, nil
}
