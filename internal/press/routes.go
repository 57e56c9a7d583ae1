package press

import (
	_ "embed"
	"net/http"
	"strings"

	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/httpx"
)

// access is who may use a route: the roles that read, write or clear, or
// anyone signed in.
type access int

const (
	signedIn access = iota
	read
	write
	clear
)

// route is one route of the area: its pattern, who may use it and the
// handler (a method of Handlers).
type route struct {
	pattern string
	may     access
	handle  func(*Handlers, http.ResponseWriter, *http.Request)
}

// routes is every route of the press office, pages and API, by feature.
// Routes registers them and APIRoutes lists the API's.
var routes = []route{
	// The status board, its publications and the emergency pause.
	{"GET /press", read, (*Handlers).board},
	{"GET /api/v1/publishing/publications", read, (*Handlers).apiPublications},
	{"POST /press/publications/{id}/decide", read, (*Handlers).decideForm},
	{"POST /api/v1/publishing/publications/{id}/decide", read, (*Handlers).apiDecide},
	{"POST /press/publications/{id}/settle", read, (*Handlers).settleForm},
	{"POST /api/v1/publishing/publications/{id}/settle", read, (*Handlers).apiSettle},
	{"GET /api/v1/publishing/status", read, (*Handlers).apiStatus},
	{"GET /press/pause", read, (*Handlers).pauseConfirm},
	{"POST /press/pause", read, (*Handlers).pauseForm},
	{"POST /press/resume", read, (*Handlers).resumeForm},
	{"GET /api/v1/publishing/pause", read, (*Handlers).apiPauseState},
	{"POST /api/v1/publishing/pause", read, (*Handlers).apiPause},
	{"POST /api/v1/publishing/resume", read, (*Handlers).apiResume},

	// Composing: the form, its media, saving, autosave, counts, previews
	// and submission.
	{"GET /press/compose", write, (*Handlers).compose},
	{"GET /press/statements/{id}", read, (*Handlers).compose},
	{"GET /press/statements/{id}/media/{media}", read, (*Handlers).media},
	{"GET /press/media/{id}", read, (*Handlers).libraryImage},
	{"POST /press/statements", write, (*Handlers).saveForm},
	{"POST /press/statements/{id}", write, (*Handlers).saveForm},
	{"POST /press/statements/autosave", write, (*Handlers).autosave},
	{"POST /press/statements/{id}/autosave", write, (*Handlers).autosave},
	{"POST /press/statements/{id}/submit", write, (*Handlers).submitForm},
	{"GET /api/v1/publishing/statements", read, (*Handlers).apiStatements},
	{"POST /api/v1/publishing/statements", write, (*Handlers).apiSaveStatement},
	{"GET /api/v1/publishing/statements/{id}", read, (*Handlers).apiStatement},
	{"PUT /api/v1/publishing/statements/{id}", write, (*Handlers).apiSaveStatement},
	{"POST /api/v1/publishing/statements/{id}/submit", write, (*Handlers).apiSubmit},
	{"POST /api/v1/publishing/count", read, (*Handlers).apiCount},
	{"POST /api/v1/publishing/preview", read, (*Handlers).apiPreview},

	// Clearance: the approval queue and approving.
	{"GET /press/queue", read, (*Handlers).queue},
	{"POST /press/statements/{id}/approve", clear, (*Handlers).approveForm},
	{"POST /api/v1/publishing/statements/{id}/approve", clear, (*Handlers).apiApprove},

	// Recall: what it would delete, asking for it and clearing it.
	{"POST /press/statements/{id}/recall", read, (*Handlers).recallForm},
	{"POST /press/statements/{id}/recall/approve", clear, (*Handlers).recallApproveForm},
	{"GET /api/v1/publishing/statements/{id}/recall", read, (*Handlers).apiRecallPlan},
	{"POST /api/v1/publishing/statements/{id}/recall", read, (*Handlers).apiRequestRecall},
	{"POST /api/v1/publishing/statements/{id}/recall/approve", clear, (*Handlers).apiApproveRecall},

	// The calendar and moving publications on it.
	{"GET /press/calendar", read, (*Handlers).calendarGrid},
	{"POST /press/publications/{id}/reschedule", write, (*Handlers).rescheduleForm},
	{"POST /api/v1/publishing/publications/{id}/reschedule", write, (*Handlers).apiReschedule},

	// Channels, and pausing one.
	{"GET /press/channels", read, (*Handlers).channels},
	{"POST /press/channels", write, (*Handlers).createChannelForm},
	{"GET /api/v1/publishing/channels", read, (*Handlers).apiChannels},
	{"POST /api/v1/publishing/channels", write, (*Handlers).apiCreateChannel},
	{"GET /press/channels/{id}/pause", read, (*Handlers).pauseConfirm},
	{"POST /press/channels/{id}/pause", read, (*Handlers).pauseForm},
	{"POST /press/channels/{id}/resume", read, (*Handlers).resumeForm},
	{"POST /api/v1/publishing/channels/{id}/pause", read, (*Handlers).apiPauseChannel},
	{"POST /api/v1/publishing/channels/{id}/resume", read, (*Handlers).apiResumeChannel},

	// Review: what an approver approves, with its diff, the comment thread
	// and publish now. Approving needs the review, page or API: the version
	// approved must be the one the approver opened, and the server checks
	// they opened it (the API's approve, under Clearance, too).
	{"GET /press/statements/{id}/review", read, (*Handlers).review},
	{"POST /press/statements/{id}/review/approve", clear, (*Handlers).reviewApprove},
	{"POST /press/statements/{id}/review/changes", clear, (*Handlers).reviewChanges},
	{"POST /press/statements/{id}/comments", read, (*Handlers).reviewComment},
	{"GET /press/statements/{id}/publish-now", clear, (*Handlers).publishNowConfirm},
	{"POST /press/statements/{id}/publish-now", clear, (*Handlers).publishNowForm},
	{"GET /api/v1/publishing/statements/{id}/review", read, (*Handlers).apiReview},
	{"POST /api/v1/publishing/statements/{id}/changes", clear, (*Handlers).apiRequestChanges},
	{"GET /api/v1/publishing/statements/{id}/comments", read, (*Handlers).apiComments},
	{"POST /api/v1/publishing/statements/{id}/comments", read, (*Handlers).apiAddComment},
	{"POST /api/v1/publishing/statements/{id}/publish-now", clear, (*Handlers).apiPublishNow},

	// The audit log, its view and export, and the API's own description.
	{"GET /press/audit", read, (*Handlers).audit},
	{"GET /press/audit/export", read, (*Handlers).auditExport},
	{"GET /api/v1/publishing/audit", read, (*Handlers).apiAudit},
	{"GET /api/v1/openapi.json", signedIn, (*Handlers).openAPI},
}

// APIRoutes are the publishing API's routes (those of routes under
// /api/v1/publishing/), for the OpenAPI document's test.
var APIRoutes = func() []string {
	var out []string
	for _, rt := range routes {
		if _, path, _ := strings.Cut(rt.pattern, " "); strings.HasPrefix(path, "/api/v1/publishing/") {
			out = append(out, rt.pattern)
		}
	}
	return out
}()

// Routes registers every route of the area, each behind the check of who
// may use it.
func (h *Handlers) Routes(mux *httpx.Router) {
	guard := map[access]func(http.Handler) http.Handler{
		signedIn: auth.Require(h.kit),
		read:     auth.Require(h.kit, Readers...),
		write:    auth.Require(h.kit, Writers...),
		clear:    auth.Require(h.kit, Clearers...),
	}
	for _, rt := range routes {
		handle := rt.handle
		mux.Handle(rt.pattern, guard[rt.may](http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handle(h, w, r) })))
	}
}

//go:embed openapi.json
var openAPIDoc []byte

func (h *Handlers) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPIDoc)
}
