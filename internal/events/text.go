package events

import (
	"net/url"

	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// Pick returns a per-language value in the language code, else in the
// source language, else in the first language that has one (in the order
// of lang.All), and the language it is in: a caller shows a fallback with
// its own lang attribute.
func Pick(m map[string]string, code, source string) (string, string) {
	if v := m[code]; v != "" {
		return v, code
	}
	if v := m[source]; v != "" {
		return v, source
	}
	for _, l := range lang.All() {
		if v := m[l.Code]; v != "" {
			return v, l.Code
		}
	}
	return "", code
}

// titlesOf returns an event's published titles per language; only when
// none is published, its drafts (a staff preview, a calendar of an event
// not announced yet), so that a reader never sees a draft next to a
// published text.
func titlesOf(e store.Event) map[string]string {
	published, all := map[string]string{}, map[string]string{}
	for code, t := range e.Translations {
		if t.Title == "" {
			continue
		}
		all[code] = t.Title
		if t.Status == store.StatusPublished {
			published[code] = t.Title
		}
	}
	if len(published) > 0 {
		return published
	}
	return all
}

// EventPath is the public path of an event's page in a language, such as
// /en/events/asean-digital-2026.
func EventPath(code, slug string) string { return "/" + code + "/events/" + url.PathEscape(slug) }
