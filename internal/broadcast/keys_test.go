package broadcast_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/locales"
)

// Every message key the package and its templates name exists in every
// language: a refusal must never show its key instead of a sentence.
func TestMessageKeysExist(t *testing.T) {
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	tmpl, _ := filepath.Glob("../../web/templates/broadcast-*.html")
	keyRE := regexp.MustCompile(`"(broadcast_[a-z_]+)"`)
	keys := map[string]bool{"broadcast_state_live": true, "broadcast_state_upcoming": true, "broadcast_state_ended": true}
	for _, f := range append(files, tmpl...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	if len(keys) < 30 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	for k := range keys {
		for _, l := range lang.All() {
			if !cat.Has(l.Code, k) {
				t.Errorf("%s has no %s message", k, l.Code)
			}
		}
	}
}
