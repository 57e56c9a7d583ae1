// Package conference is the HTTP area of the virtual conference rooms: the
// join page reached with a signed token, the signalling endpoint that hands
// over to the SFU, and the staff pages and API that issue join tokens. It
// also adapts the database to the SFU's Store.
//
// It imports internal/sfu, internal/store, internal/httpx and internal/auth;
// it must not import cmd/.
package conference
