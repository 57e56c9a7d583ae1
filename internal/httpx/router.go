package httpx

import "net/http"

// Router is where an area registers its routes. It is the standard ServeMux
// plus a record of every pattern, so that a test can walk all routes and
// check that each non-public one refuses anonymous requests.
type Router struct {
	*http.ServeMux
	patterns []string
}

// NewRouter returns an empty Router.
func NewRouter() *Router { return &Router{ServeMux: http.NewServeMux()} }

// Handle registers h for pattern.
func (r *Router) Handle(pattern string, h http.Handler) {
	r.patterns = append(r.patterns, pattern)
	r.ServeMux.Handle(pattern, h)
}

// HandleFunc registers f for pattern.
func (r *Router) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	r.Handle(pattern, http.HandlerFunc(f))
}

// Patterns lists the registered patterns in registration order.
func (r *Router) Patterns() []string { return append([]string(nil), r.patterns...) }
