package press

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// ComposePage is the compose form, with variants side by side. Each
// language column holds the text, the channel versions of that text (a
// shorter X post) and the description of every image in that language.
type ComposePage struct {
	Statement store.Statement
	Progress  store.Progress
	State     string // derived from the publications once cleared
	StateKey  string // message key of State
	Variants  []VariantField
	Channels  []ChannelField
	Media     []MediaField
	Library   []LibraryItem // the media library's images to pick (media.go)
	// Engagement is the networks' counts of the statement's posts, per
	// language (engagement.go).
	Engagement []EngagementLang
	DueValue   string
	EmbValue   string
	Zone       string
	Approvals  []store.Approval
	Rows       []PubRow
	Recall     []RecallRow
	// RecallModeKey names what a requested recall makes of the portal
	// pages; Withdrawn is set once the recall was approved.
	RecallModeKey string
	Withdrawn     *Withdrawal
	Editable      bool
	// Authored: the viewer wrote this version or changed it since it was
	// last cleared, so is not offered the approve button.
	Authored bool
	// Comments are the statement's review thread (review.go).
	Comments []CommentRow
	Notice   string
	Error    string
	// ErrorField names the part of the form the error is about.
	ErrorField string
}

// VariantField is one language column of the compose form.
type VariantField struct {
	Lang      lang.Language
	Title     string
	Body      string
	Overrides []OverrideField
	Alts      []AltField
}

// OverrideField is a channel's own version of one language's text.
type OverrideField struct {
	ChannelID int64
	Channel   string
	Network   string
	Body      string
}

// AltField is the description of one image in one language.
type AltField struct {
	Slot     string // the image's key in the form: m<ID>, p<n> or new
	Filename string // "" for the image being added
	Value    string
}

// MediaField is an image of the form: stored (ID), or carried in the form
// after a refused save (Data, base64) so that nothing is lost.
type MediaField struct {
	Slot        string
	ID          int64
	Filename    string
	ContentType string
	URL         template.URL
	Data        string
	Library     int64 // picked from the media library, not saved yet (media.go)
	Alts        map[string]string
}

// ChannelField is one target checkbox.
type ChannelField struct {
	store.Channel
	Checked bool
}

// maxUpload bounds an uploaded image; the server's body limit applies too.
const maxUpload = 8 << 20

// uploadTypes are the image formats browsers show, by sniffed type.
var uploadTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

func mediaURL(st, m int64) template.URL {
	return template.URL(fmt.Sprintf("/press/statements/%d/media/%d", st, m))
}

// dataURL shows an image held in the form. Its type is sniffed and one of
// uploadTypes, so the URL is safe in an img element.
func dataURL(ct, b64 string) template.URL {
	return template.URL("data:" + ct + ";base64," + b64) // #nosec G203 -- sniffed image type, base64 payload
}

func (h *Handlers) compose(w http.ResponseWriter, r *http.Request) {
	var st store.Statement
	var media []MediaField
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		if err == nil {
			st, err = h.db.GetStatement(r.Context(), id)
		}
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		for _, m := range st.Media {
			media = append(media, MediaField{Slot: fmt.Sprintf("m%d", m.ID), ID: m.ID, Filename: m.Filename, ContentType: m.ContentType,
				URL: mediaURL(st.ID, m.ID), Alts: m.Alts})
		}
	}
	var notice string
	if n := r.URL.Query().Get("notice"); n != "" {
		notice = h.flash(r, n)
	}
	var prob *fault.Problem
	if e := r.URL.Query().Get("error"); e != "" {
		prob = fault.Refused("", safeErrKey(e))
	}
	h.renderCompose(w, r, http.StatusOK, st, media, nil, prob, notice)
}

