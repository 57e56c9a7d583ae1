package lang

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

// Bounds on the Accept-Language header. Browsers send well under 200 bytes
// and a handful of languages; the bounds keep a hostile header cheap.
const (
	maxAcceptLanguage = 1024
	maxPreferences    = 16
)

// Negotiate picks the language of supported that the Accept-Language header
// asks for. It reports false when none fits; the caller then serves the
// default language and shows the language chooser. It is meant for the root
// URL only: a /{lang}/ prefix or an explicit choice always wins over it.
//
// Chancery never substitutes a different language for the one the visitor
// asked for, even where CLDR calls it a close match:
//
//   - Only preferences whose language is one of ours take part. Ukrainian
//     (uk), Serbian (sr), Persian (fa), but also Belarusian (be), Kazakh,
//     Kyrgyz and Tatar get the chooser, not Russian or Arabic. x/text rates
//     be→ru High from CLDR data, but offering Russian to someone who asked for
//     Belarusian is the same statement as offering it for Ukrainian, and
//     costs the visitor one click to undo; a visitor who reads Russian almost
//     always lists it too ("be,ru;q=0.9"), and then gets it. Spoken Arabic
//     varieties with codes of their own (arz, apc) get the chooser too;
//     browsers send them as ar-EG, ar-LB, which match.
//   - Matches below High are refused. That covers Traditional Chinese
//     (zh-Hant, zh-TW, zh-HK, zh-MO): it matches our Simplified zh only with
//     Low confidence, and those readers must not silently get Simplified.
//   - Confidence No is refused: x/text would otherwise return its first tag.
//
// Malformed entries are skipped rather than failing the whole header, and an
// oversized header is cut, so any input is safe. The matcher's index, not the
// returned tag, selects the language: the tag carries -u-rg- extensions
// (golang/go#29884).
func Negotiate(acceptLanguage string, supported []Language) (Language, bool) {
	prefs := preferences(acceptLanguage, supported)
	if len(prefs) == 0 {
		return Language{}, false
	}
	_, i, conf := matcherFor(supported).Match(prefs...)
	if conf < language.High || i < 0 || i >= len(supported) {
		return Language{}, false
	}
	return supported[i], true
}

// matchers caches one matcher per list of supported codes: building one
// costs tens of microseconds, and callers pass the same list every time.
var matchers sync.Map // string → language.Matcher

func matcherFor(supported []Language) language.Matcher {
	codes := make([]string, len(supported))
	for i, l := range supported {
		codes[i] = l.Tag.String()
	}
	key := strings.Join(codes, ",")
	if m, ok := matchers.Load(key); ok {
		return m.(language.Matcher)
	}
	// PreferSameScript(false): the default (true) lets uk, sr and fa match
	// ru and ar with confidence No (golang/go#63330).
	m := language.NewMatcher(tagsOf(supported), language.PreferSameScript(false))
	matchers.Store(key, m)
	return m
}

// preferences parses header into tags ordered by weight, keeping only those
// whose language (after canonicalisation: cmn is zh, arb is ar) is one of
// supported.
func preferences(header string, supported []Language) []language.Tag {
	if len(header) > maxAcceptLanguage {
		// Cut at the last complete entry.
		header = header[:maxAcceptLanguage]
		i := strings.LastIndexByte(header, ',')
		if i < 0 {
			return nil
		}
		header = header[:i]
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		tags = parseLenient(header)
	}
	bases := make(map[language.Base]bool, len(supported))
	for _, l := range supported {
		b, _ := l.Tag.Base()
		bases[b] = true
	}
	out := make([]language.Tag, 0, min(len(tags), maxPreferences))
	for _, t := range tags {
		if len(out) == maxPreferences {
			break
		}
		c, _ := language.All.Canonicalize(t)
		// Base guesses for und ("*" parses as mul): only an explicit
		// language counts.
		if b, conf := c.Base(); conf == language.Exact && bases[b] {
			out = append(out, c)
		}
	}
	return out
}

// parseLenient parses each entry of an Accept-Language header on its own, so
// that one malformed entry ("en-GB,xx-!,fr") does not discard the others as
// language.ParseAcceptLanguage does.
func parseLenient(header string) []language.Tag {
	type pref struct {
		tag    language.Tag
		weight float32
	}
	var prefs []pref
	for entry := range strings.SplitSeq(header, ",") {
		if len(prefs) == maxPreferences {
			break
		}
		tags, weights, err := language.ParseAcceptLanguage(entry)
		if err != nil || len(tags) != 1 {
			continue
		}
		prefs = append(prefs, pref{tags[0], weights[0]})
	}
	slices.SortStableFunc(prefs, func(a, b pref) int { return cmp.Compare(b.weight, a.weight) })
	tags := make([]language.Tag, len(prefs))
	for i, p := range prefs {
		tags[i] = p.tag
	}
	return tags
}
