// Package conference is the HTTP area of the virtual conference rooms: the
// join page reached with a signed token, the signalling endpoint that hands
// over to the SFU, the staff pages and API that manage rooms (titles in
// each language, schedule, archiving, who is in them now) and issue join
// tokens for one person or a list, in a chosen window. It also adapts the
// database to the SFU's Store (and RoomGate: archived rooms refuse joins).
//
// It imports internal/sfu, internal/store, internal/httpx, internal/lang
// and internal/auth; it must not import cmd/.
package conference
