// Package press owns the press office's pages under /press and the
// publishing API under /api/v1/publishing: composing, clearance, the
// calendar, the status board, channels, the pause, recall and the audit
// log. The work itself is internal/publishing's; this package parses,
// checks roles, calls it and renders.
//
// It must not import cmd/ or any connector package.
package press

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// Roles that may read, write and clear (account.PressReaders, …).
var (
	Readers  = account.PressReaders
	Writers  = account.PressWriters
	Clearers = account.PressClearers
)

// Handlers serve the press pages and the publishing API.
type Handlers struct {
	db  *store.DB
	svc *publishing.Service
	kit *httpx.Kit
	res publishing.Resolver
	// health is what the networks last said of each channel's account.
	health health
}

// New returns the handlers.
func New(db *store.DB, svc *publishing.Service, res publishing.Resolver, kit *httpx.Kit) *Handlers {
	return &Handlers{db: db, svc: svc, kit: kit, res: res}
}

// nonNil makes a nil slice an empty one, so that the API sends [] where
// its document promises an array, never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func actor(r *http.Request) publishing.Actor {
	return publishing.ActorOf(httpx.ViewerFrom(r.Context()).User)
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.ErrNotFound
	}
	return id, nil
}

func (h *Handlers) done(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (h *Handlers) t(r *http.Request, key string, data map[string]any) string {
	return h.kit.Cat.T(h.kit.Lang(r).Code, key, data)
}

// zone is the officer's time zone (UTC when unset or unknown).
func zone(r *http.Request) *time.Location {
	if v := httpx.ViewerFrom(r.Context()); v != nil && v.User.TimeZone != "" {
		if loc, err := time.LoadLocation(v.User.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

func (h *Handlers) when(r *http.Request, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return lang.FormatDateTime(h.kit.Lang(r).Code, t, loc, lang.Medium) + " (" + loc.String() + ")"
}

func safeKey(s string) string {
	if strings.IndexFunc(s, func(c rune) bool { return (c < 'a' || c > 'z') && c != '_' }) >= 0 {
		return "done"
	}
	return s
}

func safeErrKey(s string) string {
	if !(strings.HasPrefix(s, "press_error_") || strings.HasPrefix(s, "review_error_")) || safeKey(s) != s {
		return "press_error_generic"
	}
	return s
}

// back redirects after a form: to the referring press page, with a notice
// or the problem's message key.
func (h *Handlers) back(w http.ResponseWriter, r *http.Request, to string, err error) {
	p, refused := fault.As(err, fault.ErrRefused)
	switch {
	case err == nil:
		to += sep(to) + "notice=done"
	case refused:
		to += sep(to) + "error=" + url.QueryEscape(p.Key)
	case errors.Is(err, store.ErrConflict):
		to += sep(to) + "error=press_error_generic"
	default:
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// returnTo is the press page a form came from.
func returnTo(r *http.Request, def string) string {
	if v := r.PostFormValue("return"); strings.HasPrefix(v, "/press") && !strings.HasPrefix(v, "//") {
		return v
	}
	return def
}

// parseLocal reads a datetime-local value in the officer's zone.
func parseLocal(r *http.Request, name string) (time.Time, error) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", v, zone(r))
	if err != nil {
		return time.Time{}, fault.Refused(name, "press_error_time")
	}
	return t, nil
}

func parseTimeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, &fault.Problem{Kind: fault.ErrInvalid, Key: "press_error_time", Field: name}
	}
	return t, nil
}
