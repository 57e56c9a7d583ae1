package signing

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/locales"
)

// fakeStatements is an in-memory portal: what it signed, indexed the way
// the portal must index it (by URL path, and by every digest of Digests).
type fakeStatements struct {
	signed   []Signed
	byDigest map[string][]int
	fail     error
}

func newFakeStatements(t testing.TB, k *Key, sts ...Statement) *fakeStatements {
	t.Helper()
	f := &fakeStatements{byDigest: map[string][]int{}}
	for _, st := range sts {
		f.add(t, k, st)
	}
	return f
}

func (f *fakeStatements) add(t testing.TB, k *Key, st Statement) {
	t.Helper()
	s, err := k.Sign(st)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := Digests(st)
	if err != nil {
		t.Fatal(err)
	}
	f.signed = append(f.signed, s)
	for _, d := range ds {
		f.byDigest[d] = append(f.byDigest[d], len(f.signed)-1)
	}
}

func (f *fakeStatements) SignedByPath(_ context.Context, p string) ([]Signed, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	var out []Signed
	for _, s := range f.signed {
		if u, _ := url.Parse(s.URL); path.Clean(u.Path) == p {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Signed) int { return b.Version - a.Version })
	return out, nil
}

func (f *fakeStatements) SignedByDigest(_ context.Context, d string) ([]Signed, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	var out []Signed
	for _, i := range f.byDigest[d] {
		out = append(out, f.signed[i])
	}
	slices.SortFunc(out, func(a, b Signed) int { return b.Version - a.Version })
	return out, nil
}

var _ Statements = (*fakeStatements)(nil)

type fixture struct {
	ts  *httptest.Server
	key *Key
	st  *fakeStatements
	v1  Statement
	v2  Statement
	zh  Statement
}

// newFixture serves the handlers behind the same security middleware as
// production, for a ministry that issued a statement in English (corrected
// once) and in Chinese. Statement URLs carry the test server's host.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	kit := httpxtest.Kit(t)
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{key: k, st: newFakeStatements(t, k)}
	mux := httpx.NewRouter()
	NewHandlers(Params{Kit: kit, Public: k.Public(), Statements: f.st}).Routes(mux)
	// The same neighbours as in cmd/server, so a route conflict shows here.
	mux.Handle("GET /static/{file}", kit.Assets.Handler(http.HandlerFunc(kit.NotFound)))
	mux.HandleFunc("GET /{lang}/{$}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/", kit.NotFound)
	f.ts = httptest.NewServer(httpx.Chain(mux, kit.Recover, kit.SecurityHeaders(nil), kit.CrossOrigin()))
	t.Cleanup(f.ts.Close)

	base := f.ts.URL
	f.v1 = Statement{URL: base + "/en/news/east-sea", Lang: "en", Version: 1, Issued: time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC),
		Title: "Statement on the East Sea", Body: "Viet Nam calls on all parties to respect international law.\n\nThe Ministry reaffirms its position."}
	f.v2 = f.v1
	f.v2.Version, f.v2.Issued = 2, f.v1.Issued.Add(26*time.Hour)
	f.v2.Body = "Viet Nam calls on all parties to respect international law, including UNCLOS.\n\nThe Ministry reaffirms its position."
	f.zh = Statement{URL: base + "/zh/news/east-sea", Lang: "zh", Version: 1, Issued: f.v1.Issued,
		Title: "关于东海的声明", Body: "越南呼吁各方尊重国际法。\n\n外交部重申其立场。"}
	for _, st := range []Statement{f.v1, f.v2, f.zh} {
		f.st.add(t, k, st)
	}
	return f
}

