package lang

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// ErrUnknownLanguage reports a language code or message file whose language
// Chancery does not serve.
var ErrUnknownLanguage = errors.New("lang: language not served")

// ErrMissingLanguage reports a served language without a message file.
var ErrMissingLanguage = errors.New("lang: no message file")

// Catalog is the UI message catalogue: the message files of every served
// language, loaded once, with one go-i18n Localizer per language built at
// start-up (go-i18n's own matcher would send uk to ru, see Negotiate).
//
// A message missing in a language falls back to English, the source language
// (as GOV.UK and Hugo do for UI strings); a message missing everywhere
// renders as its ID, so the gap is visible and CI (locales_test.go) catches
// it. Nothing changes after NewCatalog returns, so a Catalog is safe for
// concurrent use; reloading means building a new one and swapping it.
//
// Messages are text/template and nothing is escaped: insert the results into
// html/template as text, never as template.HTML.
type Catalog struct {
	def        Language
	localizers map[string]*i18n.Localizer
	ids        map[string]map[string]bool // code → message IDs present
}

// NewCatalog loads every *.toml file at the root of fsys. Messages are
// grouped in areas so that parts of the product keep their own files: the
// core area's files are named after the language code (vi.toml, …), another
// area's after the area and the code (portal.vi.toml, press.ar.toml). Every
// area has one file per served language, and a key belongs to one area.
// defaultCode is the language for codes Chancery does not serve; it must be
// served.
//
// It fails if a file does not parse, if a file's name is not a served
// language (a stray messages.toml loads as "und" in go-i18n), if an area
// lacks a served language, or if two files of a language define one key.
func NewCatalog(fsys fs.FS, defaultCode string) (*Catalog, error) {
	def, ok := Lookup(defaultCode)
	if !ok {
		return nil, fmt.Errorf("lang: default %q: %w", defaultCode, ErrUnknownLanguage)
	}
	paths, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("lang: list message files: %w", err)
	}
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)

	c := &Catalog{
		def:        def,
		localizers: make(map[string]*i18n.Localizer, len(registry)),
		ids:        make(map[string]map[string]bool, len(registry)),
	}
	files := make(map[string]map[string]string) // area → code → path
	owner := make(map[string]map[string]string) // code → key → path
	parsed := parseFiles(fsys, paths)
	for i, path := range paths {
		mf, err := parsed[i].mf, parsed[i].err
		if err == nil {
			err = bundle.AddMessages(mf.Tag, mf.Messages...)
		}
		if err != nil {
			return nil, fmt.Errorf("lang: load %s: %w", path, err)
		}
		l, ok := byTag(mf.Tag)
		if !ok {
			return nil, fmt.Errorf("lang: %s has language %q: %w", path, mf.Tag, ErrUnknownLanguage)
		}
		area := MessageArea(path)
		if files[area] == nil {
			files[area] = make(map[string]string, len(registry))
		}
		if prev, dup := files[area][l.Code]; dup {
			return nil, fmt.Errorf("lang: %s and %s are both %s", prev, path, l.Code)
		}
		files[area][l.Code] = path
		if c.ids[l.Code] == nil {
			c.ids[l.Code] = make(map[string]bool, len(mf.Messages))
			owner[l.Code] = make(map[string]string, len(mf.Messages))
		}
		for _, m := range mf.Messages {
			if prev, dup := owner[l.Code][m.ID]; dup {
				return nil, fmt.Errorf("lang: %s and %s both define %q", prev, path, m.ID)
			}
			owner[l.Code][m.ID] = path
			c.ids[l.Code][m.ID] = true
		}
	}
	if files[""] == nil {
		files[""] = map[string]string{}
	}
	for _, area := range slices.Sorted(maps.Keys(files)) {
		for _, l := range registry {
			if _, ok := files[area][l.Code]; !ok {
				return nil, fmt.Errorf("lang: %s: %w", MessageFile(area, l.Code), ErrMissingLanguage)
			}
		}
	}
	for _, l := range registry {
		c.localizers[l.Code] = i18n.NewLocalizer(bundle, l.Tag.String())
	}
	// Belt and braces: the bundle must know exactly our languages.
	if got, want := tagSet(bundle.LanguageTags()), tagSet(tagsOf(registry[:])); got != want {
		return nil, fmt.Errorf("lang: message files cover %s, want %s: %w", got, want, ErrUnknownLanguage)
	}
	return c, nil
}

