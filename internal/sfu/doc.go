// Package sfu owns Chancery's selective forwarding unit for virtual
// conferences: rooms, participants with roles and permissions, the media
// plane that forwards RTP without decoding it, and the WebSocket signalling
// on top.
//
// Layers, bottom up:
//   - the media plane, package media (internal/sfu/media, with its bwe):
//     forwarding, VP8 rewriting, retransmissions, transport-wide congestion
//     control, layer allocation, speaker detection. It knows no room,
//     participant, signalling or store, and counts into the media.Counters
//     the Server passes it;
//   - rooms and participants (room.go, participant.go, tracks.go), which
//     wrap pion (engine.go) and drive the media plane: a participant's
//     published streams become media.UpTracks, each subscription a
//     media.DownTrack on its subscriber connection, whose media.Subscriber
//     allocates the layers every second;
//   - signalling (signal.go, protocol.go): typed, versioned JSON messages over
//     a gorilla/websocket connection.
//
// Join tokens (token.go) are signed with HMAC-SHA256 and carry the identity,
// role and permissions a participant joins with.
//
// The package must not import the store, the HTTP areas or cmd/: persistence
// is reached through the small Store interface, which main wires to the
// database.
package sfu
