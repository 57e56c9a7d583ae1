package connect

import (
	"context"
	"errors"
	"net/http"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// AlertsPage is the data of the out-of-band alerts page.
type AlertsPage struct {
	Alerts []AlertRow
	Notice bool
}

// AlertRow is one open alert with its channel's name.
type AlertRow struct {
	store.WatchAlert
	Channel  string
	Posted   string
	Detected string
}

// Banners returns the notice press staff see on every page while alerts
// are open, for httpx.KitParams.Banners.
func Banners(db *store.DB, cat *lang.Catalog) func(ctx context.Context, code string) []string {
	return func(ctx context.Context, code string) []string {
		if !httpx.ViewerFrom(ctx).Can(Readers...) {
			return nil
		}
		n, err := db.CountOpenWatchAlerts(ctx)
		if err != nil || n == 0 {
			return nil
		}
		return []string{cat.N(code, "channels_banner_alerts", n, map[string]any{"Count": n})}
	}
}

func (h *Handlers) alerts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list, err := h.p.DB.WatchAlerts(ctx, store.WatchAlertFilter{OpenOnly: true})
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	chs, err := h.p.DB.ListChannels(ctx)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, c := range chs {
		names[c.ID] = c.Name
	}
	p := AlertsPage{Notice: r.URL.Query().Get("notice") == "done"}
	for _, a := range list {
		p.Alerts = append(p.Alerts, AlertRow{WatchAlert: a, Channel: names[a.ChannelID], Posted: h.when(r, a.PostedAt), Detected: h.when(r, a.DetectedAt)})
	}
	h.p.Kit.Render(w, r, http.StatusOK, "channels_alerts.html", httpx.Page{Title: h.t(r, "channels_alerts_title", nil), Data: p})
}

func (h *Handlers) acknowledge(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	_, err = h.p.DB.AcknowledgeWatchAlert(r.Context(), id, httpx.ViewerFrom(r.Context()).User.ID, r.PostFormValue("verdict"), r.PostFormValue("note"))
	switch {
	case errors.Is(err, store.ErrBadVerdict):
		h.p.Kit.Fail(w, r, &fault.Problem{Kind: fault.ErrInvalid, Key: "channels_error_verdict", Field: "verdict", Err: err})
	case errors.Is(err, store.ErrNotFound):
		h.p.Kit.Fail(w, r, fault.ErrNotFound)
	case errors.Is(err, store.ErrConflict):
		h.p.Kit.Fail(w, r, &fault.Problem{Kind: fault.ErrConflict, Key: "channels_error_acknowledged", Err: err})
	case err != nil:
		h.p.Kit.Fail(w, r, err)
	default:
		http.Redirect(w, r, "/press/alerts?notice=done", http.StatusSeeOther)
	}
}
