package lang

import (
	"strings"
	"time"

	"github.com/gohugoio/locales"
	cldrar "github.com/gohugoio/locales/ar"
	cldren "github.com/gohugoio/locales/en"
	cldres "github.com/gohugoio/locales/es"
	cldrfr "github.com/gohugoio/locales/fr"
	cldrru "github.com/gohugoio/locales/ru"
	cldrvi "github.com/gohugoio/locales/vi"
	cldrzh "github.com/gohugoio/locales/zh"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Style is the length of a formatted date, as CLDR defines them.
type Style int

// Date styles. For 14 March 2026 in English: Full "Saturday, March 14, 2026",
// Long "March 14, 2026", Medium "Mar 14, 2026", Short "3/14/26".
const (
	Full Style = iota
	Long
	Medium
	Short
)

// translators hold CLDR's calendar data (x/text has no date formatting).
// They are read-only after construction, so safe to share.
var translators = map[string]locales.Translator{
	"vi": cldrvi.New(),
	"en": cldren.New(),
	"fr": cldrfr.New(),
	"es": cldres.New(),
	"ru": cldrru.New(),
	"zh": cldrzh.New(),
	"ar": cldrar.New(),
}

// dateTimeFormats join a date and a time, indexed by the date's Style: CLDR's
// gregorian dateTimeFormats ({1} is the date, {0} the time) with the quoting
// removed. gohugoio/locales does not carry them. Vietnamese puts the time
// first.
var dateTimeFormats = map[string][4]string{
	"vi": {"{0} {1}", "{0} {1}", "{0} {1}", "{0} {1}"},
	"en": {"{1} at {0}", "{1} at {0}", "{1}, {0}", "{1}, {0}"},
	"fr": {"{1} à {0}", "{1} à {0}", "{1}, {0}", "{1} {0}"},
	"es": {"{1}, {0}", "{1}, {0}", "{1}, {0}", "{1}, {0}"},
	"ru": {"{1}, {0}", "{1}, {0}", "{1}, {0}", "{1}, {0}"},
	"zh": {"{1} {0}", "{1} {0}", "{1} {0}", "{1} {0}"},
	"ar": {"{1} في {0}", "{1} في {0}", "{1}، {0}", "{1}، {0}"},
}

// numberTags choose the CLDR number conventions of each language.
//
// Arabic uses Latin digits (ar-u-nu-latn), as UN News Arabic, Al Jazeera and
// the Maghreb do, rather than the Arabic-Indic digits (١٢٣) x/text gives plain
// "ar". Three reasons: CLDR's Arabic date patterns from gohugoio/locales
// already print Latin digits, and one page must not mix two digit systems;
// figures copied from our Arabic pages into other languages' texts, tables
// and search boxes stay identical; and Latin digits are read everywhere in
// the Arabic-speaking world, which Arabic-Indic digits are not in the
// Maghreb. Decimal and group separators follow CLDR's ar/latn symbols
// ("1,234.5").
var numberTags = map[string]language.Tag{
	"vi": language.Vietnamese,
	"en": language.English,
	"fr": language.French,
	"es": language.Spanish,
	"ru": language.Russian,
	"zh": language.Chinese,
	"ar": language.MustParse("ar-u-nu-latn"),
}

// printers are safe for concurrent use: each call takes its own state.
var printers = func() map[string]*message.Printer {
	m := make(map[string]*message.Printer, len(numberTags))
	for code, tag := range numberTags {
		m[code] = message.NewPrinter(tag)
	}
	return m
}()

// translator returns code's CLDR data; unknown codes get the source
// language's, so a bad code degrades to English rather than failing.
func translator(code string) locales.Translator {
	if tr, ok := translators[code]; ok {
		return tr
	}
	return translators[sourceCode]
}

// FormatDate formats t's calendar date in language code, in loc (nil means
// t's own location). An unknown code formats as English.
//
// Examples for 14 March 2026, Full: vi "Thứ Bảy, 14 tháng 3, 2026",
// ru "суббота, 14 марта 2026 г.", zh "2026年3月14日星期六",
// ar "السبت، 14 مارس 2026".
func FormatDate(code string, t time.Time, loc *time.Location, style Style) string {
	if loc != nil {
		t = t.In(loc)
	}
	tr := translator(code)
	switch style {
	case Full:
		return tr.FmtDateFull(t)
	case Long:
		return tr.FmtDateLong(t)
	case Short:
		return tr.FmtDateShort(t)
	default:
		return tr.FmtDateMedium(t)
	}
}

// FormatDateTime formats t as a date in the given style followed by CLDR's
// short time (15:30, or 3:30 pm where the language uses a 12-hour clock),
// joined as CLDR's dateTimeFormats say: fr "samedi 14 mars 2026 à 15:30",
// vi "15:30 Thứ Bảy, 14 tháng 3, 2026". The time zone is not printed:
// callers that need it show it separately, in the event's zone.
func FormatDateTime(code string, t time.Time, loc *time.Location, style Style) string {
	if loc != nil {
		t = t.In(loc)
	}
	if style < Full || style > Short {
		style = Medium
	}
	patterns, ok := dateTimeFormats[code]
	if !ok {
		code, patterns = sourceCode, dateTimeFormats[sourceCode]
	}
	date := FormatDate(code, t, nil, style)
	clock := translator(code).FmtTimeShort(t)
	return strings.NewReplacer("{1}", date, "{0}", clock).Replace(patterns[style])
}

// Number is the set of types FormatNumber accepts.
type Number interface {
	int | int8 | int16 | int32 | int64 | uint | uint8 | uint16 | uint32 | uint64 | float32 | float64
}

// FormatNumber formats n with CLDR's decimal pattern of language code (x/text
// message and number): grouping separators and at most three fraction
// digits, e.g. fr "1 234 567,891" (with no-break spaces), ar "1,234,567.891"
// (Latin digits, see numberTags). An unknown code formats as English.
//
// x/text ignores CLDR's minimumGroupingDigits, so Spanish prints "1.234"
// where CLDR would print "1234"; larger numbers are unaffected.
func FormatNumber[N Number](code string, n N) string {
	p, ok := printers[code]
	if !ok {
		p = printers[sourceCode]
	}
	return p.Sprint(number.Decimal(n))
}

// PluralForms returns the CLDR cardinal plural categories of language code,
// named as in message files ("zero", "one", "two", "few", "many", "other"):
// a plural message in that language needs exactly these forms. It returns
// nil for an unknown code.
//
// The data is the released CLDR 48, from gohugoio/locales; go-i18n's table
// is internal. go-i18n v2.7.0 alone gives Vietnamese a "one" form (from the
// unreleased CLDR-14273); it falls back to "other" when a message has no
// "one", so Vietnamese messages keep the single form CLDR 48 has. A test
// pins this.
func PluralForms(code string) []string {
	tr, ok := translators[code]
	if !ok {
		return nil
	}
	rules := tr.PluralsCardinal()
	forms := make([]string, len(rules))
	for i, r := range rules {
		forms[i] = strings.ToLower(r.String())
	}
	return forms
}
