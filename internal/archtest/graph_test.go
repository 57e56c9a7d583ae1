package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pkg is one package as `go list -json` describes it.
type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string // direct imports of its non-test files
	Deps       []string // every package it depends on, transitively
	Error      *struct{ Err string }
}

// graph is the module's packages and what each imports (tests left out:
// the rules are about the code that ships).
type graph struct {
	pkgs map[string]*pkg // Chancery's packages by import path
}

// infrastructure is what feature packages build on; every other package
// under internal/ is a feature package (or part of one), so that a new
// package is held to the rules unless it is added here.
var infrastructure = []string{
	"internal/account", "internal/auth", "internal/config", "internal/fault", "internal/httpx", "internal/lang",
	"internal/store", "internal/secrets", "internal/pagecache", "internal/ops",
	"internal/browsertest", "internal/archtest",
}

// contracts are the leaf packages that features share: the publisher
// contract and the connectors' plumbing and test kit.
var contracts = []string{"internal/social", "internal/social/wire", "internal/social/socialtest"}

// area is the feature area a package belongs to: its tree under internal/.
func area(path string) string {
	r, ok := strings.CutPrefix(path, module+"/internal/")
	if !ok {
		return path
	}
	first, _, _ := strings.Cut(r, "/")
	return module + "/internal/" + first
}

// staffOnly are the packages only staff use: the admin pages, the press
// office and its channel connections, and the publishing it drives.
var staffOnly = []string{"internal/admin", "internal/press", "internal/connect", "internal/publishing"}

// notConnectors are the packages directly under internal/social that are
// not a network's connector.
var notConnectors = []string{"wire", "watch", "socialtest"}

// loadGraph lists the module's packages with `go list`, run at the
// module's root.
func loadGraph(t *testing.T) *graph {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("archtest: go env GOMOD: %v", err)
	}
	root := filepath.Dir(string(bytes.TrimSpace(out)))
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Dir,GoFiles,Imports,Deps,Error", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("archtest: go list: %v\n%s", err, stderr.String())
	}
	g := &graph{pkgs: map[string]*pkg{}}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("archtest: reading go list: %v", err)
		}
		if p.Error != nil {
			t.Fatalf("archtest: %s: %s", p.ImportPath, p.Error.Err)
		}
		g.pkgs[p.ImportPath] = &p
	}
	if len(g.pkgs) == 0 {
		t.Fatal("archtest: go list found no package")
	}
	return g
}

// doc returns the package comment of p's non-test files.
func (p *pkg) doc() (string, error) {
	fset := token.NewFileSet()
	var docs []string
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return "", fmt.Errorf("archtest: %w", err)
		}
		if f.Doc != nil {
			docs = append(docs, f.Doc.Text())
		}
	}
	return strings.Join(docs, "\n"), nil
}

func rel(path string) string {
	if path == module {
		return "."
	}
	return strings.TrimPrefix(path, module+"/")
}