func (f *fixture) do(t testing.TB, method, p string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.ts.URL+p, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestPublicKeyEndpoints(t *testing.T) {
	f := newFixture(t)
	res, body := f.do(t, "GET", KeyPath, nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("PEM: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	block, _ := pem.Decode([]byte(body))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("not a PEM public key:\n%s", body)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil || !f.key.Public().Equal(pub.(ed25519.PublicKey)) {
		t.Fatalf("published key is not the signing key: %v", err)
	}
	res, body = f.do(t, "GET", KeyPath+".json", nil)
	var set struct{ Keys []JWK }
	if err := json.Unmarshal([]byte(body), &set); err != nil || res.Header.Get("Content-Type") != "application/jwk-set+json" || len(set.Keys) != 1 {
		t.Fatalf("JWKS: %v %q %s", err, res.Header.Get("Content-Type"), body)
	}
	if set.Keys[0] != PublicJWK(f.key.Public()) {
		t.Errorf("JWK %+v", set.Keys[0])
	}
}

func TestVerifyByAddress(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, input string
		want        []string
		not         []string
	}{
		{"full address", f.v1.URL, []string{"This matches a statement signed by the ministry.", `class="verify-version">2<`, `class="verify-version">1<`, "This is the latest version.", "A newer version exists: version 2, issued March 15, 2026 at 10:00"}, []string{"No signed statement matches"}},
		{"without scheme, with query and fragment", strings.TrimPrefix(f.v1.URL, "http://") + "?utm=x#top", []string{"This matches", `class="verify-version">2<`}, nil},
		{"bare path", "/zh/news/east-sea/", []string{"This matches", `lang="zh" dir="auto">关于东海的声明`, "中文"}, []string{"East Sea"}},
		{"unknown page", f.ts.URL + "/en/news/nothing", []string{"No signed statement matches"}, []string{"This matches"}},
		{"other site", "https://evil.example/en/news/east-sea", []string{"This address is not on this website"}, []string{"This matches"}},
		{"garbage", "%%%\x00<script>alert(1)</script>", []string{"No signed statement matches"}, []string{"<script>alert(1)"}},
		{"javascript", "javascript:alert(1)", []string{"No signed statement matches"}, nil},
		{"huge", strings.Repeat("a", 5000), []string{"No signed statement matches"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := f.do(t, "GET", "/en/verify?url="+url.QueryEscape(tc.input), nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("page has %q", n)
				}
			}
		})
	}
}

func TestVerifyLink(t *testing.T) {
	f := newFixture(t)
	_, body := f.do(t, "GET", VerifyLink("ru", f.v2.URL), nil)
	if !strings.Contains(body, "Это соответствует заявлению") || !strings.Contains(body, "Это последняя редакция.") {
		t.Errorf("the statement page's link does not verify it:\n%s", body)
	}
}

func TestVerifyByText(t *testing.T) {
	f := newFixture(t)
	canonV1, _ := Canonical(f.v1)
	tampered := strings.Replace(string(canonV1), "respect", "ignore", 1)
	for _, tc := range []struct {
		name, text string
		status     int
		want       []string
		not        []string
	}{
		{"copied title and body of version 1", "Statement on the East Sea\n\nViet Nam calls on all parties to respect\ninternational law.\n The Ministry reaffirms its position.",
			200, []string{"This matches", `class="verify-version">1<`, "A newer version exists: version 2"}, []string{`class="verify-version">2<`}},
		{"body of version 2 only", f.v2.Body, 200, []string{"This matches", `class="verify-version">2<`, "This is the latest version."}, nil},
		{"signed text file with CRLF", strings.ReplaceAll(string(canonV1), "\n", "\r\n"), 200, []string{"This matches", `class="verify-version">1<`}, nil},
		{"signed text file with a byte order mark", "\ufeff" + string(canonV1), 200, []string{"This matches", `class="verify-version">1<`}, nil},
		{"tampered signed text file", tampered, 200, []string{"No signed statement matches"}, []string{"This matches"}},
		{"one word changed", strings.Replace(f.v2.Body, "UNCLOS", "UNESCO", 1), 200, []string{"No signed statement matches"}, nil},
		{"chinese", "关于东海的声明 越南呼吁各方尊重国际法。 外交部重申其立场。", 200, []string{"This matches", "2026"}, nil},
		{"garbage", "\x01\x7f" + strings.Repeat("💥", 100), 200, []string{"No signed statement matches"}, nil},
		{"not text", "\x00\xff\xfe" + strings.Repeat("💥", 100), 400, []string{"not valid text"}, nil},
		{"empty", "  \n ", 422, []string{"Enter the address of a statement or paste its text."}, nil},
		{"too long", strings.Repeat("a", maxText+1), 413, []string{"This text is too long"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := f.do(t, "POST", "/en/verify", url.Values{"text": {tc.text}})
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("page has %q", n)
				}
			}
		})
	}
}

