// Package sfu owns Chancery's selective forwarding unit for virtual
// conferences: rooms, participants with roles and permissions, the media
// plane that forwards RTP without decoding it, and the WebSocket signalling
// on top.
//
// Layers, bottom up:
//   - media plane (forward.go, vp8.go, speaker.go, allocate.go, twcc.go and
//     the bwe package): upTrack receives one published track (one to three
//     simulcast layers), downTrack forwards it to one subscriber, rewriting
//     SSRC, sequence numbers and timestamps, picking the simulcast layer and
//     relaying keyframe requests; each subscriber connection numbers what it
//     sends for transport-wide congestion control, and the allocator fits
//     the layers to its bandwidth estimate, probing with padding before it
//     steps video up;
//   - rooms and participants (room.go, participant.go), which wrap pion;
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
