package connect

import (
	"net/http"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// ConnectionJSON is a channel's connection as the API shows it: what the
// health page shows, with times in RFC 3339. It never carries a credential.
type ConnectionJSON struct {
	ChannelID      int64  `json:"channel_id"`
	Network        string `json:"network"`
	HasCredentials bool   `json:"has_credentials"`
	// Verified says that the network confirmed the account just now.
	Verified bool `json:"verified"`
	// Problem says, in the caller's language, why it did not.
	Problem          string      `json:"problem,omitempty"`
	Account          string      `json:"account,omitempty"`
	AccountURL       string      `json:"account_url,omitempty"`
	ExpiresAt        time.Time   `json:"expires_at,omitzero"`
	ConnectedAt      time.Time   `json:"connected_at,omitzero"`
	LastSuccessAt    time.Time   `json:"last_success_at,omitzero"`
	RateLimitedUntil time.Time   `json:"rate_limited_until,omitzero"`
	Watch            string      `json:"watch"`
	WatchReason      string      `json:"watch_reason,omitempty"`
	WatchLastOKAt    time.Time   `json:"watch_last_ok_at,omitzero"`
	OpenAlerts       int         `json:"open_alerts"`
	Fields           []FieldJSON `json:"fields"`
}

// FieldJSON is one credential the channel's network takes, a member of the
// body of PUT /api/v1/channels/{id}/credentials.
type FieldJSON struct {
	Name     string `json:"name"`
	Secret   bool   `json:"secret"`
	Optional bool   `json:"optional"`
}

func (h *Handlers) connectionJSON(r *http.Request, ch store.Channel) (ConnectionJSON, error) {
	c, err := h.connection(r.Context(), ch)
	if err != nil {
		return ConnectionJSON{}, err
	}
	out := ConnectionJSON{ChannelID: ch.ID, Network: ch.Network, HasCredentials: c.HasCredentials, Verified: c.Verified,
		Account: c.Account, AccountURL: c.AccountURL, ExpiresAt: c.Expires, ConnectedAt: c.ConnectedAt, LastSuccessAt: c.LastSuccess,
		RateLimitedUntil: c.RateLimitedUntil, Watch: c.Watch, WatchReason: c.WatchReason, WatchLastOKAt: c.WatchLastOK,
		OpenAlerts: c.OpenAlerts, Fields: []FieldJSON{}}
	if c.Problem != nil {
		out.Problem = h.t(r, c.Problem.Key, c.Problem.Data)
	}
	for _, f := range h.formFields(social.Network(ch.Network)) {
		out.Fields = append(out.Fields, FieldJSON{Name: f.Name, Secret: f.Secret, Optional: f.Optional})
	}
	return out, nil
}

// apiConnection answers GET /api/v1/channels/{id}/connection: the health
// page's facts, asking the network who the stored credentials act as.
func (h *Handlers) apiConnection(w http.ResponseWriter, r *http.Request) {
	ch, err := h.channel(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	out, err := h.connectionJSON(r, ch)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.p.Kit.JSON(w, http.StatusOK, out)
}

// apiCredentials answers PUT /api/v1/channels/{id}/credentials: the token
// or app-password form as JSON, one string member per field of the form.
// The credentials are checked and stored exactly as the form does, and
// never sent back: the answer is the connection.
func (h *Handlers) apiCredentials(w http.ResponseWriter, r *http.Request) {
	ch, err := h.channel(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	var in map[string]string
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	for name := range in {
		if !h.takes(social.Network(ch.Network), name) {
			h.p.Kit.Fail(w, r, &fault.Problem{Kind: fault.ErrInvalid, Key: "error_json_invalid", Field: name})
			return
		}
	}
	if err := h.connect(r, ch, in); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	out, err := h.connectionJSON(r, ch)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.p.Kit.JSON(w, http.StatusOK, out)
}

// takes reports whether the network's form has a field of that name.
func (h *Handlers) takes(n social.Network, name string) bool {
	for _, f := range h.formFields(n) {
		if f.Name == name {
			return true
		}
	}
	return false
}
