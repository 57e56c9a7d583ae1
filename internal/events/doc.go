// Package events owns diplomatic events: a conference with its title and
// description in each language, its sessions (each with a conference room
// of its own and a numbered agenda), the released versions of its
// timetable with their public changelog, and the warnings editors get
// (sessions overlapping in one room, a chair in two places, a wall time in
// a daylight-saving gap). It serves the public pages /{lang}/events, the
// event pages with their iCalendar file and Atom feed, the staff pages
// under /admin/events and the /api/v1/events API. Delegations and
// accreditation live in the sub-package events/delegations, keyed by the
// event's ID.
//
// It reads and writes through internal/store and renders through
// internal/httpx; it announces events to the press office through a
// function cmd/server gives it. It must not import internal/publishing,
// internal/press, internal/portal, internal/sfu, any connector or cmd/.
package events
