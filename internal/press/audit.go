package press

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

// AuditRawReaders may read the raw payload sent to a network and its
// response in the audit view and export: admins and approvers, who answer
// for what went out. Press officers see every entry without the bodies.
var AuditRawReaders = []account.Role{account.RoleAdmin, account.RoleApprover}

// auditPage is how many entries a page of the audit view shows.
const auditPage = 50

// AuditPage is the audit log, filtered and paged.
type AuditPage struct {
	Entries  []AuditRow
	Filter   AuditFilterForm
	Actors   []string
	Channels []store.Channel
	Raw      bool // the viewer may read payloads and responses
	// Verified is how many entries the chain check held; Broken, when
	// set, says where it does not hold.
	Verified int64
	Broken   string
	Older    string // address of the next page, "" on the last
	Export   string // address of the export of the same filter
	Error    string
}

// AuditFilterForm is the filter as typed, to show it again.
type AuditFilterForm struct {
	Statement, Actor, Channel, From, To string
}

// AuditRow is one entry as the viewer may see it.
type AuditRow struct {
	store.AuditEntry
	When     string
	ISO      string
	Payload  string
	Response string
	Hidden   bool // there are raw bodies the viewer may not read
}

// auditQuery reads the filter from the address: statement, actor,
// channel, from and to (dates, yyyy-mm-dd, in the viewer's zone, to
// inclusive) and before (the page).
func auditQuery(r *http.Request) (store.AuditQuery, AuditFilterForm, error) {
	v := r.URL.Query()
	f := AuditFilterForm{Statement: strings.TrimSpace(v.Get("statement")), Actor: strings.TrimSpace(v.Get("actor")),
		Channel: v.Get("channel"), From: v.Get("from"), To: v.Get("to")}
	var q store.AuditQuery
	num := func(s, field string) (int64, error) {
		if s == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
		if err != nil || n < 0 {
			return 0, fault.Refused(field, "review_error_audit_filter")
		}
		return n, nil
	}
	day := func(s, field string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation("2006-01-02", s, zone(r))
		if err != nil {
			return time.Time{}, fault.Refused(field, "review_error_audit_filter")
		}
		return t, nil
	}
	var err error
	if q.StatementID, err = num(f.Statement, "statement"); err != nil {
		return q, f, err
	}
	if q.ChannelID, err = num(f.Channel, "channel"); err != nil {
		return q, f, err
	}
	if q.Before, err = num(v.Get("before"), "before"); err != nil {
		return q, f, err
	}
	if q.From, err = day(f.From, "from"); err != nil {
		return q, f, err
	}
	if q.To, err = day(f.To, "to"); err != nil {
		return q, f, err
	}
	if !q.To.IsZero() {
		q.To = q.To.AddDate(0, 0, 1)
	}
	q.Actor = f.Actor
	return q, f, nil
}

func (h *Handlers) audit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := AuditPage{Raw: httpx.ViewerFrom(ctx).Can(AuditRawReaders...)}
	q, f, err := auditQuery(r)
	p.Filter = f
	status := http.StatusOK
	if pr, ok := fault.As(err, fault.ErrRefused); ok {
		p.Error, status = h.t(r, pr.Key, nil), http.StatusBadRequest
	} else {
		q.Limit = auditPage
		entries, more, err := h.db.SearchAudit(ctx, q)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		for _, e := range entries {
			p.Entries = append(p.Entries, h.auditRow(r, e, p.Raw))
		}
		if more && len(entries) > 0 {
			v := r.URL.Query()
			v.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
			p.Older = "/press/audit?" + v.Encode()
		}
		v := r.URL.Query()
		v.Del("before")
		p.Export = "/press/audit/export?" + v.Encode()
	}
	n, err := h.db.VerifyAudit(ctx)
	p.Verified = n
	if b, ok := errors.AsType[*store.AuditBreak](err); ok {
		p.Broken = h.t(r, "review_audit_broken", map[string]any{"Seq": b.Seq, "Reason": b.Reason})
	} else if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if p.Actors, err = h.db.AuditActors(ctx); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if p.Channels, err = h.db.ListChannels(ctx); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Render(w, r, status, "press_audit.html", httpx.Page{Title: h.t(r, "review_audit_title", nil), Data: p})
}

func (h *Handlers) auditRow(r *http.Request, e store.AuditEntry, raw bool) AuditRow {
	row := AuditRow{AuditEntry: e, When: h.when(r, e.At, zone(r)), ISO: e.At.UTC().Format(time.RFC3339Nano)}
	if raw {
		row.Payload, row.Response = scrubSecrets(e.Payload), scrubSecrets(e.Response)
	} else {
		row.Hidden = e.Payload != "" || e.Response != ""
	}
	return row
}