// TestVerifyFlagsABadSignature: a stored statement whose signature does not
// verify (the database was altered, or the key replaced) is never shown as
// signed.
func TestVerifyFlagsABadSignature(t *testing.T) {
	f := newFixture(t)
	f.st.signed[2].Signature = append([]byte(nil), f.st.signed[2].Signature...)
	f.st.signed[2].Signature[0] ^= 1
	_, body := f.do(t, "GET", "/fr/verify?url="+url.QueryEscape(f.zh.URL), nil)
	if !strings.Contains(body, "ne correspond pas à la clé publiée") || strings.Contains(body, "Ceci correspond") {
		t.Errorf("a bad signature is not flagged:\n%s", body)
	}
}

func TestVerifyLookupFailureIs500NotAMatch(t *testing.T) {
	f := newFixture(t)
	f.st.fail = errors.New("database down")
	res, body := f.do(t, "GET", "/en/verify?url=/en/news/east-sea", nil)
	if res.StatusCode != http.StatusInternalServerError || strings.Contains(body, "This matches") || strings.Contains(body, "database down") {
		t.Fatalf("status %d:\n%s", res.StatusCode, body)
	}
}

func TestVerifyPageInEveryLanguage(t *testing.T) {
	f := newFixture(t)
	cat, _ := lang.NewCatalog(locales.FS, "vi")
	for _, l := range lang.All() {
		t.Run(l.Code, func(t *testing.T) {
			res, body := f.do(t, "GET", "/"+l.Code+"/verify", nil)
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			for _, key := range []string{"verify_heading", "verify_url_label", "verify_text_label", "verify_how"} {
				if want := cat.T(l.Code, key); !strings.Contains(body, template(want)) {
					t.Errorf("lacks %s %q", key, want)
				}
			}
			if !strings.Contains(body, `hreflang="x-default"`) || !strings.Contains(body, `<html lang="`+l.Tag.String()+`" dir="`+l.Dir+`">`) {
				t.Error("no x-default alternate or wrong html lang/dir")
			}
		})
	}
	res, _ := f.do(t, "GET", "/xx/verify", nil)
	if res.StatusCode != 404 {
		t.Errorf("/xx/verify: status %d", res.StatusCode)
	}
}

// template escapes s as html/template does in text.
func template(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

func TestDownloads(t *testing.T) {
	f := newFixture(t)
	c, _ := Canonical(f.zh)
	d := Digest(c)
	res, body := f.do(t, "GET", "/ar/verify/"+d+".txt", nil)
	if res.StatusCode != 200 || body != string(c) || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("text: %d %q\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	res, body = f.do(t, "GET", "/ar/verify/"+d+".sig", nil)
	if res.StatusCode != 200 || len(body) != ed25519.SignatureSize || !ed25519.Verify(f.key.Public(), c, []byte(body)) {
		t.Fatalf("signature: %d, %d bytes", res.StatusCode, len(body))
	}
	// A fingerprint is a digest too, but not the name of a signed text.
	fp := Fingerprint(f.zh.Body)
	for _, p := range []string{"/ar/verify/" + fp + ".txt", "/ar/verify/" + d + ".pdf", "/ar/verify/" + strings.ToUpper(d) + ".txt", "/ar/verify/x.txt", "/xx/verify/" + d + ".txt"} {
		if res, _ := f.do(t, "GET", p, nil); res.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", p, res.StatusCode)
		}
	}
}

// FuzzVerify sends arbitrary addresses and texts: the answer is a page,
// never a server error.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	f.Add("/en/news/east-sea", "Statement on the East Sea")
	f.Add("http://[::1", Magic+"\nurl: x")
	f.Add("//evil.example/x", "\x00")
	f.Fuzz(func(t *testing.T, addr, text string) {
		res, _ := fx.do(t, "GET", "/en/verify?url="+url.QueryEscape(addr), nil)
		if res.StatusCode >= 500 {
			t.Fatalf("address %q: status %d", addr, res.StatusCode)
		}
		res, _ = fx.do(t, "POST", "/vi/verify", url.Values{"text": {text}})
		if res.StatusCode >= 500 {
			t.Fatalf("text %q: status %d", text, res.StatusCode)
		}
	})
}
