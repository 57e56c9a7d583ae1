package locales_test

// This file is the CI check on the message files, modelled on
// alphagov/rails_translation_manager's LocaleChecker. check reports every
// problem it finds, each naming the file, the key and what is wrong;
// TestCheckFindsProblems proves each rule can fail.

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"text/template"
	"text/template/parse"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/locales"
)

const (
	sourceCode = "en"
	// allowListFile lists the keys whose translation may equal English.
	allowListFile = "same-as-english.txt"
)

// keyPattern is the naming convention: snake_case, starting with the area
// that shows the message (lang_switcher_label, translation_not_available).
var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// forms are CLDR's plural categories, the fields go-i18n reads the text from.
var forms = []string{"zero", "one", "two", "few", "many", "other"}

// otherFields are the other fields a message table may have. go-i18n also
// accepts id, leftDelim and rightDelim; Chancery does not use them.
var otherFields = []string{"description", "hash"}

type problem struct {
	file, key, msg string
}

func (p problem) String() string {
	if p.key == "" {
		return p.file + ": " + p.msg
	}
	return p.file + ": " + p.key + ": " + p.msg
}

// messages maps a key to its texts by plural form.
type messages map[string]map[string]string

type checker struct {
	problems []problem
}

func (c *checker) add(file, key, format string, args ...any) {
	c.problems = append(c.problems, problem{file, key, fmt.Sprintf(format, args...)})
}

// check runs every rule on the *.toml files and the allow-list at the root
// of fsys. Files are grouped by area (vi.toml is the core area,
// portal.vi.toml the portal's): each area has its own English source, and a
// key belongs to one area.
func check(fsys fs.FS) []problem {
	var c checker
	paths, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		c.add(".", "", "cannot list message files: %v", err)
		return c.problems
	}
	byArea := map[string][]string{"": nil}
	for _, path := range paths {
		area := lang.MessageArea(path)
		byArea[area] = append(byArea[area], path)
	}
	allow := c.allowList(fsys)
	keys := make(map[string]string) // English key → file
	for _, area := range slices.Sorted(maps.Keys(byArea)) {
		c.checkArea(fsys, area, byArea[area], allow, keys)
	}
	for _, key := range slices.Sorted(maps.Keys(allow)) {
		if _, ok := keys[key]; !ok {
			c.add(allowListFile, key, "not a key of any %s file: remove the line", sourceCode)
		}
	}
	return c.problems
}

// checkArea checks the files of one area, recording its English keys in
// keys and reporting keys another area already defines.
func (c *checker) checkArea(fsys fs.FS, area string, paths []string, allow map[string]bool, keys map[string]string) {
	c.checkLanguages(fsys, area, paths)

	files := make(map[string]messages) // language code → messages
	for _, path := range paths {
		code := strings.TrimSuffix(strings.TrimPrefix(path, area+"."), ".toml")
		if area == "" {
			code = strings.TrimSuffix(path, ".toml")
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			c.add(path, "", "cannot read: %v", err)
			continue
		}
		if msgs, ok := c.parse(path, data); ok {
			if _, served := lang.Lookup(code); served {
				files[code] = msgs
			}
		}
	}
	source, ok := files[sourceCode]
	if !ok {
		return // reported by checkLanguages or parse
	}
	sourcePath := lang.MessageFile(area, sourceCode)
	for _, key := range slices.Sorted(maps.Keys(source)) {
		if prev, dup := keys[key]; dup {
			c.add(sourcePath, key, "already defined in %s: a key belongs to one area", prev)
		}
		keys[key] = sourcePath
	}
	sourceFields := c.checkSource(sourcePath, source)
	for _, l := range lang.All() {
		if msgs, ok := files[l.Code]; ok && l.Code != sourceCode {
			c.checkTranslation(lang.MessageFile(area, l.Code), sourcePath, l.Code, msgs, source, sourceFields, allow)
		}
	}
}

