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

// titlesOf returns an event's titles per language, published or not.
func titlesOf(e store.Event) map[string]string {
	m := map[string]string{}
	for code, t := range e.Translations {
		m[code] = t.Title
	}
	return m
}

// EventPath is the public path of an event's page in a language, such as
// /en/events/asean-digital-2026.
func EventPath(code, slug string) string { return "/" + code + "/events/" + url.PathEscape(slug) }
