package signing

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// Kind is the kind of article whose versions are signed: the ministry's
// official statements. News, speeches and the rest are not signed.
const Kind = "statement"

// SignerParams is what a Signer needs.
type SignerParams struct {
	DB       *store.DB
	Registry *Registry
	// Path is where the portal shows an article in a language
	// (portal.ArticlePath): the signed URL is the origin and this path.
	Path func(code, slug string) string
	// Text is the plain text of an article's body that is signed
	// (markdown.Text).
	Text func(body string) string
}

// Signer decides which statement versions get signed, and signs them with
// its Registry. The portal's rules for where an article lives and what
// text of it is read are handed in, so that this package does not import
// the portal.
type Signer struct{ p SignerParams }

// NewSigner returns a Signer.
func NewSigner(p SignerParams) (*Signer, error) {
	if p.DB == nil || p.Registry == nil || p.Path == nil || p.Text == nil {
		return nil, errors.New("signing: DB, Registry, Path and Text are required")
	}
	return &Signer{p: p}, nil
}

// SignArticle signs every published version, up to the live one, of every
// live translation of the article slug when it is an official statement,
// skipping the versions already signed. A version newer than the live one
// (withdrawn in favour of an older text) is not signed. Embargoed
// translations are signed too, with their issue time: the signature is
// only shown once they are public. origin is the scheme and host of the
// signed URLs.
func (s *Signer) SignArticle(ctx context.Context, origin, slug string) error {
	return s.sign(ctx, origin, store.PublishedQuery{Slug: slug, IncludeEmbargoed: true})
}

// SignAll signs, by the same rule, every live statement: what was
// published before signing was wired, or while it failed (the demo's
// statements, a failure of the database at the wrong moment).
func (s *Signer) SignAll(ctx context.Context, origin string) error {
	return s.sign(ctx, origin, store.PublishedQuery{IncludeEmbargoed: true})
}

func (s *Signer) sign(ctx context.Context, origin string, q store.PublishedQuery) error {
	if origin == "" {
		return errors.New("signing: no origin for the signed URLs; set -public-url")
	}
	live, _, err := s.p.DB.ListPublished(ctx, q)
	if err != nil {
		return err
	}
	for _, p := range live {
		if err := s.signTranslation(ctx, origin, p); err != nil {
			return err
		}
	}
	return nil
}

func (s *Signer) signTranslation(ctx context.Context, origin string, p store.Published) error {
	if p.Kind != Kind {
		return nil
	}
	l, ok := lang.Lookup(p.Lang)
	if !ok {
		return fmt.Errorf("sign %s: unknown language %q", p.Slug, p.Lang)
	}
	path := s.p.Path(p.Lang, p.Slug)
	// The store's rows, embargoed ones included (the registry hides those).
	done, err := s.p.DB.SignedStatementsByPath(ctx, path)
	if err != nil {
		return err
	}
	versions, err := s.p.DB.Versions(ctx, p.ArticleID, p.Lang)
	if err != nil {
		return err
	}
	for _, v := range versions {
		if v.Version > p.Version || slices.ContainsFunc(done, func(st store.SignedStatement) bool { return st.Version == v.Version }) {
			continue // withdrawn in favour of an older text, or signed already
		}
		st := Statement{URL: origin + path, Lang: l.Tag.String(), Version: v.Version, Issued: v.PublishedAt,
			Title: v.Title, Body: s.p.Text(v.Body)}
		if _, err := s.p.Registry.Publish(ctx, st); err != nil {
			return fmt.Errorf("sign %s v%d: %w", path, v.Version, err)
		}
	}
	return nil
}
