// Package broadcast is the HTTP area of public broadcasting: WHEP viewing of
// the rooms of public sessions (draft-ietf-wish-whep, with the conventions
// of RFC 9725 that OBS 30+, GStreamer and Cloudflare follow), WHIP ingest
// from studio encoders with bearer tokens staff issue per room (RFC 9725),
// the staff pages and API that issue and revoke those tokens, and the
// portal's live page, which plays a session through WHEP in the browser.
//
// A request flows: handler (parse the SDP or the trickle fragment, check
// the room and the token) → internal/sfu (View or Ingest: a receive-only
// viewer or a publish-only participant) → an RFC 9725 resource that PATCH
// trickles or restarts and DELETE ends.
//
// It imports internal/sfu, internal/store, internal/httpx, internal/fault,
// internal/lang and internal/auth; it must not import cmd/ or
// internal/conference.
package broadcast