// checkLanguages loads an area's files as the server does and checks that
// go-i18n sees exactly the served languages, one file each, named
// <code>.toml (core) or <area>.<code>.toml.
func (c *checker) checkLanguages(fsys fs.FS, area string, paths []string) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	byTag := make(map[language.Tag][]string)
	for _, path := range paths {
		mf, err := bundle.LoadMessageFileFS(fsys, path)
		if err != nil {
			c.add(path, "", "cannot load (TOML or message syntax): %v", err)
			continue
		}
		byTag[mf.Tag] = append(byTag[mf.Tag], path)
	}
	served := make(map[language.Tag]string)
	for _, l := range lang.All() {
		served[l.Tag] = l.Code
	}
	for _, tag := range bundle.LanguageTags() {
		if _, ok := served[tag]; ok {
			continue
		}
		for _, path := range byTag[tag] {
			c.add(path, "", "go-i18n reads its language as %q, which Chancery does not serve (a name without a language code loads as und); name message files <code>.toml or <area>.<code>.toml for the codes of lang.All()", tag)
		}
	}
	for tag, code := range served {
		for _, path := range byTag[tag] {
			if want := lang.MessageFile(area, code); path != want {
				c.add(path, "", "holds %s messages: rename it %s, the only file of that language in its area", code, want)
			}
		}
	}
	for _, l := range lang.All() {
		if want := lang.MessageFile(area, l.Code); !slices.Contains(paths, want) {
			c.add(want, "", "missing: every served language needs a message file in every area")
		}
	}
}

// parse decodes one file, checking its TOML, its shape and the order of its
// keys.
func (c *checker) parse(path string, data []byte) (messages, bool) {
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, false // reported by checkLanguages, which go-i18n's load fails
	}
	prev := ""
	for _, k := range md.Keys() {
		if len(k) != 1 {
			continue
		}
		if k[0] < prev {
			c.add(path, k[0], "out of order: sort the tables by key (it follows %q)", prev)
		}
		prev = k[0]
	}
	msgs := make(messages, len(raw))
	for key, v := range raw {
		texts := make(map[string]string)
		switch v := v.(type) {
		case string:
			texts["other"] = v
		case map[string]any:
			for field, fv := range v {
				s, ok := fv.(string)
				switch {
				case !slices.Contains(forms, field) && !slices.Contains(otherFields, field):
					c.add(path, key, "unknown field %q: a message has description, hash and the CLDR forms %v", field, forms)
				case !ok:
					c.add(path, key, "field %q must be a string, not %T", field, fv)
				case slices.Contains(forms, field):
					texts[field] = s
				}
			}
		default:
			c.add(path, key, "must be a table or a string, not %T", v)
			continue
		}
		msgs[key] = texts
	}
	return msgs, true
}

// allowList reads same-as-english.txt: one key per line, then "#" and the
// reason. A missing file allows nothing.
func (c *checker) allowList(fsys fs.FS) map[string]bool {
	allow := make(map[string]bool)
	data, err := fs.ReadFile(fsys, allowListFile)
	if errors.Is(err, fs.ErrNotExist) {
		return allow
	}
	if err != nil {
		c.add(allowListFile, "", "cannot read: %v", err)
		return allow
	}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, reason, _ := strings.Cut(line, "#")
		key, reason = strings.TrimSpace(key), strings.TrimSpace(reason)
		if strings.ContainsAny(key, " \t") {
			c.add(allowListFile, key, "line %d: one key per line", i+1)
			continue
		}
		if reason == "" {
			c.add(allowListFile, key, "line %d: say why the English text is right in every language, after \"#\"", i+1)
		}
		allow[key] = true
	}
	return allow
}

// checkSource checks the English file, which defines the keys, and returns
// the placeholders of each message.
func (c *checker) checkSource(path string, source messages) map[string][]string {
	fields := make(map[string][]string, len(source))
	for _, key := range slices.Sorted(maps.Keys(source)) {
		if !keyPattern.MatchString(key) {
			c.add(path, key, "key does not follow the naming convention %s (snake_case, area first)", keyPattern)
		}
		c.checkForms(path, sourceCode, key, source[key], isPlural(source[key]))
		fields[key], _ = c.placeholders(path, key, source[key])
	}
	return fields
}

