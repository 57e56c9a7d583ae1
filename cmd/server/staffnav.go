package main

import (
	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/admin"
	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/events"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/press"
)

// staffNav lists the staff areas every staff page links to, each with the
// roles its route admits: the very lists the areas' handlers require, so
// that a viewer sees a link exactly when it opens (TestStaffNavigation).
func staffNav() []httpx.NavLink {
	return []httpx.NavLink{
		{Path: "/admin", Key: "admin_heading", Roles: admin.Staff},
		{Path: "/press", Key: "nav_press_office", Roles: press.Readers},
		{Path: "/press/queue", Key: "press_queue_title", Roles: press.Readers},
		{Path: "/press/audit", Key: "review_audit_title", Roles: press.Readers},
		{Path: "/admin/rooms", Key: "room_admin_title", Roles: conference.Moderators},
		{Path: "/admin/articles", Key: "portal_edit_title", Roles: portal.Editors},
		{Path: "/admin/events", Key: "events_admin_title", Roles: events.Organisers},
		{Path: "/admin/users", Key: "users_title", Roles: []account.Role{account.RoleAdmin}},
		{Path: "/admin/tokens", Key: "tokens_title", Roles: admin.Staff},
	}
}