// AuditLine is one line of the export: every field the chain's hash
// covers, so that anyone can recompute the chain offline (see
// store.HashAuditEntry). For a viewer without the right to read raw
// bodies, payload and response are left out and the line says Redacted:
// its own hash cannot be recomputed, but every link (prev_hash) still can.
type AuditLine struct {
	Seq           int64     `json:"seq"`
	At            time.Time `json:"at"`
	ActorID       int64     `json:"actor_id"`
	Actor         string    `json:"actor"`
	Action        string    `json:"action"`
	StatementID   int64     `json:"statement_id"`
	PublicationID int64     `json:"publication_id"`
	ContentHash   string    `json:"content_hash"`
	Payload       string    `json:"payload"`
	Response      string    `json:"response"`
	PrevHash      string    `json:"prev_hash"`
	Hash          string    `json:"hash"`
	Redacted      bool      `json:"redacted,omitempty"`
}

// auditExport writes the filtered log as JSON Lines, oldest first, with
// each entry's hashes. Entries are exported as stored, so that the chain
// can be checked; a viewer who may not read raw bodies gets them removed
// and the lines marked redacted, and so does anyone for a body holding
// what looks like a credential.
func (h *Handlers) auditExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	raw := httpx.ViewerFrom(ctx).Can(AuditRawReaders...)
	q, _, err := auditQuery(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	// Pages of the newest first, gathered and then written oldest first.
	var all []store.AuditEntry
	q.Limit = 1000
	for range 100 { // at most 100 000 entries in one export
		entries, more, err := h.db.SearchAudit(ctx, q)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		all = append(all, entries...)
		if !more || len(entries) == 0 {
			break
		}
		q.Before = entries[len(entries)-1].Seq
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="chancery-audit.jsonl"`)
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	for i := len(all) - 1; i >= 0; i-- {
		e := all[i]
		l := AuditLine{Seq: e.Seq, At: e.At, ActorID: e.ActorID, Actor: e.Actor, Action: e.Action, StatementID: e.StatementID,
			PublicationID: e.PublicationID, ContentHash: e.ContentHash, PrevHash: e.PrevHash, Hash: e.Hash}
		if raw {
			// As stored, so that the hash can be recomputed, unless a
			// credential slipped past the connector's redaction: then it
			// is removed here too, and the line says so.
			l.Payload, l.Response = scrubSecrets(e.Payload), scrubSecrets(e.Response)
			l.Redacted = l.Payload != e.Payload || l.Response != e.Response
		} else if e.Payload != "" || e.Response != "" {
			l.Redacted = true
		}
		if err := enc.Encode(l); err != nil {
			return // the client went away
		}
	}
}

// secretPatterns find what must never be shown even if a connector failed
// to redact it: authorization headers, bearer tokens, tokens in query
// strings and JSON, and Telegram's bot token in a path.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)((?:authorization|proxy-authorization|cookie|set-cookie|x-api-key)"?\s*[:=]\s*\[?"?)[^"\r\n\]]+`),
	regexp.MustCompile(`(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*`),
	regexp.MustCompile(`(?i)((?:access_token|refresh_token|client_secret|app_secret|password|token|api_key)"?\s*[:=]\s*"?)[^"&\s,}]+`),
	regexp.MustCompile(`(/bot)[0-9]+:[A-Za-z0-9_-]+`),
}

// scrubSecrets replaces anything that looks like a credential with
// [redacted].
func scrubSecrets(s string) string {
	for _, re := range secretPatterns {
		s = re.ReplaceAllString(s, "${1}[redacted]")
	}
	return s
}

type auditJSON struct {
	Seq           int64     `json:"seq"`
	At            time.Time `json:"at"`
	Actor         string    `json:"actor"`
	Action        string    `json:"action"`
	StatementID   int64     `json:"statement_id,omitempty"`
	PublicationID int64     `json:"publication_id,omitempty"`
	ContentHash   string    `json:"content_hash,omitempty"`
	Payload       string    `json:"payload,omitempty"`
	Response      string    `json:"response,omitempty"`
	Hash          string    `json:"hash"`
}

func (h *Handlers) apiAudit(w http.ResponseWriter, r *http.Request) {
	var f store.AuditFilter
	if v := r.URL.Query().Get("statement"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrInvalid, Key: "press_error_id", Field: "statement"})
			return
		}
		f.StatementID = id
	}
	es, err := h.db.ListAudit(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	// As in the audit view: raw bodies only for AuditRawReaders, and
	// secrets scrubbed from them.
	raw := httpx.ViewerFrom(r.Context()).Can(AuditRawReaders...)
	out := make([]auditJSON, 0, len(es))
	for _, e := range es {
		a := auditJSON{e.Seq, e.At, e.Actor, e.Action, e.StatementID, e.PublicationID, e.ContentHash, "", "", e.Hash}
		if raw {
			a.Payload, a.Response = scrubSecrets(e.Payload), scrubSecrets(e.Response)
		}
		out = append(out, a)
	}
	h.kit.JSON(w, http.StatusOK, out)
}
