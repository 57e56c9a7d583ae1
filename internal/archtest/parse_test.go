package archtest

import (
	"slices"
	"strings"
	"testing"
)

func TestParseRules(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string // each term as kind:path, with exceptions after "-"
		err       string
	}{
		{name: "paths and classes",
			doc:  "Package p does things.\n\nIt must not import cmd/, net/http or the store: main wires it.",
			want: []string{"path:" + module + "/cmd/", "path:net/http", "store:"}},
		{name: "examples in parentheses, line breaks",
			doc:  "It\nmust not import feature packages (portal, admin, sfu, social, …).",
			want: []string{"feature:"}},
		{name: "an exception",
			doc:  "It must not import any Chancery package but internal/social/x/xtext.",
			want: []string{"chancery:-" + module + "/internal/social/x/xtext"}},
		{name: "a root package excepted, remark in parentheses with a colon",
			doc:  "It must not import HTTP handlers, storage or any other Chancery package except locales (and it does not need that one either: NewCatalog takes an fs.FS).",
			want: []string{"http-areas:", "storage:", "chancery:-" + module + "/locales"}},
		{name: "two rules in one sentence",
			doc:  "Production packages must not import it, and it must not import any Chancery package, so that every package can test its pages with it.",
			want: []string{"importers:", "chancery:"}},
		{name: "a comma inside a phrase",
			doc:  "It must not import net/http or any package that handles requests, session cookies, passwords or permissions: deciding who may do what belongs to the callers.",
			want: []string{"path:net/http", "request-handling:"}},
		{name: "no rule", doc: "Package p does things. It imports what it likes."},
		{name: "an unknown term fails",
			doc: "It must not import cmd/ or the frobnicator.",
			err: `unknown term at "the frobnicator"`},
		{name: "a word that only starts like a term fails",
			doc: "It must not import iterators.",
			err: "unknown term"},
		{name: "an exception must name a package",
			doc: "It must not import any Chancery package but ….",
			err: "must be followed by a package path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := parseRules(tc.doc)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rules {
				for _, term := range r.terms {
					s := term.kind + ":" + term.path
					for _, e := range term.except {
						s += "-" + e
					}
					got = append(got, s)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("terms %q, want %q", got, tc.want)
			}
		})
	}
}

// The check follows Chancery's packages (a store reached through another
// package counts), leaves libraries' own imports alone, and names a
// shortest chain.
func TestCheckFollowsChancerysImports(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	g := &graph{pkgs: map[string]*pkg{
		m("internal/a"):     {ImportPath: m("internal/a"), Imports: []string{m("internal/b"), "github.com/lib/x"}},
		m("internal/b"):     {ImportPath: m("internal/b"), Imports: []string{m("internal/store"), "net/http"}},
		m("internal/store"): {ImportPath: m("internal/store"), Imports: []string{"database/sql"}},
		m("internal/c"):     {ImportPath: m("internal/c"), Imports: []string{"github.com/lib/x"}},
		m("internal/d"):     {ImportPath: m("internal/d"), Imports: []string{m("internal/c")}},
	}}
	rules := func(doc string) []rule {
		t.Helper()
		rs, err := parseRules(doc)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	vs, err := g.check(m("internal/a"), rules("It must not import the store or net/http."))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.String())
	}
	want := []string{
		`imports internal/store ("the store"): internal/a → internal/b → internal/store`,
		`imports net/http ("net/http"): internal/a → internal/b → net/http`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("violations\n%q\nwant\n%q", got, want)
	}
	// github.com/lib/x may import what it likes; d imports nothing of ours
	// that imports the store.
	if vs, _ := g.check(m("internal/d"), rules("It must not import storage or net/http.")); len(vs) != 0 {
		t.Errorf("violations %v", vs)
	}
	// "it": a package that imports d breaks d's rule.
	g.pkgs[m("internal/c")].Imports = append(g.pkgs[m("internal/c")].Imports, m("internal/d"))
	if vs, _ := g.check(m("internal/d"), rules("Production packages must not import it.")); len(vs) != 1 || vs[0].chain[0] != m("internal/c") {
		t.Errorf("importers of d: %v", vs)
	}
	// A path that names no package of the module is an error, not a pass.
	if _, err := g.check(m("internal/a"), rules("It must not import internal/nothing.")); err == nil {
		t.Error("a rule naming a missing package passed")
	}
}
