package publishing

import (
	"context"
	"errors"
	"github.com/mofa-vn/chancery/internal/fault"
	"strings"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// ChannelPreview is what one target channel would receive of a statement:
// the posts the scheduler would make, cut and counted as the network does.
// Problem is set, instead of or beside the parts, when the channel would
// refuse the statement as it stands (no connector, a thread where the
// network has none, no language in common, a part too long, an image
// without its description).
type ChannelPreview struct {
	Channel   store.Channel
	Max       int // the length limit in the network's unit, 0 if none
	MaxMedia  int
	Threads   bool
	Parts     []PreviewPart
	Problem   *fault.Problem
	Connected bool // a publisher could be built for the channel
}

// PreviewPart is one post: a language's text, or one part of its thread.
type PreviewPart struct {
	Lang  string
	Index int    // position in the language's thread, from 0
	Title string // the portal's headline; networks have none
	Text  string
	Count int
	Over  bool // Count is past Max
	// Link is the portal article's address where the network shows it as
	// a card beside the text; elsewhere it is at the end of the first
	// part's Text.
	Link string
	// Media is how many images go with this part (the first of a thread);
	// AltMissing is the first of them without a description in Lang.
	Media      int
	AltMissing string
}

// PreviewInput turns what an officer is composing into the statement the
// scheduler would publish, as SaveStatement keeps it (trimmed, empty
// languages left out), without checking or storing anything.
func PreviewInput(in StatementInput) Statement {
	st := Statement{ArticleURL: strings.TrimSpace(in.ArticleURL), Targets: in.Targets}
	for _, v := range in.Variants {
		if strings.TrimSpace(v.Body) == "" {
			continue
		}
		st.Variants = append(st.Variants, store.Variant{Lang: v.Lang, Title: strings.TrimSpace(v.Title), Body: strings.TrimSpace(v.Body)})
	}
	for _, o := range in.Overrides {
		if strings.TrimSpace(o.Body) == "" {
			continue
		}
		st.Overrides = append(st.Overrides, store.Override{ChannelID: o.ChannelID, Lang: o.Lang, Body: strings.TrimSpace(o.Body)})
	}
	for _, m := range in.Media {
		st.Media = append(st.Media, store.Attachment{Filename: m.Filename, ContentType: m.ContentType, Alts: m.Alts})
	}
	return st
}

// Preview shows, for each of st's targets, the posts the scheduler would
// make: the same split into threads (buildParts) and the same count and
// limit as clearance checks, so that what the composer shows is what goes
// out. It reaches no network. A target that does not exist is
// store.ErrNotFound.
func (s *Service) Preview(ctx context.Context, st Statement) ([]ChannelPreview, error) {
	var out []ChannelPreview
	seen := map[int64]bool{}
	for _, id := range st.Targets {
		if seen[id] {
			continue
		}
		seen[id] = true
		ch, err := s.db.GetChannel(ctx, id)
		if err != nil {
			return nil, err
		}
		cp := ChannelPreview{Channel: ch}
		p, err := s.resolve(ctx, ch)
		if err != nil {
			cp.Problem = fault.Refused("targets", "press_error_credentials", "Channel", ch.Name)
			out = append(out, cp)
			continue
		}
		cp.Connected = true
		lim := p.Limits()
		cp.Max, cp.MaxMedia, cp.Threads = lim.MaxLength, lim.MaxMedia, lim.Threads
		if ch.MaxLength > 0 && (cp.Max == 0 || ch.MaxLength < cp.Max) {
			cp.Max = ch.MaxLength
		}
		parts, err := buildParts(st, ch, p, 0)
		if err != nil {
			if pr, ok := errors.AsType[*fault.Problem](err); ok {
				cp.Problem = pr
				out = append(out, cp)
				continue
			}
			return nil, err
		}
		index := map[string]int{}
		for _, pt := range parts {
			pp := PreviewPart{Lang: pt.post.Lang, Index: index[pt.post.Lang], Text: pt.post.Text, Link: pt.post.Link, Media: len(pt.post.Media)}
			index[pt.post.Lang]++
			if p.Network() == social.Portal {
				pp.Title = pt.post.Title
			}
			if !lim.LinkCard {
				pp.Link = "" // in the text, or the portal's own page
			}
			pp.Count = p.Count(pt.post.Text)
			pp.Over = cp.Max > 0 && pp.Count > cp.Max
			for _, m := range pt.post.Media {
				if strings.TrimSpace(m.Alt) == "" {
					pp.AltMissing = m.Filename
					break
				}
			}
			if cp.Problem == nil {
				switch {
				case pp.Over:
					cp.Problem = fault.Refused("variants", "press_error_too_long", "Channel", ch.Name, "Lang", pp.Lang, "Count", pp.Count, "Max", cp.Max)
				case lim.MaxMedia > 0 && pp.Media > lim.MaxMedia:
					cp.Problem = fault.Refused("media", "press_error_too_many_media", "Channel", ch.Name, "Max", lim.MaxMedia)
				case pp.AltMissing != "":
					cp.Problem = fault.Refused("media", "press_error_alt_missing", "File", pp.AltMissing, "Lang", pp.Lang)
				}
			}
			cp.Parts = append(cp.Parts, pp)
		}
		out = append(out, cp)
	}
	return out, nil
}