func isChancery(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

// inTree reports whether path is root or below it; root is module-relative
// for Chancery's packages.
func inTree(path, root string) bool {
	root = fullPath(root)
	return path == root || strings.HasPrefix(path, root+"/")
}

func inAnyTree(path string, roots []string) bool {
	return slices.ContainsFunc(roots, func(r string) bool { return inTree(path, r) })
}

// servesHTTP reports whether a Chancery package is an HTTP area: the HTTP
// edge itself, a package that renders through it, or one that serves
// WebSockets or pprof.
func (g *graph) servesHTTP(path string) bool {
	p := g.pkgs[path]
	if p == nil {
		return false
	}
	if path == fullPath("internal/httpx") {
		return true
	}
	for _, imp := range p.Imports {
		if imp == fullPath("internal/httpx") || inTree(imp, "github.com/gorilla/websocket") || imp == "net/http/pprof" {
			return true
		}
	}
	return false
}

func (g *graph) isConnector(path string) bool {
	r, ok := strings.CutPrefix(path, fullPath("internal/social")+"/")
	return ok && !strings.Contains(r, "/") && !slices.Contains(notConnectors, r) && g.pkgs[path] != nil
}

// matcher returns whether importing a package breaks term t of self's rule.
func (g *graph) matcher(self string, t term) (func(path string) bool, error) {
	if t.kind == "path" {
		return g.pathMatcher(self, t)
	}
	var m func(string) bool
	switch t.kind {
	case "chancery":
		m = func(p string) bool { return isChancery(p) && p != self }
	case "store":
		m = func(p string) bool { return inTree(p, "internal/store") }
	case "storage":
		m = isStorage
	case "http":
		m = func(p string) bool { return inTree(p, "net/http") || g.servesHTTP(p) }
	case "http-areas":
		m = g.servesHTTP
	case "request-handling":
		m = func(p string) bool { return g.servesHTTP(p) || inTree(p, "internal/auth") }
	case "feature":
		// Another area's packages: a feature's own subpackages are its own.
		m = func(p string) bool {
			return inTree(p, "internal") && !inAnyTree(p, infrastructure) && !slices.Contains(contracts, rel(p)) &&
				area(p) != area(self)
		}
	case "portal":
		m = func(p string) bool { return inTree(p, "internal/portal") }
	case "staff-only":
		m = func(p string) bool { return inAnyTree(p, staffOnly) }
	case "publishing":
		m = func(p string) bool { return inTree(p, "internal/publishing") }
	case "connector":
		m = g.isConnector
	case "pion-webrtc":
		m = func(p string) bool {
			return strings.HasPrefix(p, "github.com/pion/webrtc/") || p == "github.com/pion/webrtc"
		}
	default:
		return nil, fmt.Errorf("archtest: term %q of unknown kind %q", t.text, t.kind)
	}
	for _, e := range t.except {
		if isChancery(e) && g.pkgs[e] == nil {
			return nil, fmt.Errorf("%s: no such package %s", t.text, rel(e))
		}
	}
	return except(t, m), nil
}

// pathMatcher matches the package a rule names by its path and the
// packages below it, but for self's own tree (internal/sfu/media may use
// its bwe though internal/sfu is forbidden). A Chancery path must exist.
func (g *graph) pathMatcher(self string, t term) (func(path string) bool, error) {
	if root, ok := strings.CutSuffix(t.path, "/"); ok {
		if isChancery(root) && !slices.ContainsFunc(g.paths(), func(p string) bool { return inTree(p, root) }) {
			return nil, fmt.Errorf("%s: no package under %s", t.text, rel(root))
		}
		return func(p string) bool { return inTree(p, root) && !inTree(p, self) }, nil
	}
	if isChancery(t.path) && g.pkgs[t.path] == nil {
		return nil, fmt.Errorf("%s: no such package", t.text)
	}
	return func(p string) bool { return inTree(p, t.path) && !inTree(p, self) }, nil
}

// except narrows a class to the packages its term does not leave out.
func except(t term, m func(string) bool) func(string) bool {
	return func(p string) bool { return m(p) && !slices.Contains(t.except, p) }
}

// isStorage reports whether a package is storage: Chancery's store, or a
// database interface or driver. database/sql/driver alone, which
// github.com/google/uuid (through pion) imports for its Scan and Value
// methods, opens no database.
func isStorage(p string) bool {
	return inTree(p, "internal/store") || p == "database/sql" ||
		inTree(p, "github.com/jackc/pgx") || strings.HasPrefix(p, "github.com/jackc/pgx/") || inTree(p, "modernc.org/sqlite")
}

func (g *graph) paths() []string {
	ps := make([]string, 0, len(g.pkgs))
	for p := range g.pkgs {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// violation is one import that breaks a rule.
type violation struct {
	term  string
	chain []string // from the package with the rule to the forbidden import
}

func (v violation) String() string {
	parts := make([]string, len(v.chain))
	for i, p := range v.chain {
		parts[i] = rel(p)
	}
	return fmt.Sprintf("imports %s (%q): %s", parts[len(parts)-1], v.term, strings.Join(parts, " → "))
}

// check returns the imports that break the rules of package self: the
// imports of self and of every Chancery package it depends on, so that a
// forbidden package reached through another of ours counts. Libraries'
// own imports are theirs.
func (g *graph) check(self string, rules []rule) ([]violation, error) {
	type forbidden struct {
		text  string
		match func(string) bool
	}
	var fs []forbidden
	var out []violation
	for _, r := range rules {
		for _, t := range r.terms {
			if t.kind == "importers" {
				out = append(out, g.importersOf(self)...)
				continue
			}
			m, err := g.matcher(self, t)
			if err != nil {
				return nil, err
			}
			fs = append(fs, forbidden{t.text, m})
		}
	}
	if len(fs) == 0 {
		return out, nil
	}
	// Breadth first over Chancery's packages, so that each chain shown is
	// a shortest one.
	from := map[string]string{self: ""}
	queue := []string{self}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		p := g.pkgs[cur]
		if p == nil {
			continue
		}
		for _, imp := range p.Imports {
			for _, f := range fs {
				if f.match(imp) {
					out = append(out, violation{term: f.text, chain: append(chainTo(from, cur), imp)})
				}
			}
			if _, seen := from[imp]; !seen && isChancery(imp) {
				from[imp] = cur
				queue = append(queue, imp)
			}
		}
	}
	return out, nil
}

func chainTo(from map[string]string, p string) []string {
	var c []string
	for ; p != ""; p = from[p] {
		c = append(c, p)
	}
	slices.Reverse(c)
	return c
}

// importersOf returns the packages whose shipped code imports self.
func (g *graph) importersOf(self string) []violation {
	var out []violation
	for _, p := range g.paths() {
		if slices.Contains(g.pkgs[p].Imports, self) {
			out = append(out, violation{term: "it", chain: []string{p, self}})
		}
	}
	return out
}
