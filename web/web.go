// Package web embeds Chancery's HTML templates and static assets, and serves
// the assets at content-hashed URLs so browsers may cache them for a year.
//
// It holds files and the asset table only; rendering lives in internal/httpx.
// It must not import other Chancery packages.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Templates returns the template files, rooted at the templates directory.
func Templates() fs.FS {
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// Assets maps static file names to content-hashed URLs and serves them.
type Assets struct {
	prefix string
	byName map[string]string // "app.css" → "/static/app.3f2a1b9c0d.css"
	byHash map[string]asset  // "app.3f2a1b9c0d.css" → content
	fsys   fs.FS
}

type asset struct {
	name string
	data []byte
}

// NewAssets hashes every embedded static file. prefix is the URL path the
// handler is mounted on, such as "/static/".
func NewAssets(prefix string) (*Assets, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	a := &Assets{prefix: prefix, byName: map[string]string{}, byHash: map[string]asset{}, fsys: sub}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ext := path.Ext(p)
		hashed := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		a.byName[p] = prefix + hashed
		a.byHash[hashed] = asset{name: p, data: data}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: hash assets: %w", err)
	}
	return a, nil
}

// URL returns the content-hashed URL of a static file. An unknown name is a
// programming error caught by the template check at start-up.
func (a *Assets) URL(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return u, nil
}

// Handler serves a hashed asset with a year-long immutable cache. Unhashed
// names are served too (for ES module imports) but must be revalidated.
// notFound answers names that are not assets (nil: http.NotFound): the
// server's localised 404 page, whose kit renders with these assets.
func (a *Assets) Handler(notFound http.Handler) http.Handler {
	if notFound == nil {
		notFound = http.NotFoundHandler()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, notFound) })
}

// ServeHTTP is Handler(nil): unknown names get http.NotFound.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.serve(w, r, http.NotFoundHandler())
}

func (a *Assets) serve(w http.ResponseWriter, r *http.Request, notFound http.Handler) {
	name := strings.TrimPrefix(r.URL.Path, a.prefix)
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	if f, ok := a.byHash[name]; ok {
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(f.data)
		return
	}
	if _, ok := a.byName[name]; ok {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, a.fsys, name)
		return
	}
	notFound.ServeHTTP(w, r)
}
