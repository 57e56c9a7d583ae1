// Package locales holds Chancery's UI message files, one per served language
// (vi.toml, en.toml, fr.toml, es.toml, ru.toml, zh.toml, ar.toml), embedded
// in the binary because go:embed cannot reach this directory from elsewhere.
//
// English (en.toml) is the source: it defines every key, with a description
// for translators, and the other files translate it. internal/lang loads the
// files (lang.NewCatalog(locales.FS, …)); locales_test.go is the CI check on
// them: every file parses, every key is translated with every CLDR plural
// form, placeholders match, and same-as-english.txt lists the only keys that
// may keep the English text.
//
// Each area of the product may keep its own files, named <area>.<code>.toml
// (portal.vi.toml, press.ar.toml), with its own English source; the files
// without an area are the shared core. Every area has all seven languages,
// and a key belongs to one area.
//
// It must not import any other Chancery package.
package locales

import "embed"

// FS holds the message files, *.toml at its root.
//
//go:embed *.toml
var FS embed.FS
