package delegations

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// Staff are the roles of the secretariat: they accredit, and manage
// delegations, links and precedence.
var Staff = []account.Role{account.RoleAdmin, account.RoleProtocolOfficer}

// Handlers serve the staff pages, the registration form, the focal
// point's page and the API.
type Handlers struct {
	s   *Service
	kit *httpx.Kit
}

// NewHandlers returns the handlers of s.
func NewHandlers(s *Service, kit *httpx.Kit) *Handlers { return &Handlers{s: s, kit: kit} }

// RegisterPrefix is where the registration form lives under /{lang}; the
// server lets its multipart body carry the uploads (UploadPath).
const (
	registerSeg = "accreditation"
	focalSeg    = "focal"
)

// UploadPath reports whether path is the registration form's, whose
// multipart body may reach the form's limit (MaxUploadBytes of the
// server's body limit is for staff forms; this one is reached with a link,
// checked before a byte of the body is read).
func UploadPath(path string) bool {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	return len(parts) == 3 && parts[1] == registerSeg
}

// FormLimit is the largest registration form body.
const FormLimit = maxForm

// Routes lists every route of the delegations area.
func (h *Handlers) Routes(mux *httpx.Router) {
	staff := auth.Require(h.kit, Staff...)
	// Public, reached with a private link whose token is checked first.
	mux.HandleFunc("GET /{lang}/accreditation/{token}", h.registerPage)
	mux.HandleFunc("POST /{lang}/accreditation/{token}", h.registerSubmit)
	mux.HandleFunc("GET /{lang}/accreditation/focal/{token}", h.focalPage)
	mux.HandleFunc("GET /{lang}/accreditation/calendar/{file}", h.calendar)
	mux.HandleFunc("GET /{lang}/accreditation/mine/{token}", h.minePage)
	mux.HandleFunc("POST /{lang}/accreditation/mine/{token}", h.mineSubmit)
	mux.HandleFunc("POST /{lang}/accreditation/focal/{token}/registrations/{rid}/{action}", h.focalDecide)
	mux.HandleFunc("GET /{lang}/accreditation/focal/{token}/registrations/{rid}/credentials", h.focalCredentials)

	mux.Handle("GET /admin/events/{id}/delegations", staff(http.HandlerFunc(h.adminPage)))
	mux.Handle("POST /admin/events/{id}/delegations", staff(http.HandlerFunc(h.adminCreate)))
	mux.Handle("POST /admin/events/{id}/delegations/{did}/quotas", staff(http.HandlerFunc(h.adminQuotas)))
	mux.Handle("POST /admin/events/{id}/delegations/{did}/links", staff(http.HandlerFunc(h.adminLink)))
	mux.Handle("POST /admin/events/{id}/delegations/{did}/links/{lid}/revoke", staff(http.HandlerFunc(h.adminRevokeLink)))
	mux.Handle("POST /admin/events/{id}/registrations/{rid}/{action}", staff(http.HandlerFunc(h.adminDecide)))
	mux.Handle("GET /admin/events/{id}/registrations/{rid}/credentials", staff(http.HandlerFunc(h.adminFile("credentials"))))
	mux.Handle("GET /admin/events/{id}/registrations/{rid}/photo", staff(http.HandlerFunc(h.adminFile("photo"))))
	mux.Handle("POST /admin/events/{id}/precedence", staff(http.HandlerFunc(h.adminPrecedence)))
	mux.Handle("POST /admin/events/{id}/precedence/draw", staff(http.HandlerFunc(h.adminDraw)))
	mux.Handle("POST /admin/events/{id}/invitations", staff(http.HandlerFunc(h.adminInviteAll)))

	mux.Handle("GET /api/v1/events/{id}/delegations", staff(http.HandlerFunc(h.apiList)))
	mux.Handle("POST /api/v1/events/{id}/delegations", staff(http.HandlerFunc(h.apiCreate)))
	mux.Handle("POST /api/v1/events/{id}/delegations/{did}/links", staff(http.HandlerFunc(h.apiLink)))
	mux.Handle("GET /api/v1/events/{id}/registrations", staff(http.HandlerFunc(h.apiRegistrations)))
	mux.Handle("PATCH /api/v1/events/{id}/registrations/{rid}", staff(http.HandlerFunc(h.apiChange)))
	mux.Handle("POST /api/v1/events/{id}/registrations/{rid}/{action}", staff(http.HandlerFunc(h.apiDecide)))
	mux.Handle("PUT /api/v1/events/{id}/precedence", staff(http.HandlerFunc(h.apiPrecedence)))
	mux.Handle("POST /api/v1/events/{id}/precedence/draw", staff(http.HandlerFunc(h.apiDraw)))
}