// checkTranslation checks one language against English.
func (c *checker) checkTranslation(path, sourcePath, code string, msgs, source messages, sourceFields map[string][]string, allow map[string]bool) {
	for _, key := range slices.Sorted(maps.Keys(source)) {
		en := source[key]
		texts, ok := msgs[key]
		if !ok {
			c.add(path, key, "missing (English: %q)", en["other"])
			continue
		}
		c.checkForms(path, code, key, texts, isPlural(en))

		want := sourceFields[key]
		if got, ok := c.placeholders(path, key, texts); ok && !slices.Equal(got, want) {
			c.add(path, key, "placeholders %v differ from English %v", got, want)
		}

		if !allow[key] {
			for _, form := range forms {
				if t := texts[form]; t != "" && (t == en[form] || t == en["other"]) {
					c.add(path, key, "form %q is identical to English %q: translate it, or list the key in %s with the reason", form, t, allowListFile)
				}
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(msgs)) {
		if _, ok := source[key]; !ok {
			c.add(path, key, "not in %s: remove it, or add the English first", sourcePath)
		}
	}
}

// checkForms checks that a message has exactly the forms it needs, none
// empty: "other" alone, or for a plural message every CLDR cardinal form of
// the language.
func (c *checker) checkForms(path, code, key string, texts map[string]string, plural bool) {
	need := []string{"other"}
	if plural {
		need = lang.PluralForms(code)
	}
	for _, form := range need {
		text, ok := texts[form]
		switch {
		case !ok && plural:
			c.add(path, key, "missing plural form %q: CLDR gives %s the forms %v", form, code, need)
		case !ok:
			c.add(path, key, "missing text (other)")
		case strings.TrimSpace(text) == "":
			c.add(path, key, "form %q is empty", form)
		}
	}
	for _, form := range slices.Sorted(maps.Keys(texts)) {
		if slices.Contains(need, form) {
			continue
		}
		if plural {
			c.add(path, key, "plural form %q is not used in %s: CLDR gives it only %v", form, code, need)
		} else {
			c.add(path, key, "plural form %q in a message that is not plural in English: keep only \"other\"", form)
		}
	}
}

// isPlural reports whether an English message has plural forms.
func isPlural(texts map[string]string) bool {
	for form := range texts {
		if form != "other" {
			return true
		}
	}
	return false
}

// placeholders returns the sorted fields ({{.Name}}) all forms use,
// reporting texts that do not parse as go-i18n's text/template.
func (c *checker) placeholders(path, key string, texts map[string]string) ([]string, bool) {
	set := make(map[string]bool)
	ok := true
	for _, form := range slices.Sorted(maps.Keys(texts)) {
		t, err := template.New(key).Parse(texts[form])
		if err != nil {
			c.add(path, key, "form %q is not a valid template: %v", form, err)
			ok = false
			continue
		}
		if t.Tree != nil {
			fields(t.Tree.Root, set)
		}
	}
	return slices.Sorted(maps.Keys(set)), ok
}

// fields collects the field names a template refers to.
func fields(n parse.Node, set map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				fields(c, set)
			}
		}
	case *parse.ActionNode:
		fields(n.Pipe, set)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				fields(c, set)
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			fields(a, set)
		}
	case *parse.FieldNode:
		set["."+strings.Join(n.Ident, ".")] = true
	case *parse.ChainNode:
		fields(n.Node, set)
	case *parse.IfNode:
		fields(n.Pipe, set)
		fields(n.List, set)
		fields(n.ElseList, set)
	case *parse.RangeNode:
		fields(n.Pipe, set)
		fields(n.List, set)
		fields(n.ElseList, set)
	case *parse.WithNode:
		fields(n.Pipe, set)
		fields(n.List, set)
		fields(n.ElseList, set)
	case *parse.TemplateNode:
		fields(n.Pipe, set)
	}
}

// TestLocales is the CI check on the files of this directory.
func TestLocales(t *testing.T) {
	for _, p := range check(os.DirFS(".")) {
		t.Error(p)
	}
}

