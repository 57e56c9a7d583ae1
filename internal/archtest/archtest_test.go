package archtest

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// knownViolations are imports that break a rule today, each with the
// change that removes it. The test fails when one no longer happens, so
// that the list only shrinks.
var knownViolations = map[string]string{}

// TestImportRules checks every package comment's "must not import" rule
// against what the package imports, directly or through Chancery's other
// packages.
func TestImportRules(t *testing.T) {
	g := loadGraph(t)
	checked := 0
	seen := map[string]bool{}
	for _, path := range g.paths() {
		doc, err := g.pkgs[path].doc()
		if err != nil {
			t.Fatal(err)
		}
		rules, err := parseRules(doc)
		if err != nil {
			t.Errorf("%s: the package comment's import rule cannot be read: %v", rel(path), err)
			continue
		}
		if len(rules) == 0 {
			t.Logf("%s states no import rule", rel(path))
			continue
		}
		checked++
		vs, err := g.check(path, rules)
		if err != nil {
			t.Errorf("%s: %v", rel(path), err)
			continue
		}
		for _, v := range vs {
			if why, ok := knownViolations[v.String()]; ok {
				seen[v.String()] = true
				t.Logf("%s: known, %s: %s", rel(path), why, v)
				continue
			}
			t.Errorf("%s breaks its import rule: it %s", rel(path), v)
		}
		if testing.Verbose() {
			for _, r := range rules {
				t.Logf("%s must not import %s", rel(path), r.clause)
			}
		}
	}
	for v := range knownViolations {
		if !seen[v] {
			t.Errorf("%s no longer happens: remove it from knownViolations", v)
		}
	}
	// The rules exist: a comment reworded past recognition would
	// otherwise pass unchecked. There were 30 when this test was written.
	if checked < 30 {
		t.Errorf("only %d packages state an import rule", checked)
	}
}

// The media plane's rule names what it must stay apart from.
func TestMediaPlaneRule(t *testing.T) {
	g := loadGraph(t)
	self := module + "/internal/sfu/media"
	p := g.pkgs[self]
	if p == nil {
		t.Fatal("no package internal/sfu/media")
	}
	doc, err := p.doc()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := parseRules(doc)
	if err != nil || len(rules) == 0 {
		t.Fatalf("internal/sfu/media states no readable import rule: %v", err)
	}
	for _, want := range []string{module + "/internal/sfu", module + "/internal/sfu/sfuclient", module + "/internal/store",
		module + "/internal/conference", module + "/internal/httpx", "net/http", "github.com/gorilla/websocket", "database/sql"} {
		forbidden := false
		for _, r := range rules {
			for _, term := range r.terms {
				m, err := g.matcher(self, term)
				if err != nil {
					t.Fatal(err)
				}
				forbidden = forbidden || m(want)
			}
		}
		if !forbidden {
			t.Errorf("internal/sfu/media's rule allows importing %s", want)
		}
	}
}

// The portal's content rules are a domain service its pages, its API and
// its publisher call: its rule keeps HTTP out of it.
func TestPortalContentRule(t *testing.T) {
	g := loadGraph(t)
	self := module + "/internal/portal/content"
	p := g.pkgs[self]
	if p == nil {
		t.Fatal("no package internal/portal/content")
	}
	doc, err := p.doc()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := parseRules(doc)
	if err != nil || len(rules) == 0 {
		t.Fatalf("internal/portal/content states no readable import rule: %v", err)
	}
	for _, want := range []string{"net/http", module + "/internal/httpx", module + "/internal/auth", module + "/internal/publishing", module + "/internal/social/x"} {
		forbidden := false
		for _, r := range rules {
			for _, term := range r.terms {
				m, err := g.matcher(self, term)
				if err != nil {
					t.Fatal(err)
				}
				forbidden = forbidden || m(want)
			}
		}
		if !forbidden {
			t.Errorf("internal/portal/content's rule allows importing %s", want)
		}
	}
	for _, d := range p.Deps {
		if inTree(d, "net/http") || d == module+"/internal/httpx" {
			t.Errorf("the portal's content rules depend on %s", d)
		}
	}
}

// `go list -deps ./internal/sfu/media/...` holds nothing of rooms,
// signalling, HTTP or storage: the media plane builds without them.
func TestMediaPlaneDependencies(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./internal/sfu/media/...")
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Dir = strings.TrimSuffix(string(bytes.TrimSpace(out)), "/go.mod")
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed only %q", deps)
	}
	for _, d := range deps {
		switch {
		case isChancery(d) && !inTree(d, "internal/sfu/media"):
			t.Errorf("the media plane depends on %s", rel(d))
		case inTree(d, "net/http"), inTree(d, "github.com/gorilla/websocket"):
			t.Errorf("the media plane depends on %s (HTTP, signalling)", d)
		case isStorage(d):
			t.Errorf("the media plane depends on %s (storage)", d)
		}
	}
}
