package feed

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Schema files in testdata/schema (see its README.md for their sources).
const (
	atomSchema     = "testdata/schema/atom.rng"
	sitemapSchema  = "testdata/schema/sitemap-xhtml.xsd"
	siteindexSchem = "testdata/schema/siteindex.xsd"
)

// validate checks doc against a schema with xmllint (Debian libxml2-utils,
// installed by scripts/test-deps.sh) and returns xmllint's complaint, or ""
// when the document is valid.
func validate(t *testing.T, schema string, doc []byte) string {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is missing: run `make deps` (Debian package libxml2-utils)")
	}
	path := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	flag := "--schema"
	if strings.HasSuffix(schema, ".rng") {
		flag = "--relaxng"
	}
	// --nonet: the schemas are local; a document must never make the
	// validator fetch anything.
	out, err := exec.Command(bin, "--noout", "--nonet", flag, schema, path).CombinedOutput()
	if err != nil {
		if len(out) == 0 {
			t.Fatalf("xmllint: %v", err)
		}
		return string(out)
	}
	if !strings.Contains(string(out), "validates") {
		t.Fatalf("xmllint said neither valid nor invalid: %s", out)
	}
	return ""
}

func mustValidate(t *testing.T, schema string, doc []byte) {
	t.Helper()
	if msg := validate(t, schema, doc); msg != "" {
		t.Fatalf("%s rejects the document:\n%s\n%s", schema, msg, doc)
	}
}

// TestValidatorRejects proves that the validator and schemas can fail: each
// broken document must be refused.
func TestValidatorRejects(t *testing.T) {
	for _, tc := range []struct{ name, schema, doc string }{
		{"atom without id", atomSchema, `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><updated>2026-01-01T00:00:00Z</updated></feed>`},
		{"atom bad date", atomSchema, `<feed xmlns="http://www.w3.org/2005/Atom"><id>x:y</id><title>t</title><updated>14 March</updated></feed>`},
		{"atom bad xml:lang", atomSchema, `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh_CN"><id>x:y</id><title>t</title><updated>2026-01-01T00:00:00Z</updated></feed>`},
		{"sitemap bad lastmod", sitemapSchema, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://example.org/a</loc><lastmod>yesterday</lastmod></url></urlset>`},
		{"sitemap link without hreflang", sitemapSchema, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml"><url><loc>https://example.org/a</loc><xhtml:link rel="alternate" href="https://example.org/b"/></url></urlset>`},
		{"sitemap unknown foreign element", sitemapSchema, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:x="urn:x"><url><loc>https://example.org/a</loc><x:y/></url></urlset>`},
		{"index without loc", siteindexSchem, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><lastmod>2026-01-01</lastmod></sitemap></sitemapindex>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if validate(t, tc.schema, []byte(tc.doc)) == "" {
				t.Fatalf("%s accepted a broken document:\n%s", tc.schema, tc.doc)
			}
		})
	}
}