// TestCatalogLoadsLocales loads the embedded files as the server does. Keys
// missing from a language are TestLocales' business; here every message a
// language has must render as text, not as its ID.
func TestCatalogLoadsLocales(t *testing.T) {
	c, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatalf("NewCatalog(locales.FS): %v", err)
	}
	paths, err := fs.Glob(locales.FS, "*.toml")
	if err != nil {
		t.Fatal(err)
	}
	source := make(map[string]any)
	for _, path := range paths {
		if path != lang.MessageFile(lang.MessageArea(path), sourceCode) {
			continue
		}
		data, err := fs.ReadFile(locales.FS, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := toml.Unmarshal(data, &source); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	for _, l := range lang.All() {
		t.Run(l.Code, func(t *testing.T) {
			for _, key := range slices.Sorted(maps.Keys(source)) {
				if !c.Has(sourceCode, key) {
					t.Errorf("%s: %s: not loaded", sourceCode, key)
				}
				if got := c.N(l.Code, key, 3, nil); got == key {
					t.Errorf("%s: %s: renders as its ID", l.Code, key)
				}
			}
		})
	}
}

// validFiles returns a complete, clean set of message files: a simple and a
// plural message in every language, and an empty allow-list.
func validFiles() fstest.MapFS {
	fsys := fstest.MapFS{allowListFile: {Data: []byte("# none\n")}}
	for _, l := range lang.All() {
		var b strings.Builder
		fmt.Fprintf(&b, "[greeting]\ndescription = \"d\"\nother = \"Hello {{.Name}} (%s)\"\n\n[item_count]\n", l.Code)
		for _, form := range lang.PluralForms(l.Code) {
			fmt.Fprintf(&b, "%s = \"{{.Count}} %s-%s\"\n", form, l.Code, form)
		}
		fsys[l.Code+".toml"] = &fstest.MapFile{Data: []byte(b.String())}
	}
	return fsys
}

// TestCheckFindsProblems feeds broken files to check: each rule must fire,
// naming the file and key.
func TestCheckFindsProblems(t *testing.T) {
	set := func(name, content string) func(fstest.MapFS) {
		return func(f fstest.MapFS) { f[name] = &fstest.MapFile{Data: []byte(content)} }
	}
	replace := func(name, old, new string) func(fstest.MapFS) {
		return func(f fstest.MapFS) {
			s := string(f[name].Data)
			if !strings.Contains(s, old) {
				panic(fmt.Sprintf("test setup: %s has no %q", name, old))
			}
			f[name] = &fstest.MapFile{Data: []byte(strings.Replace(s, old, new, 1))}
		}
	}
	tests := []struct {
		name string
		edit func(fstest.MapFS)
		want *problem // file, key and a substring of msg; nil: no problem at all
	}{
		{"valid files", nil, nil},
		{"TOML syntax", set("fr.toml", "[greeting\nother = "), &problem{"fr.toml", "", "cannot load"}},
		{"stray file loads as und", set("messages.toml", "[greeting]\nother = \"x\"\n"), &problem{"messages.toml", "", `"und"`}},
		{"language not served", set("de.toml", "[greeting]\nother = \"Hallo\"\n"), &problem{"de.toml", "", `"de"`}},
		{"traditional chinese file", set("zh-Hant.toml", "[greeting]\nother = \"你好\"\n"), &problem{"zh-Hant.toml", "", `"zh-Hant"`}},
		{"area without a language", set("portal.fr.toml", "[portal_title]\nother = \"Actualités\"\n"), &problem{"portal.ar.toml", "", "missing"}},
		{"area file named for another language", func(f fstest.MapFS) {
			for _, l := range lang.All() {
				set("portal."+l.Code+".toml", "[portal_title]\nother = \"News "+l.Code+"\"\n")(f)
			}
			f["portal.x.fr.toml"] = f["portal.fr.toml"]
		}, &problem{"portal.x.fr.toml", "", "rename it portal.fr.toml"}},
		{"key in two areas", func(f fstest.MapFS) {
			for _, l := range lang.All() {
				set("portal."+l.Code+".toml", "[greeting]\nother = \"Hello {{.Name}} ("+l.Code+")\"\n")(f)
			}
		}, &problem{"portal.en.toml", "greeting", "already defined in en.toml"}},
		{"area checked against its own English", func(f fstest.MapFS) {
			for _, l := range lang.All() {
				set("portal."+l.Code+".toml", "[portal_title]\nother = \"News "+l.Code+"\"\n")(f)
			}
			set("portal.ru.toml", "[portal_titel]\nother = \"Новости\"\n")(f)
		}, &problem{"portal.ru.toml", "portal_title", "missing"}},
		{"areas are valid", func(f fstest.MapFS) {
			for _, l := range lang.All() {
				set("portal."+l.Code+".toml", "[portal_title]\nother = \"News "+l.Code+"\"\n")(f)
			}
		}, nil},
		{"missing language", func(f fstest.MapFS) { delete(f, "ar.toml") }, &problem{"ar.toml", "", "missing"}},
		{"missing source", func(f fstest.MapFS) { delete(f, "en.toml") }, &problem{"en.toml", "", "missing"}},
		{"missing key", replace("ru.toml", "[greeting]", "[greetings]"), &problem{"ru.toml", "greeting", "missing"}},
		{"extra key", replace("fr.toml", "[greeting]", "[farewell]\nother = \"Adieu\"\n\n[greeting]"), &problem{"fr.toml", "farewell", "not in en.toml"}},
		{"empty text", replace("es.toml", "Hello {{.Name}} (es)", "  "), &problem{"es.toml", "greeting", "empty"}},
		{"missing other", replace("vi.toml", "other = \"Hello {{.Name}} (vi)\"", "hash = \"sha1-0\""), &problem{"vi.toml", "greeting", "missing text"}},
		{"missing plural form ru few", replace("ru.toml", "few = ", "#few = "), &problem{"ru.toml", "item_count", `"few"`}},
		{"missing plural form ar two", replace("ar.toml", "two = ", "#two = "), &problem{"ar.toml", "item_count", `"two"`}},
		{"missing plural form fr many", replace("fr.toml", "many = ", "#many = "), &problem{"fr.toml", "item_count", `"many"`}},
		{"missing English plural form", replace("en.toml", "other = \"{{.Count}} en-other\"", ""), &problem{"en.toml", "item_count", `"other"`}},
		{"form unused in language", replace("vi.toml", "other = \"{{.Count}}", "one = \"{{.Count}} một\"\nother = \"{{.Count}}"), &problem{"vi.toml", "item_count", `"one" is not used in vi`}},
		{"plural form on a simple message", replace("fr.toml", "other = \"Hello", "many = \"Bonjours\"\nother = \"Hello"), &problem{"fr.toml", "greeting", `"many"`}},
		{"unknown field", replace("es.toml", "description = \"d\"", "ohter = \"x\""), &problem{"es.toml", "greeting", `unknown field "ohter"`}},
		{"nested table", set("zh.toml", strings.Replace(string(validFiles()["zh.toml"].Data), "[item_count]", "[item_count.x]", 1)), &problem{"zh.toml", "item_count", `"x"`}},
		{"non-string text", replace("ar.toml", "other = \"Hello {{.Name}} (ar)\"", "other = 3"), &problem{"ar.toml", "greeting", "must be a string"}},
		{"keys out of order", set("en.toml", "[item_count]\none = \"{{.Count}} en-one\"\nother = \"{{.Count}} en-other\"\n\n[greeting]\nother = \"Hello {{.Name}} (en)\"\n"), &problem{"en.toml", "greeting", "out of order"}},
		{"key naming", replace("en.toml", "[greeting]", "[Greeting]\nother = \"Hi\"\n\n[greeting]"), &problem{"en.toml", "Greeting", "naming convention"}},
		{"placeholder renamed", replace("zh.toml", "{{.Name}}", "{{.Nom}}"), &problem{"zh.toml", "greeting", "placeholders [.Nom] differ from English [.Name]"}},
		{"placeholder dropped", replace("es.toml", "{{.Name}} ", ""), &problem{"es.toml", "greeting", "placeholders [] differ"}},
		{"placeholder in a condition", replace("ru.toml", "{{.Name}}", "{{if .Title}}{{.Title}} {{end}}{{.Name}}"), &problem{"ru.toml", "greeting", "[.Name .Title] differ"}},
		{"template syntax", replace("fr.toml", "{{.Name}}", "{{.Name"), &problem{"fr.toml", "greeting", "not a valid template"}},
		{"same as English", replace("es.toml", "(es)", "(en)"), &problem{"es.toml", "greeting", "identical to English"}},
		{"same as English plural form", replace("fr.toml", "{{.Count}} fr-other", "{{.Count}} en-other"), &problem{"fr.toml", "item_count", "identical to English"}},
		{"same as English, allowed", func(f fstest.MapFS) {
			replace("es.toml", "(es)", "(en)")(f)
			set(allowListFile, "greeting  # a proper name in every language\n")(f)
		}, nil},
		{"allow-list without reason", set(allowListFile, "greeting\n"), &problem{allowListFile, "greeting", "say why"}},
		{"allow-list stale key", set(allowListFile, "farewell # gone\n"), &problem{allowListFile, "farewell", "not a key"}},
		{"allow-list two keys on a line", set(allowListFile, "greeting item_count # x\n"), &problem{allowListFile, "greeting item_count", "one key per line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := validFiles()
			if tt.edit != nil {
				tt.edit(fsys)
			}
			got := check(fsys)
			if tt.want == nil {
				for _, p := range got {
					t.Errorf("unexpected problem: %s", p)
				}
				return
			}
			for _, p := range got {
				if p.file == tt.want.file && p.key == tt.want.key && strings.Contains(p.msg, tt.want.msg) {
					return
				}
			}
			t.Errorf("no problem %q; got:", tt.want)
			for _, p := range got {
				t.Errorf("  %s", p)
			}
		})
	}
}
