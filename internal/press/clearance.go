package press

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

// QueuePage is the approval queue.
type QueuePage struct {
	Items  []QueueItem
	Recall []store.Statement
	Notice string
	Error  string
}

// QueueItem is one statement awaiting approval.
type QueueItem struct {
	store.Statement
	Title    string
	Due      string
	Expired  bool // due before approval completed
	Approved int
	// Mine: the viewer wrote the statement or changed this version, so
	// may not approve it.
	Mine bool
}

func (h *Handlers) queue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sts, err := h.db.ListStatements(ctx, 500)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	me := httpx.ViewerFrom(ctx).User.ID
	var p QueuePage
	for _, st := range sts {
		if st.RecallState == "requested" {
			p.Recall = append(p.Recall, st)
		}
		if st.State != store.StateSubmitted {
			continue
		}
		aps, err := h.db.ListApprovals(ctx, st.ID)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		authors, err := h.db.StatementAuthors(ctx, st.ID)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		p.Items = append(p.Items, QueueItem{Statement: st, Title: statementTitle(st, h.kit.Lang(r).Code), Due: h.when(r, st.DueAt, zone(r)),
			Expired: !st.DueAt.IsZero() && st.DueAt.Before(h.svc.Now()), Approved: len(aps), Mine: slices.Contains(authors, me)})
	}
	if e := r.URL.Query().Get("error"); e != "" {
		p.Error = h.t(r, safeErrKey(e), nil)
	}
	if n := r.URL.Query().Get("notice"); n != "" {
		p.Notice = h.flash(r, n)
	}
	h.kit.Render(w, r, http.StatusOK, "press_queue.html", httpx.Page{Title: h.t(r, "press_queue_title", nil), Data: p})
}

func (h *Handlers) approveForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	// Only a version its approver opened (the review page) can be approved.
	_, err = h.svc.ApproveReviewed(r.Context(), actor(r), id, r.PostFormValue("hash"), "")
	if err == nil {
		to := returnTo(r, "/press/queue")
		http.Redirect(w, r, fmt.Sprintf("%s%snotice=approved&statement=%d", to, sep(to), id), http.StatusSeeOther)
		return
	}
	h.back(w, r, returnTo(r, "/press/queue"), err)
}