// renderCompose shows the form for st, which is either as stored or as the
// officer just typed it (after a refused save: status 422 and prob).
func (h *Handlers) renderCompose(w http.ResponseWriter, r *http.Request, status int, st store.Statement, media []MediaField,
	newAlts map[string]string, prob *fault.Problem, notice string) {
	ctx := r.Context()
	p := ComposePage{Statement: st, Media: media, Editable: true, Notice: notice}
	var err error
	if p.Library, err = h.library(ctx, h.kit.Lang(r).Code, st); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if st.ID != 0 {
		var err error
		if p.Approvals, err = h.db.ListApprovals(ctx, st.ID); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		authors, err := h.db.StatementAuthors(ctx, st.ID)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		if v := httpx.ViewerFrom(ctx); v != nil {
			p.Authored = slices.Contains(authors, v.User.ID)
		}
		pubs, err := h.db.ListPublications(ctx, store.QueueFilter{StatementID: st.ID})
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		if p.Rows, err = h.rows(r, pubs); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		if p.Engagement, err = h.engagement(r, st.ID); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		p.Progress = store.ProgressOf(pubs)
		if p.Comments, err = h.commentRows(r, st.ID); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		plan, err := h.svc.RecallPlan(ctx, st.ID)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		for _, l := range plan {
			p.Recall = append(p.Recall, RecallRow{RecallLimit: l, Hours: int(l.Window / time.Hour)})
		}
		for _, pb := range pubs {
			if pb.State == store.StatePublished || pb.State == store.StatePublishing || pb.State == store.StateNeedsCheck {
				p.Editable = false
			}
		}
	}
	p.State = statementState(st, p.Progress)
	p.StateKey = stateKey("press_state_", p.State)
	if st.RecallState != "" {
		p.RecallModeKey = recallModeKey(st.RecallMode)
	}
	if st.RecallState == "done" {
		wd, err := h.withdrawal(r, st)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		p.Withdrawn = &wd
	}
	loc := zone(r)
	p.Zone = loc.String()
	if !st.DueAt.IsZero() {
		p.DueValue = st.DueAt.In(loc).Format("2006-01-02T15:04")
	}
	if !st.EmbargoUntil.IsZero() {
		p.EmbValue = st.EmbargoUntil.In(loc).Format("2006-01-02T15:04")
	}
	chs, err := h.db.ListChannels(ctx)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	for _, c := range chs {
		p.Channels = append(p.Channels, ChannelField{Channel: c, Checked: slices.Contains(st.Targets, c.ID)})
	}
	for _, l := range lang.All() {
		f := VariantField{Lang: l}
		for _, v := range st.Variants {
			if v.Lang == l.Code {
				f.Title, f.Body = v.Title, v.Body
			}
		}
		for _, c := range chs {
			if !slices.Contains(c.Languages, l.Code) {
				continue
			}
			o := OverrideField{ChannelID: c.ID, Channel: c.Name, Network: c.Network}
			for _, ov := range st.Overrides {
				if ov.ChannelID == c.ID && ov.Lang == l.Code {
					o.Body = ov.Body
				}
			}
			f.Overrides = append(f.Overrides, o)
		}
		for _, m := range media {
			f.Alts = append(f.Alts, AltField{Slot: m.Slot, Filename: m.Filename, Value: m.Alts[l.Code]})
		}
		f.Alts = append(f.Alts, AltField{Slot: "new", Value: newAlts[l.Code]})
		p.Variants = append(p.Variants, f)
	}
	if prob != nil {
		p.Error, p.ErrorField = h.t(r, prob.Key, prob.Data), prob.Field
	}
	h.kit.Render(w, r, status, "press_compose.html", httpx.Page{Title: h.t(r, "press_compose_title", nil), Data: p})
}

// composeForm is the compose form as submitted: the statement to save, and
// its images as the form shows them again if the save is refused.
type composeForm struct {
	in      publishing.StatementInput
	media   []MediaField
	newAlts map[string]string
}

// parseComposeForm parses the compose form, multipart when it carries an
// image.
func parseComposeForm(r *http.Request) error {
	return httpx.ParseMultipartForm(r, maxUpload)
}