// pathID reads a positive integer path value; anything else is 404.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.ErrNotFound
	}
	return id, nil
}

// staffActor is the signed-in viewer, as the audit log names them.
func staffActor(r *http.Request, reason string) Actor {
	v := httpx.ViewerFrom(r.Context())
	return Actor{UserID: v.User.ID, Name: v.User.Username, Reason: reason}
}

// staffDecisions are the decisions the secretariat takes by name.
var staffDecisions = map[string]decision{"accredit": accredit, "reject": reject, "withdraw": withdraw}

// focalDecisions are the focal point's.
var focalDecisions = map[string]decision{"approve": focalApprove, "reject": focalReject}

// fileResponse sends a registration's credentials letter or photo to
// staff or the focal point only: never cached, never shown inline as
// anything but what it was checked to be.
func fileResponse(w http.ResponseWriter, id int64, which string, data []byte, ct string) {
	hdr := w.Header()
	hdr.Set("Content-Type", ct)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if which == "credentials" {
		hdr.Set("Content-Disposition", `attachment; filename="credentials-`+strconv.FormatInt(id, 10)+`.pdf"`)
	}
	hdr.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func (h *Handlers) adminFile(which string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		eventID, err := pathID(r, "id")
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		id, err := pathID(r, "rid")
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		reg, err := h.s.DB.GetRegistration(r.Context(), id)
		if err == nil && reg.EventID != eventID {
			err = fault.ErrNotFound
		}
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		data, ct, err := h.s.DB.RegistrationFile(r.Context(), id, which)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		fileResponse(w, id, which, data, ct)
	}
}

// RegistrationView is a registration as pages and the API show it.
type RegistrationView struct {
	ID                int64     `json:"id"`
	DelegationID      int64     `json:"delegation_id"`
	Name              string    `json:"name"`
	Title             string    `json:"title"`
	Category          string    `json:"category"`
	Email             string    `json:"email"`
	Lang              string    `json:"lang"`
	State             string    `json:"state"`
	Reason            string    `json:"reason"`
	CredentialsSHA256 string    `json:"credentials_sha256"`
	CredentialsSize   int64     `json:"credentials_size"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

func registrationView(r store.Registration) RegistrationView {
	return RegistrationView{ID: r.ID, DelegationID: r.DelegationID, Name: r.Name, Title: r.Title, Category: r.Category, Email: r.Email,
		Lang: r.Lang, State: r.State, Reason: r.Reason, CredentialsSHA256: r.CredentialsSHA256, CredentialsSize: r.CredentialsSize,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// languages are the seven languages, for the forms' choosers.
func languages() []lang.Language { return lang.All() }

// isUserError reports an error the page shows beside the form rather than
// on an error page.
func isUserError(err error) (*fault.Problem, bool) {
	var he *fault.Problem
	if errors.As(err, &he) && httpx.Status(he) >= 400 && httpx.Status(he) < 500 && httpx.Status(he) != http.StatusNotFound && httpx.Status(he) != http.StatusForbidden {
		return he, true
	}
	return nil, false
}
