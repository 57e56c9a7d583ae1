package publishing

import (
	"context"
	"strconv"
	"strings"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// RecallNote says what a network allows when a statement is recalled or
// corrected (../shared/reference/social-apis.md): whether it can edit a
// post in place, and the message key of its limits for the recall page.
type RecallNote struct {
	// EditInPlace is true when the network itself can edit a published
	// post. Chancery still corrects by deleting and posting the corrected
	// version, so that the correction goes through clearance like any
	// statement and both versions stay on record.
	EditInPlace bool
	Key         string
}

// NoteOf returns the recall note of a network, from its descriptor.
func (s *Service) NoteOf(n string) RecallNote {
	d, _ := s.networks.Lookup(social.Network(n))
	return RecallNote{EditInPlace: d.Recall.EditInPlace, Key: d.Recall.NoteKey}
}

// Correct recalls a statement and starts its corrected version: a new
// draft holding the same variants, channel versions, images and targets,
// linked to the recalled one, for the officer to fix and send through
// clearance. The recall deletes the published posts once a second person
// approves it; the correction goes out when cleared and due, like any
// statement.
func (s *Service) Correct(ctx context.Context, a Actor, id int64, reason string) (Statement, error) {
	return s.CorrectMode(ctx, a, id, reason, store.RecallNotice)
}

// CorrectMode is Correct with the recall's choice for the recalled
// statement's portal pages (see RequestRecallMode).
func (s *Service) CorrectMode(ctx context.Context, a Actor, id int64, reason, mode string) (Statement, error) {
	st, err := s.db.GetStatement(ctx, id)
	if err != nil {
		return Statement{}, err
	}
	if st.RecallState != "" {
		return Statement{}, fault.Refused("", "press_error_recall_requested")
	}
	if err := s.RequestRecallMode(ctx, a, id, reason, mode); err != nil {
		return Statement{}, err
	}
	in := StatementInput{Category: st.Category, Sensitive: st.Sensitive, ArticleURL: st.ArticleURL, Targets: st.Targets, Corrects: id}
	for _, v := range st.Variants {
		in.Variants = append(in.Variants, VariantInput{Lang: v.Lang, Title: v.Title, Body: v.Body})
	}
	for _, o := range st.Overrides {
		in.Overrides = append(in.Overrides, OverrideInput{ChannelID: o.ChannelID, Lang: o.Lang, Body: o.Body})
	}
	for _, m := range st.Media {
		in.Media = append(in.Media, MediaInput{Filename: m.Filename, ContentType: m.ContentType, Data: m.Data, Alts: m.Alts})
	}
	c, err := s.SaveStatement(ctx, a, 0, in)
	if err != nil {
		return Statement{}, err
	}
	e := a.entry("statement.correct")
	e.StatementID, e.Payload = c.ID, "corrects statement "+strconv.FormatInt(id, 10)+": "+strings.TrimSpace(reason)
	if err := s.db.AppendAudit(ctx, e); err != nil {
		return Statement{}, err
	}
	return c, nil
}
