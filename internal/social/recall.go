package social

import "context"

// Recall describes the approved recall a Delete is part of. Networks delete
// the post; the portal, whose pages the public and the verify page keep
// addressing, withdraws the page instead: it keeps a withdrawal notice in
// place of the text, or answers 410 Gone when Remove is set.
type Recall struct {
	// Remove asks for the page to be removed (410 Gone) rather than kept
	// with a withdrawal notice.
	Remove bool
}

type recallKey struct{}

// WithRecall returns a context whose Delete calls are part of recall r.
func WithRecall(ctx context.Context, r Recall) context.Context {
	return context.WithValue(ctx, recallKey{}, r)
}

// RecallFrom returns the recall of ctx, if its Delete calls are part of
// one.
func RecallFrom(ctx context.Context) (Recall, bool) {
	r, ok := ctx.Value(recallKey{}).(Recall)
	return r, ok
}
