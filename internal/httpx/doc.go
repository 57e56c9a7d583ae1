// Package httpx owns Chancery's HTTP edge: the middleware every request
// passes through (metrics, panic recovery, security headers with CSP nonces,
// body limits, cross-origin protection), the one table that maps the kinds
// of failure of internal/fault (and the problems of those kinds) to HTTP
// statuses, the language of a request, and rendering of pages and JSON.
//
// It knows nothing of any feature. Feature packages (auth, admin, portal, …)
// use it to parse and render; only cmd/server assembles the chain. It must
// not import feature packages.
package httpx
