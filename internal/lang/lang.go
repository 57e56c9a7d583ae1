// Package lang owns Chancery's language registry, the negotiation of a
// visitor's language, the UI message catalogue and CLDR formatting of dates
// and numbers.
//
// Every other package asks lang which languages exist, which one a request
// gets and how a string, date or number reads in it, so that the portal, the
// admin pages, feeds and the events module cannot disagree.
//
// It must not import HTTP handlers, storage or any other Chancery package
// except locales (and it does not need that one either: NewCatalog takes an
// fs.FS, which main wires to locales.FS).
package lang

import (
	"slices"

	"golang.org/x/text/language"
)

// Writing directions, as used in the HTML dir attribute.
const (
	LTR = "ltr"
	RTL = "rtl"
)

// Language is one language Chancery is published in.
type Language struct {
	// Code is the URL prefix (/vi/…) and the message file name (vi.toml).
	Code string
	// Tag is the BCP 47 tag for lang, hreflang, xml:lang and matching.
	// For Chinese it is "zh", which CLDR's likely subtags expand to
	// zh-Hans-CN: the portal publishes Simplified Chinese only.
	Tag language.Tag
	// Dir is LTR or RTL, for the dir attribute of <html> (§5 RTL).
	Dir string
	// NativeName is the language's name in itself, as the language switcher
	// and chooser show it. It is CLDR's name (x/text language/display.Self)
	// with the first letter upper-cased, which is what CLDR's
	// contextTransforms ask for in a menu (uiListOrMenu: titlecase-firstword)
	// for fr, es and ru ("Français", not "français"). Inside a sentence use
	// the lower-case form, or better a message in the page language.
	NativeName string
	// EnglishName is CLDR's English name, for logs and admin pages.
	EnglishName string
}

// registry lists the served languages in switcher order: Vietnamese first as
// the national and default language, English second as the source language
// of every message and the most common second language of visitors, then the
// other four UN official languages. The UN's own order (alphabetical in
// English) is not used because it would put Arabic before Vietnamese.
// A test checks every name and direction against x/text.
var registry = [...]Language{
	{Code: "vi", Tag: language.Vietnamese, Dir: LTR, NativeName: "Tiếng Việt", EnglishName: "Vietnamese"},
	{Code: "en", Tag: language.English, Dir: LTR, NativeName: "English", EnglishName: "English"},
	{Code: "fr", Tag: language.French, Dir: LTR, NativeName: "Français", EnglishName: "French"},
	{Code: "es", Tag: language.Spanish, Dir: LTR, NativeName: "Español", EnglishName: "Spanish"},
	{Code: "ru", Tag: language.Russian, Dir: LTR, NativeName: "Русский", EnglishName: "Russian"},
	{Code: "zh", Tag: language.Chinese, Dir: LTR, NativeName: "中文", EnglishName: "Chinese"},
	{Code: "ar", Tag: language.Arabic, Dir: RTL, NativeName: "العربية", EnglishName: "Arabic"},
}

// sourceCode is the language messages are written in; every other message
// file translates it, and a missing translation falls back to it.
const sourceCode = "en"

// All returns the served languages in switcher order. The caller owns the
// returned slice.
func All() []Language {
	return slices.Clone(registry[:])
}

// Lookup returns the language whose Code is exactly code. It is meant for the
// /{lang}/ URL prefix, so it does no matching: "VI", "vi-VN" and "zh-Hans"
// are not found, and the caller answers 404 rather than guessing.
func Lookup(code string) (Language, bool) {
	for _, l := range registry {
		if l.Code == code {
			return l, true
		}
	}
	return Language{}, false
}
