package httpx

import (
	"context"
	"log/slog"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/web"
)

// Kit is what feature handlers need from the edge: the logger, the message
// catalogue, page rendering and the request's language.
type Kit struct {
	Log         *slog.Logger
	Cat         *lang.Catalog
	Assets      *web.Assets
	DefaultLang lang.Language
	// SecureCookies sets the Secure flag on every cookie Chancery sends.
	SecureCookies bool
	// TrustProxy takes client addresses from X-Forwarded-For.
	TrustProxy bool
	// StaffNav lists the staff areas every staff page links to; each
	// viewer sees those their roles open (View.StaffNav).
	StaffNav []NavLink
	// Unread, if set, counts the viewer's unread notifications for the
	// badge every signed-in page shows (ok false: the viewer gets none).
	Unread func(ctx context.Context, u account.User) (n int, ok bool)

	banners []func(ctx context.Context, code string) []string
	pages   map[string]*pageTemplate
}

// KitParams are the dependencies of NewKit.
type KitParams struct {
	Log           *slog.Logger
	Cat           *lang.Catalog
	Assets        *web.Assets
	DefaultLang   string
	SecureCookies bool
	TrustProxy    bool
	// StaffNav lists the staff areas every staff page links to (Kit.StaffNav).
	StaffNav []NavLink
	// Banners each return notices every signed-in page shows at the top
	// (the publishing pause, open watch alerts), already in the language
	// code given; the page shows them in this order.
	Banners []func(ctx context.Context, code string) []string
}

// NewKit parses and checks every template, so a broken template stops the
// server at start rather than failing a request.
func NewKit(p KitParams) (*Kit, error) {
	def, ok := lang.Lookup(p.DefaultLang)
	if !ok {
		def, _ = lang.Lookup("vi")
	}
	k := &Kit{Log: p.Log, Cat: p.Cat, Assets: p.Assets, DefaultLang: def, SecureCookies: p.SecureCookies, TrustProxy: p.TrustProxy,
		StaffNav: p.StaffNav, banners: p.Banners}
	pages, err := parseTemplates(web.Templates())
	if err != nil {
		return nil, err
	}
	k.pages = pages
	return k, nil
}
