package press

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// Channel is a channel as the API shows it.
type Channel struct {
	ID               int64     `json:"id"`
	Network          string    `json:"network"`
	Name             string    `json:"name"`
	Account          string    `json:"account"`
	Languages        []string  `json:"languages"`
	TimeZone         string    `json:"time_zone"`
	MaxLength        int       `json:"max_length"`
	Paused           bool      `json:"paused"`
	PausedReason     string    `json:"paused_reason,omitempty"`
	RateLimitedUntil time.Time `json:"rate_limited_until,omitzero"`
}

func channelJSON(c store.Channel) Channel {
	return Channel{ID: c.ID, Network: c.Network, Name: c.Name, Account: c.Account, Languages: nonNil(c.Languages), TimeZone: c.TimeZone,
		MaxLength: c.MaxLength, Paused: c.Paused(), PausedReason: c.PausedReason, RateLimitedUntil: c.RateLimitedUntil}
}

func (h *Handlers) apiChannels(w http.ResponseWriter, r *http.Request) {
	chs, err := h.db.ListChannels(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := make([]Channel, 0, len(chs))
	for _, c := range chs {
		out = append(out, channelJSON(c))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

func (h *Handlers) apiCreateChannel(w http.ResponseWriter, r *http.Request) {
	var in publishing.ChannelInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	c, err := h.svc.CreateChannel(r.Context(), actor(r), in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusCreated, channelJSON(c))
}

// ChannelsPage lists channels with their pause and health.
type ChannelsPage struct {
	Channels []ChannelRow
	Networks []social.Network
	Langs    []lang.Language
	Paused   bool
	Reason   string
	Overdue  int
	Notice   string
	Error    string
	// Form is the new-channel form as typed; after a refusal, ErrorField
	// names the field the error is about.
	Form       publishing.ChannelInput
	ErrorField string
}

// Picked reports whether the form has language code ticked.
func (p ChannelsPage) Picked(code string) bool { return slices.Contains(p.Form.Languages, code) }

// ChannelRow is a channel and what the network says about its credentials.
type ChannelRow struct {
	store.Channel
	Healthy bool
	Account string
	Limited string
	Overdue int
}

func (h *Handlers) channels(w http.ResponseWriter, r *http.Request) {
	p := ChannelsPage{Form: publishing.ChannelInput{TimeZone: "Asia/Ho_Chi_Minh"}}
	if ns := h.svc.Networks(); len(ns) > 0 {
		p.Form.Network = string(ns[0].Network)
	}
	if e := r.URL.Query().Get("error"); e != "" {
		p.Error = h.t(r, safeErrKey(e), nil)
	}
	if n := r.URL.Query().Get("notice"); n != "" {
		p.Notice = h.flash(r, n)
	}
	h.renderChannels(w, r, http.StatusOK, p)
}

// renderChannels shows the channels page with p's form, notice and error.
func (h *Handlers) renderChannels(w http.ResponseWriter, r *http.Request, status int, p ChannelsPage) {
	ctx := r.Context()
	chs, err := h.db.ListChannels(ctx)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Networks, p.Langs = h.svc.Networks().Networks(), lang.All()
	health := h.health.check(ctx, h.res, h.svc.Now(), chs)
	for i, c := range chs {
		row := ChannelRow{Channel: c, Healthy: health[i].ok, Account: health[i].account}
		if c.RateLimitedUntil.After(h.svc.Now()) {
			row.Limited = h.when(r, c.RateLimitedUntil, zone(r))
		}
		if c.Paused() {
			od, err := h.db.OverduePublications(ctx, c.ID)
			if err != nil {
				h.kit.Fail(w, r, err)
				return
			}
			row.Overdue = len(od)
		}
		p.Channels = append(p.Channels, row)
	}
	b, err := h.svc.Banner(ctx)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Paused, p.Reason = b.Org, b.Reason
	if p.Paused {
		od, err := h.db.OverduePublications(ctx, 0)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		p.Overdue = len(od)
	}
	h.kit.Render(w, r, status, "press_channels.html", httpx.Page{Title: h.t(r, "press_channels_title", nil), Data: p})
}

// createChannelForm makes a channel, or shows the form again as typed, with
// the reason, when it is refused.
func (h *Handlers) createChannelForm(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	max, _ := strconv.Atoi(r.PostFormValue("max_length"))
	in := publishing.ChannelInput{Network: r.PostFormValue("network"), Name: r.PostFormValue("name"),
		Account: r.PostFormValue("account"), BaseURL: r.PostFormValue("base_url"), Languages: r.PostForm["languages"],
		TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")), MaxLength: max}
	_, err := h.svc.CreateChannel(r.Context(), actor(r), in)
	if p, ok := fault.As(err, fault.ErrRefused); ok {
		h.renderChannels(w, r, http.StatusUnprocessableEntity, ChannelsPage{Form: in, Error: h.t(r, safeErrKey(p.Key), p.Data), ErrorField: p.Field})
		return
	}
	h.back(w, r, "/press/channels", err)
}

// channelForm parses a pause or resume form: the channel id from the path,
// or 0 for the whole organisation when the route has none.
func channelForm(r *http.Request) (int64, error) {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			return 0, err
		}
	}
	return id, httpx.ParseForm(r)
}