// readCompose reads the whole form, even past a mistake, so that a refused
// save shows everything again; the first mistake is returned with it.
func (h *Handlers) readCompose(r *http.Request, old store.Statement) (composeForm, error) {
	var f composeForm
	var first error
	note := func(err error) {
		if first == nil {
			first = err
		}
	}
	in := &f.in
	in.Category, in.Sensitive, in.ArticleURL = r.PostFormValue("category"), r.PostFormValue("sensitive") != "", r.PostFormValue("article_url")
	var err error
	if in.DueAt, err = parseLocal(r, "due_at"); err != nil {
		note(err)
	}
	if in.EmbargoUntil, err = parseLocal(r, "embargo_until"); err != nil {
		note(err)
	}
	for _, l := range lang.All() {
		in.Variants = append(in.Variants, publishing.VariantInput{Lang: l.Code, Title: r.PostFormValue("title_" + l.Code), Body: r.PostFormValue("body_" + l.Code)})
	}
	for _, v := range r.PostForm["targets"] {
		cid, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			note(fault.Refused("targets", "press_error_unknown_channel", "ID", v))
			continue
		}
		in.Targets = append(in.Targets, cid)
	}
	var keys []string
	for k := range r.PostForm {
		if strings.HasPrefix(k, "override_") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		chStr, lng, ok := strings.Cut(strings.TrimPrefix(k, "override_"), "_")
		cid, err := strconv.ParseInt(chStr, 10, 64)
		if !ok || err != nil {
			note(fault.Refused("overrides", "press_error_override_target"))
			continue
		}
		if body := r.PostFormValue(k); strings.TrimSpace(body) != "" {
			in.Overrides = append(in.Overrides, publishing.OverrideInput{ChannelID: cid, Lang: lng, Body: body})
		}
	}
	alts := func(slot string) map[string]string {
		out := map[string]string{}
		for _, l := range lang.All() {
			if v := strings.TrimSpace(r.PostFormValue("alt_" + slot + "_" + l.Code)); v != "" {
				out[l.Code] = v
			}
		}
		return out
	}
	removed := map[string]bool{}
	for _, v := range r.PostForm["media_remove"] {
		removed[v] = true
	}
	add := func(m publishing.MediaInput, field MediaField) {
		in.Media = append(in.Media, m)
		f.media = append(f.media, field)
	}
	for _, v := range r.PostForm["media_keep"] {
		id, _ := strconv.ParseInt(v, 10, 64)
		slot := fmt.Sprintf("m%d", id)
		i := slices.IndexFunc(old.Media, func(m store.Attachment) bool { return m.ID == id })
		if removed[slot] || i < 0 {
			continue // removed, or not this statement's
		}
		m := old.Media[i]
		a := alts(slot)
		add(publishing.MediaInput{Filename: m.Filename, ContentType: m.ContentType, Data: m.Data, Alts: a},
			MediaField{Slot: slot, ID: id, Filename: m.Filename, ContentType: m.ContentType, URL: mediaURL(old.ID, id), Alts: a})
	}
	if err := h.picks(r.Context(), r.PostForm["media_library"], alts, add); err != nil {
		note(err)
	}
	names, datas := r.PostForm["pending_name"], r.PostForm["pending_data"]
	npending := 0
	pending := func(name string, data []byte, a map[string]string) {
		info, err := CheckImage(data)
		if err != nil {
			note(err)
			return
		}
		ct := info.ContentType
		b64 := base64.StdEncoding.EncodeToString(data)
		slot := fmt.Sprintf("p%d", npending)
		npending++
		add(publishing.MediaInput{Filename: name, ContentType: ct, Data: data, Alts: a},
			MediaField{Slot: slot, Filename: name, ContentType: ct, URL: dataURL(ct, b64), Data: b64, Alts: a})
	}
	// Carried images are renumbered after the kept ones, so their alt
	// fields are read under the slot the form gave them.
	for i, d := range datas {
		slot := fmt.Sprintf("p%d", i)
		if i >= len(names) || removed[slot] {
			continue
		}
		data, err := base64.StdEncoding.DecodeString(d)
		if err != nil {
			note(fault.Refused("media", "press_error_media"))
			continue
		}
		pending(names[i], data, alts(slot))
	}
	if r.MultipartForm != nil && len(r.MultipartForm.File["media_file"]) > 0 && r.MultipartForm.File["media_file"][0].Size > 0 {
		fh := r.MultipartForm.File["media_file"][0]
		file, err := fh.Open()
		if err != nil {
			return f, fmt.Errorf("press: open upload: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(file, maxUpload+1))
		file.Close()
		if err != nil {
			return f, fmt.Errorf("press: read upload: %w", err)
		}
		before := len(f.media)
		pending(fh.Filename, data, alts("new"))
		if len(f.media) == before {
			f.newAlts = alts("new") // the file was refused; keep what was typed for it
		}
	} else {
		f.newAlts = alts("new")
	}
	return f, first
}

// asStatement is the form as a statement, to show it again.
func (f composeForm) asStatement(old store.Statement) store.Statement {
	st := old
	st.Category, st.Sensitive, st.ArticleURL = f.in.Category, f.in.Sensitive, f.in.ArticleURL
	st.DueAt, st.EmbargoUntil = f.in.DueAt, f.in.EmbargoUntil
	st.Variants, st.Overrides, st.Targets, st.Media = nil, nil, f.in.Targets, nil
	for _, v := range f.in.Variants {
		st.Variants = append(st.Variants, store.Variant{Lang: v.Lang, Title: v.Title, Body: v.Body})
	}
	for _, o := range f.in.Overrides {
		st.Overrides = append(st.Overrides, store.Override{ChannelID: o.ChannelID, Lang: o.Lang, Body: o.Body})
	}
	return st
}

func (h *Handlers) saveForm(w http.ResponseWriter, r *http.Request) {
	if err := parseComposeForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var old store.Statement
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		if err == nil {
			old, err = h.db.GetStatement(r.Context(), id)
		}
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
	}
	f, err := h.readCompose(r, old)
	if err == nil {
		var st store.Statement
		if st, err = h.svc.SaveStatement(r.Context(), actor(r), old.ID, f.in); err == nil {
			if err := h.remember(r.Context(), actor(r).ID, st); err != nil {
				h.kit.Log.ErrorContext(r.Context(), "press: media library", "err", err)
			}
			http.Redirect(w, r, fmt.Sprintf("/press/statements/%d?notice=saved&statement=%d", st.ID, st.ID), http.StatusSeeOther)
			return
		}
	}
	h.refuse(w, r, f.asStatement(old), f.media, f.newAlts, err)
}

