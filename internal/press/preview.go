package press

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// PreviewJSON is what the composer shows of a statement being written: for
// each target, the posts as the network will receive them.
type PreviewJSON struct {
	Channels []PreviewChannelJSON `json:"channels"`
}

// PreviewChannelJSON is one target of a preview.
type PreviewChannelJSON struct {
	ChannelID int64  `json:"channel_id"`
	Name      string `json:"name"`
	Network   string `json:"network"`
	Account   string `json:"account"`
	Max       int    `json:"max"`
	MaxMedia  int    `json:"max_media"`
	Threads   bool   `json:"threads"`
	Connected bool   `json:"connected"`
	// Problem is why the channel would refuse the statement as it stands,
	// in the officer's language; "" when it would take it.
	Problem      string            `json:"problem"`
	ProblemField string            `json:"problem_field"`
	Parts        []PreviewPartJSON `json:"parts"`
	Langs        []string          `json:"langs"`
}

// PreviewPartJSON is one post of a preview.
type PreviewPartJSON struct {
	Lang  string `json:"lang"`
	Index int    `json:"index"`
	Title string `json:"title"`
	Text  string `json:"text"`
	Count int    `json:"count"`
	Over  bool   `json:"over"`
	// Limit names the network and the language when the part is too long,
	// in the officer's language; "" otherwise.
	Limit      string `json:"limit"`
	Link       string `json:"link"`
	Media      int    `json:"media"`
	AltMissing string `json:"alt_missing"`
}

// apiPreview shows a statement being composed as each target network will
// receive it. It stores nothing and reaches no network: the split into
// thread parts and the count are the scheduler's and clearance's own.
func (h *Handlers) apiPreview(w http.ResponseWriter, r *http.Request) {
	var in publishing.StatementInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	for _, v := range in.Variants {
		if _, ok := lang.Lookup(v.Lang); !ok {
			h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrRefused, Key: "press_error_language", Field: "variants", Data: map[string]any{"Lang": v.Lang}})
			return
		}
	}
	if len(in.Targets) > 50 {
		h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrInvalid, Key: "press_error_preview_targets", Field: "targets"})
		return
	}
	prev, err := h.svc.Preview(r.Context(), publishing.PreviewInput(in))
	if errors.Is(err, store.ErrNotFound) {
		err = &fault.Problem{Kind: fault.ErrRefused, Key: "press_error_unknown_channel", Field: "targets", Data: map[string]any{"ID": fmt.Sprint(in.Targets)}}
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := PreviewJSON{Channels: []PreviewChannelJSON{}}
	for _, cp := range prev {
		c := PreviewChannelJSON{ChannelID: cp.Channel.ID, Name: cp.Channel.Name, Network: cp.Channel.Network, Account: cp.Channel.Account,
			Max: cp.Max, MaxMedia: cp.MaxMedia, Threads: cp.Threads, Connected: cp.Connected, Parts: []PreviewPartJSON{}, Langs: nonNil(cp.Channel.Languages)}
		if cp.Problem != nil {
			c.Problem, c.ProblemField = h.t(r, cp.Problem.Key, cp.Problem.Data), cp.Problem.Field
		}
		for _, p := range cp.Parts {
			pj := PreviewPartJSON{Lang: p.Lang, Index: p.Index, Title: p.Title, Text: p.Text, Count: p.Count, Over: p.Over, Link: p.Link,
				Media: p.Media, AltMissing: p.AltMissing}
			if p.Over {
				pj.Limit = h.t(r, "press_preview_over", map[string]any{"Network": networkName(cp.Channel.Network), "Channel": cp.Channel.Name,
					"Lang": langName(p.Lang), "Count": p.Count, "Max": cp.Max})
			}
			c.Parts = append(c.Parts, pj)
		}
		out.Channels = append(out.Channels, c)
	}
	h.kit.JSON(w, http.StatusOK, out)
}

// networkName is how a network names itself.
func networkName(n string) string {
	switch n {
	case "x":
		return "X"
	case "facebook":
		return "Facebook"
	case "mastodon":
		return "Mastodon"
	case "bluesky":
		return "Bluesky"
	case "telegram":
		return "Telegram"
	case "linkedin":
		return "LinkedIn"
	case "portal":
		return "Portal"
	}
	return n
}

// langName is a language's own name, or its code when unknown.
func langName(code string) string {
	if l, ok := lang.Lookup(code); ok {
		return l.NativeName
	}
	return code
}
