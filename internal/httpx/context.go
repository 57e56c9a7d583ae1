package httpx

import (
	"context"

	"github.com/mofa-vn/chancery/internal/account"
)

type ctxKey int

const (
	nonceKey ctxKey = iota
	viewerKey
	staticKey
)

// WithStaticPage marks a request whose page is rendered to be cached and
// sent to many readers: SecurityHeaders then sends StaticCSP and draws no
// nonce, so the page carries none. The page must have no inline script or
// style.
func WithStaticPage(ctx context.Context) context.Context {
	return context.WithValue(ctx, staticKey, true)
}

func isStaticPage(ctx context.Context) bool {
	b, _ := ctx.Value(staticKey).(bool)
	return b
}

// Nonce returns the CSP nonce of the request, for inline script and style tags.
func Nonce(ctx context.Context) string {
	s, _ := ctx.Value(nonceKey).(string)
	return s
}

// Viewer is the signed-in person making a request and the roles they may use
// on it: all of their roles with a session, a token's scope with a token.
type Viewer struct {
	User  account.User
	Roles []account.Role
	Token bool // authenticated by API token rather than a session
}

// Can reports whether the viewer may act in any of the roles.
func (v *Viewer) Can(roles ...account.Role) bool {
	if v == nil {
		return false
	}
	for _, want := range roles {
		for _, r := range v.Roles {
			if r == want {
				return true
			}
		}
	}
	return false
}

// WithViewer returns a context carrying the signed-in viewer.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey, v)
}

// ViewerFrom returns the signed-in viewer, or nil for an anonymous request.
func ViewerFrom(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey).(*Viewer)
	return v
}
