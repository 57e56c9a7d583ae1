// Package delegations owns the delegations to a diplomatic event and
// their accreditation: a delegation represents a state (ISO 3166-1
// alpha-2), an international organisation or an NGO, with a quota of
// seats per category; people register through the delegation's private
// link with their credentials letter (PDF, checked by content) and a
// photo; the delegation's focal point, through a link of their own,
// approves their members, then the secretariat (protocol officers)
// accredits them. Every decision goes to the hash-chained audit log, and
// its e-mail, in the person's language, to the mail outbox in the same
// transaction. It also orders an event's delegations by protocol
// precedence (Order): alphabetical with CLDR collation, optionally from a
// delegation drawn by lot, by the date heads of mission presented their
// credentials, or manual.
//
// A registrant corrects their own registration through a private link
// (selfedit.go); the rooms of an event's sessions ask it who is expected
// and in which order delegations take precedence (reception.go).
//
// It serves /admin/events/{id}/delegations, the registration form, the
// registrant's and the focal point's pages at /{lang}/accreditation/…, and
// /api/v1/events/{id}/delegations…. The caller tells it about events
// (EventInfo), because internal/events, the events module, imports this
// package for the order of precedence and not the reverse. It must not
// import cmd/, internal/events or the portal.
package delegations
