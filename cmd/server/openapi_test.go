package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// apiDoc is the OpenAPI document as the tests read it: each operation's
// documented answers, with their schemas compiled by a JSON Schema
// validator (OpenAPI 3.1 schemas are JSON Schema 2020-12), and the answers
// a test has seen.
type apiDoc struct {
	raw map[string]any
	c   *jsonschema.Compiler
	ops map[string]*apiOp // by route pattern: "POST /api/v1/articles"
}

type apiOp struct {
	key       string
	request   *jsonschema.Schema         // the JSON request body, if any
	responses map[int]*jsonschema.Schema // nil schema: no body documented
	seen      map[int]bool
}

// apiDocURL is where the document's schemas are compiled from; it is never
// fetched.
const apiDocURL = "https://chancery.invalid/openapi.json"

// parseAPIDoc compiles every schema of the document's operations.
func parseAPIDoc(t *testing.T, body string) *apiDoc {
	t.Helper()
	raw, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	d := &apiDoc{raw: raw.(map[string]any), c: jsonschema.NewCompiler(), ops: map[string]*apiOp{}}
	if v, _ := d.raw["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		t.Fatalf("openapi version %q: the tests read the schemas as JSON Schema 2020-12, which needs OpenAPI 3.1", v)
	}
	d.c.DefaultDraft(jsonschema.Draft2020)
	d.c.AssertFormat()
	if err := d.c.AddResource(apiDocURL, raw); err != nil {
		t.Fatal(err)
	}
	paths, _ := d.raw["paths"].(map[string]any)
	for path, item := range paths {
		for method, o := range item.(map[string]any) {
			key := strings.ToUpper(method) + " " + path
			at := "/paths/" + apiPointerEscape(path) + "/" + method
			op := &apiOp{key: key, responses: map[int]*jsonschema.Schema{}, seen: map[int]bool{}}
			ob := o.(map[string]any)
			declared := map[string]bool{}
			params, _ := ob["parameters"].([]any)
			for _, p := range params {
				if pm, ok := p.(map[string]any); ok && pm["in"] == "path" {
					declared[pm["name"].(string)] = true
				}
			}
			for _, w := range apiPathParam.FindAllString(path, -1) {
				if name := w[1 : len(w)-1]; !declared[name] {
					t.Errorf("%s: path parameter %s is not declared under parameters (in: path, required: true)", key, name)
				}
			}
			if rb, ok := ob["requestBody"].(map[string]any); ok {
				if _, ok := apiDig(rb, "content", "application/json", "schema"); !ok {
					t.Errorf("%s: the request body has no application/json schema", key)
				} else {
					op.request = d.compile(t, at+"/requestBody/content/application~1json/schema")
				}
			}
			rs, _ := ob["responses"].(map[string]any)
			for code, r := range rs {
				status, err := strconv.Atoi(code)
				if err != nil {
					t.Errorf("%s: response %q is not a status code", key, code)
					continue
				}
				loc := at + "/responses/" + code
				if ref, ok := r.(map[string]any)["$ref"].(string); ok {
					loc = strings.TrimPrefix(ref, "#")
					r, _ = apiDig(d.raw, strings.Split(strings.TrimPrefix(loc, "/"), "/")...)
				}
				if _, ok := apiDig(r.(map[string]any), "content", "application/json", "schema"); ok {
					op.responses[status] = d.compile(t, loc+"/content/application~1json/schema")
				} else {
					op.responses[status] = nil
				}
			}
			d.ops[key] = op
		}
	}
	return d
}

func (d *apiDoc) compile(t *testing.T, pointer string) *jsonschema.Schema {
	t.Helper()
	s, err := d.c.Compile(apiDocURL + "#" + pointer)
	if err != nil {
		t.Fatalf("schema at %s: %v", pointer, err)
	}
	return s
}

