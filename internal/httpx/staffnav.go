package httpx

import (
	"strings"

	"github.com/mofa-vn/chancery/internal/account"
)

// NavLink is one area of the staff navigation: its address, the message key
// of its name, and the roles its route admits (the same list the route's
// auth.Require is given, so that the link shows exactly when it opens).
type NavLink struct {
	Path  string
	Key   string
	Roles []account.Role
}

// StaffLink is a NavLink as one viewer sees it on one page.
type StaffLink struct {
	Path    string
	Key     string
	Current bool
}

// StaffNav returns the staff areas the viewer's roles open, in the order
// of Kit.StaffNav, when the page is itself in the staff area: under the
// first path segment of one of the links (/admin, /press). Other pages,
// and viewers whose roles open none of them, get none.
func (v *View) StaffNav() []StaffLink {
	if v.Viewer == nil || v.kit == nil || !v.inStaffArea() {
		return nil
	}
	var out []StaffLink
	for _, l := range v.kit.StaffNav {
		if v.Viewer.Can(l.Roles...) {
			out = append(out, StaffLink{Path: l.Path, Key: l.Key, Current: v.Path == l.Path})
		}
	}
	return out
}

func (v *View) inStaffArea() bool {
	for _, l := range v.kit.StaffNav {
		area := "/" + strings.SplitN(strings.TrimPrefix(l.Path, "/"), "/", 2)[0]
		if v.Path == area || strings.HasPrefix(v.Path, area+"/") {
			return true
		}
	}
	return false
}
