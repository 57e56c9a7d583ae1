package signing

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"path"

	"github.com/mofa-vn/chancery/internal/store"
)

// Registry signs statements as they are published and keeps them in the
// database, where the verify page finds them. It implements Statements.
type Registry struct {
	db  *store.DB
	key *Key
}

var _ Statements = (*Registry)(nil)

// NewRegistry returns the registry that signs with key.
func NewRegistry(db *store.DB, key *Key) *Registry { return &Registry{db: db, key: key} }

// Publish signs one version of a statement translation and records it. The
// portal calls it when the version is published; publishing the same URL
// and version twice gives store.ErrConflict.
func (g *Registry) Publish(ctx context.Context, st Statement) (Signed, error) {
	s, err := g.key.Sign(st)
	if err != nil {
		return Signed{}, err
	}
	digests, err := Digests(st)
	if err != nil {
		return Signed{}, err
	}
	u, err := url.Parse(st.URL)
	if err != nil {
		return Signed{}, fmt.Errorf("%w: url: %w", ErrInvalid, err)
	}
	_, err = g.db.SaveSignedStatement(ctx, store.SignedStatement{
		Path: path.Clean("/" + u.Path), URL: st.URL, Lang: st.Lang, Version: st.Version, IssuedAt: st.Issued,
		Title: st.Title, Body: st.Body, Signature: base64.StdEncoding.EncodeToString(s.Signature), KeyID: KeyID(g.key.Public()),
	}, digests)
	if err != nil {
		return Signed{}, fmt.Errorf("signing: publish: %w", err)
	}
	return s, nil
}

// SignedByPath implements Statements. A statement signed ahead of its
// embargo is not found before its issue time.
func (g *Registry) SignedByPath(ctx context.Context, p string) ([]Signed, error) {
	rows, err := g.db.SignedStatementsByPath(ctx, p)
	return g.fromRows(rows, err)
}

// SignedByDigest implements Statements, with the same embargo rule.
func (g *Registry) SignedByDigest(ctx context.Context, d string) ([]Signed, error) {
	rows, err := g.db.SignedStatementsByDigest(ctx, d)
	return g.fromRows(rows, err)
}

func (g *Registry) fromRows(rows []store.SignedStatement, err error) ([]Signed, error) {
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	now := g.db.Now()
	out := make([]Signed, 0, len(rows))
	for _, r := range rows {
		if r.IssuedAt.After(now) {
			continue // embargoed: not public yet
		}
		sig, err := base64.StdEncoding.DecodeString(r.Signature)
		if err != nil {
			sig = nil // shown as a signature that does not verify
		}
		out = append(out, Signed{Statement: Statement{URL: r.URL, Lang: r.Lang, Version: r.Version, Issued: r.IssuedAt, Title: r.Title, Body: r.Body}, Signature: sig, Withdrawn: r.WithdrawnAt})
	}
	return out, nil
}