// apiPointerEscape escapes s as one token of a JSON pointer (RFC 6901).
func apiPointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// apiDig walks a decoded JSON document down keys.
func apiDig(m map[string]any, keys ...string) (any, bool) {
	var v any = m
	for _, k := range keys {
		o, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = o[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// checkRequest validates a request body a test sends on the happy path
// against the document: what a program written from the document sends
// must be what the server takes.
func (d *apiDoc) checkRequest(t *testing.T, key, body string) {
	t.Helper()
	op := d.ops[key]
	if op == nil || op.request == nil || body == "" {
		return
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Errorf("%s: request body is not JSON: %v", key, err)
		return
	}
	if err := op.request.Validate(v); err != nil {
		t.Errorf("%s: the request body the test sends does not match the document's requestBody schema: %v\nbody: %s", key, err, body)
	}
}

// check validates one answer of the operation key: its status must be
// documented and its body must match the status's schema.
func (d *apiDoc) check(t *testing.T, key string, r response) {
	t.Helper()
	op := d.ops[key]
	if op == nil {
		t.Errorf("%s is not in the OpenAPI document (internal/press/openapi.json): add it under paths", key)
		return
	}
	op.seen[r.StatusCode] = true
	schema, ok := op.responses[r.StatusCode]
	if !ok {
		t.Errorf("%s answered %d, which the OpenAPI document does not list under its responses; body: %.600s", key, r.StatusCode, r.Body)
		return
	}
	if schema == nil {
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s answered %d as %q, not JSON", key, r.StatusCode, ct)
		return
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(r.Body))
	if err != nil {
		t.Errorf("%s answered %d with a body that is not JSON: %v", key, r.StatusCode, err)
		return
	}
	if err := schema.Validate(v); err != nil {
		t.Errorf("%s answered %d with a body that does not match the OpenAPI document: %v\nbody: %.1500s", key, r.StatusCode, err, r.Body)
	}
}

// unexercised names every documented answer no test request produced: a
// status the document promises must be one the route really gives.
func (d *apiDoc) unexercised() []string {
	var out []string
	for _, key := range slices.Sorted(maps.Keys(d.ops)) {
		op := d.ops[key]
		for _, s := range slices.Sorted(maps.Keys(op.responses)) {
			if !op.seen[s] {
				out = append(out, fmt.Sprintf("%s: documented answer %d was never produced by the test; add a request that gets it, or remove it from the document", key, s))
			}
		}
	}
	return out
}

var apiPathParam = regexp.MustCompile(`\{[a-z]+\}`)

// apiFillPath puts values into a route pattern's path: "{id}" becomes
// vals["id"], and vals["?"] is the query.
func apiFillPath(t *testing.T, key string, vals map[string]string) (method, path string) {
	t.Helper()
	method, path, _ = strings.Cut(key, " ")
	path = apiPathParam.ReplaceAllStringFunc(path, func(p string) string {
		v, ok := vals[p[1:len(p)-1]]
		if !ok {
			t.Fatalf("%s: no value for %s", key, p)
		}
		return url.PathEscape(v)
	})
	if q := vals["?"]; q != "" {
		path += "?" + q
	}
	return method, path
}

// apiClient calls the API as one person and checks every answer against
// the document.
type apiClient struct {
	ts  *testServer
	doc *apiDoc
	c   *http.Client
	hdr map[string]string
	// seen collects every answer, for tests that search them for secrets.
	seen *bodies
}

// call sends body (JSON, unless it is a string sent as is) to the route
// key with the path values and wants the status. It returns the decoded
// answer.
func (a apiClient) call(key string, vals map[string]string, body any, want int) any {
	a.ts.t.Helper()
	t := a.ts.t
	method, path := apiFillPath(t, key, vals)
	var text string
	switch b := body.(type) {
	case nil:
	case string:
		text = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		text = string(j)
	}
	hdr := map[string]string{"Accept-Language": "fr"}
	maps.Copy(hdr, a.hdr)
	ct := ""
	if text != "" {
		ct = "application/json"
		if c, ok := hdr["Content-Type"]; ok {
			ct = c
		}
	}
	r := a.ts.send(a.c, method, path, ct, text, hdr)
	if a.seen != nil {
		a.seen.add(r)
	}
	a.doc.check(t, key, r)
	if r.StatusCode != want {
		t.Fatalf("%s (%s %s): status %d, want %d; body: %.800s", key, method, path, r.StatusCode, want, r.Body)
	}
	if r.StatusCode < 300 {
		a.doc.checkRequest(t, key, text)
	}
	var out any
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
	return out
}

// apiObject reads a JSON object answer.
func apiObject(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("want a JSON object, got %T %v", v, v)
	}
	return m
}

// apiID reads the "id" member of a JSON object answer as a path value.
func apiID(t *testing.T, v any) string {
	t.Helper()
	f, ok := apiObject(t, v)["id"].(float64)
	if !ok {
		t.Fatalf("no id in %v", v)
	}
	return strconv.FormatInt(int64(f), 10)
}

// apiRoutes are the registered routes under /api/v1/.
func apiRoutes(a *app) []string {
	var out []string
	for _, p := range a.routes {
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, "/api/v1/") {
			out = append(out, p)
		}
	}
	return out
}

// checkAPIRouteTable fails for every /api/v1 route the server registers that
// the document lacks, and every operation the document lists that the
// server does not serve.
func checkAPIRouteTable(t *testing.T, a *app, doc *apiDoc) {
	t.Helper()
	routes := apiRoutes(a)
	if len(routes) < 40 {
		t.Fatalf("only %d /api/v1 routes registered: %v", len(routes), routes)
	}
	for _, p := range routes {
		if !strings.Contains(p, " ") {
			t.Errorf("route %q has no method: every API route names one", p)
			continue
		}
		if doc.ops[p] == nil {
			method, path, _ := strings.Cut(p, " ")
			t.Errorf("route %s is served but not documented: add paths[%q].%s to internal/press/openapi.json", p, path, strings.ToLower(method))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(doc.ops)) {
		if !slices.Contains(routes, key) {
			t.Errorf("the OpenAPI document lists %s, which the server does not serve", key)
		}
	}
}