// MessageArea returns the area of a message file: "" for vi.toml, "portal"
// for portal.vi.toml.
func MessageArea(path string) string {
	base := strings.TrimSuffix(path, ".toml")
	area, _, ok := strings.Cut(base, ".")
	if !ok {
		return ""
	}
	return area
}

// MessageFile returns the name of the message file of an area and language.
func MessageFile(area, code string) string {
	if area == "" {
		return code + ".toml"
	}
	return area + "." + code + ".toml"
}

// Languages returns the languages of the catalogue in switcher order.
func (c *Catalog) Languages() []Language {
	return All()
}

// Default returns the language used for codes that are not served.
func (c *Catalog) Default() Language {
	return c.def
}

// Has reports whether language code has its own message id, without
// falling back to English.
func (c *Catalog) Has(code, id string) bool {
	return c.ids[code][id]
}

// T returns message id in language code, executed with data (several maps
// are merged, later keys winning). An unknown code uses the default language.
func (c *Catalog) T(code, id string, data ...map[string]any) string {
	td := make(map[string]any)
	for _, d := range data {
		maps.Copy(td, d)
	}
	return c.localize(code, &i18n.LocalizeConfig{MessageID: id, TemplateData: td})
}

// N returns the plural message id in language code for count: the CLDR
// plural form of count selects the text (Arabic has six). data is not
// modified; the template also gets .Count, count formatted by FormatNumber
// in that language ("1 000 000" in French), overriding any Count in data.
func (c *Catalog) N(code, id string, count int, data map[string]any) string {
	td := make(map[string]any, len(data)+1)
	maps.Copy(td, data)
	td["Count"] = FormatNumber(c.lang(code).Code, count)
	return c.localize(code, &i18n.LocalizeConfig{MessageID: id, TemplateData: td, PluralCount: count})
}

// lang resolves code, falling back to the default language.
func (c *Catalog) lang(code string) Language {
	if l, ok := Lookup(code); ok {
		return l
	}
	return c.def
}

// localize never panics (no MustLocalize: it panics although Localize has a
// usable fallback). go-i18n itself falls back to the bundle's default
// language, English, for a missing message; we also fall back to English
// when a translation fails to execute, and to the ID when all else fails.
func (c *Catalog) localize(code string, cfg *i18n.LocalizeConfig) string {
	l := c.lang(code)
	msg, err := c.localizers[l.Code].Localize(cfg)
	if err == nil || msg != "" {
		return msg
	}
	if l.Code != sourceCode {
		if msg, _ := c.localizers[sourceCode].Localize(cfg); msg != "" {
			return msg
		}
	}
	return cfg.MessageID
}

func byTag(t language.Tag) (Language, bool) {
	for _, l := range registry {
		if l.Tag == t {
			return l, true
		}
	}
	return Language{}, false
}

func tagsOf(langs []Language) []language.Tag {
	tags := make([]language.Tag, len(langs))
	for i, l := range langs {
		tags[i] = l.Tag
	}
	return tags
}

// tagSet renders tags as a sorted, comparable list.
func tagSet(tags []language.Tag) string {
	s := make([]string, len(tags))
	for i, t := range tags {
		s[i] = t.String()
	}
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ",")
}

// parsedFile is one message file read and parsed, or why it was not.
type parsedFile struct {
	mf  *i18n.MessageFile
	err error
}

// parseFiles reads and parses the message files on all processors, the
// larger part of a server's start. The results are in the order of paths,
// so that the catalogue adds them to its bundle, and reports the first
// faulty file, exactly as one pass over the files does.
func parseFiles(fsys fs.FS, paths []string) []parsedFile {
	unmarshal := map[string]i18n.UnmarshalFunc{"toml": toml.Unmarshal}
	out := make([]parsedFile, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(paths) {
					return
				}
				buf, err := fs.ReadFile(fsys, paths[i])
				if err != nil {
					out[i].err = err
					continue
				}
				out[i].mf, out[i].err = i18n.ParseMessageFileBytes(buf, paths[i], unmarshal)
			}
		})
	}
	wg.Wait()
	return out
}