// refuse shows the form again, as typed, with err in the officer's
// language, or fails for an error that is not the officer's.
func (h *Handlers) refuse(w http.ResponseWriter, r *http.Request, st store.Statement, media []MediaField, newAlts map[string]string, err error) {
	p, ok := fault.As(err, fault.ErrRefused)
	switch {
	case ok:
	case errors.Is(err, store.ErrConflict):
		p = fault.Refused("", "press_error_generic")
	default:
		h.kit.Fail(w, r, err)
		return
	}
	h.renderCompose(w, r, http.StatusUnprocessableEntity, st, media, newAlts, p, "")
}

func (h *Handlers) submitForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if err := h.svc.Submit(r.Context(), actor(r), id); err != nil {
		st, gerr := h.db.GetStatement(r.Context(), id)
		if gerr != nil {
			h.kit.Fail(w, r, gerr)
			return
		}
		var media []MediaField
		for _, m := range st.Media {
			media = append(media, MediaField{Slot: fmt.Sprintf("m%d", m.ID), ID: m.ID, Filename: m.Filename, ContentType: m.ContentType,
				URL: mediaURL(st.ID, m.ID), Alts: m.Alts})
		}
		h.refuse(w, r, st, media, nil, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/press/statements/%d?notice=submitted&statement=%d", id, id), http.StatusSeeOther)
}

// media serves a statement's image to the press office, with its sniffed
// type: a stored content type is what an API client claimed.
func (h *Handlers) media(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var st store.Statement
	if err == nil {
		st, err = h.db.GetStatement(r.Context(), id)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	mid, _ := strconv.ParseInt(r.PathValue("media"), 10, 64)
	i := slices.IndexFunc(st.Media, func(m store.Attachment) bool { return m.ID == mid })
	if i < 0 {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	data := st.Media[i].Data
	ct := http.DetectContentType(data)
	if !slices.Contains(uploadTypes, ct) {
		ct = "application/octet-stream"
		w.Header().Set("Content-Disposition", "attachment")
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, no-cache")
	_, _ = w.Write(data)
}

type countInput struct {
	ChannelID int64  `json:"channel_id"`
	Text      string `json:"text"`
}

// apiCount counts text as the channel's network does (X's weighted count
// comes from the X connector's Count).
func (h *Handlers) apiCount(w http.ResponseWriter, r *http.Request) {
	var in countInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	ch, err := h.db.GetChannel(r.Context(), in.ChannelID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p, err := h.res(r.Context(), ch)
	if err != nil {
		h.kit.Fail(w, r, fault.Refused("", "press_error_credentials", "Channel", ch.Name))
		return
	}
	max := p.Limits().MaxLength
	if ch.MaxLength > 0 && (max == 0 || ch.MaxLength < max) {
		max = ch.MaxLength
	}
	h.kit.JSON(w, http.StatusOK, map[string]int{"count": p.Count(in.Text), "max": max})
}

// Statement is a statement as the API shows it.
type Statement struct {
	ID       int64 `json:"id"`
	AuthorID int64 `json:"author_id"`
	// State is derived from the publications once clearance is complete
	// (published, partially-published, failed, needs-check, …); Clearance
	// is where the statement stands in clearance.
	State           string         `json:"state"`
	Clearance       string         `json:"clearance"`
	Progress        store.Progress `json:"progress"`
	Category        string         `json:"category"`
	Sensitive       bool           `json:"sensitive"`
	DueAt           time.Time      `json:"due_at,omitzero"`
	EmbargoUntil    time.Time      `json:"embargo_until,omitzero"`
	ArticleURL      string         `json:"article_url"`
	ContentHash     string         `json:"content_hash"`
	ApprovalsNeeded int            `json:"approvals_needed"`
	RecallState     string         `json:"recall_state,omitempty"`
	// RecallPage is what a requested or approved recall makes of the
	// portal pages: notice or remove.
	RecallPage string `json:"recall_page,omitempty"`
	// Withdrawal says when, by whom and why the statement was withdrawn
	// (State withdrawn).
	Withdrawal   *withdrawalJSON            `json:"withdrawal,omitempty"`
	Corrects     int64                      `json:"corrects,omitempty"`
	Variants     []publishing.VariantInput  `json:"variants"`
	Overrides    []publishing.OverrideInput `json:"overrides"`
	Media        []mediaJSON                `json:"media"`
	Targets      []int64                    `json:"targets"`
	Publications []Publication              `json:"publications,omitempty"`
}

type mediaJSON struct {
	ID          int64             `json:"id"`
	Filename    string            `json:"filename"`
	ContentType string            `json:"content_type"`
	Size        int               `json:"size"`
	Alts        map[string]string `json:"alts"`
}

func statementJSON(st store.Statement, pr store.Progress) Statement {
	out := Statement{ID: st.ID, AuthorID: st.AuthorID, State: statementState(st, pr), Clearance: st.State, Progress: pr, Category: st.Category, Sensitive: st.Sensitive, DueAt: st.DueAt,
		EmbargoUntil: st.EmbargoUntil, ArticleURL: st.ArticleURL, ContentHash: st.ContentHash, ApprovalsNeeded: st.ApprovalsNeeded,
		RecallState: st.RecallState, Corrects: st.Corrects, Targets: nonNil(st.Targets), Variants: []publishing.VariantInput{}, Overrides: []publishing.OverrideInput{}, Media: []mediaJSON{}}
	if st.RecallState != "" {
		out.RecallPage = st.RecallMode
	}
	for _, v := range st.Variants {
		out.Variants = append(out.Variants, publishing.VariantInput{Lang: v.Lang, Title: v.Title, Body: v.Body})
	}
	for _, o := range st.Overrides {
		out.Overrides = append(out.Overrides, publishing.OverrideInput{ChannelID: o.ChannelID, Lang: o.Lang, Body: o.Body})
	}
	for _, m := range st.Media {
		alts := m.Alts
		if alts == nil {
			alts = map[string]string{}
		}
		out.Media = append(out.Media, mediaJSON{m.ID, m.Filename, m.ContentType, len(m.Data), alts})
	}
	return out
}

func (h *Handlers) apiStatements(w http.ResponseWriter, r *http.Request) {
	sts, err := h.db.ListStatements(r.Context(), 200)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	ids := make([]int64, 0, len(sts))
	for _, st := range sts {
		ids = append(ids, st.ID)
	}
	prs, err := h.db.StatementProgress(r.Context(), ids)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := make([]Statement, 0, len(sts))
	for _, st := range sts {
		j := statementJSON(st, prs[st.ID])
		if err := h.addWithdrawal(r.Context(), st, &j); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		out = append(out, j)
	}
	h.kit.JSON(w, http.StatusOK, out)
}

func (h *Handlers) apiStatement(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	st, err := h.db.GetStatement(r.Context(), id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pubs, err := h.db.ListPublications(r.Context(), store.QueueFilter{StatementID: id})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := statementJSON(st, store.ProgressOf(pubs))
	if err := h.addWithdrawal(r.Context(), st, &out); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	for _, p := range pubs {
		out.Publications = append(out.Publications, publicationJSON(p))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

func (h *Handlers) apiSaveStatement(w http.ResponseWriter, r *http.Request) {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
	}
	var in publishing.StatementInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	st, err := h.svc.SaveStatement(r.Context(), actor(r), id, in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	pubs, err := h.db.ListPublications(r.Context(), store.QueueFilter{StatementID: st.ID})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, status, statementJSON(st, store.ProgressOf(pubs)))
}

func (h *Handlers) apiSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.svc.Submit(r.Context(), actor(r), id)
	}
	h.done(w, r, err)
}
