// Package media owns the media plane of Chancery's SFU: it forwards RTP
// without decoding it, and knows nothing of rooms, participants,
// signalling or storage.
//
//   - forward.go: an UpTrack receives one published track (one to three
//     simulcast layers) and writes each packet to the DownTracks of its
//     subscribers; a DownTrack rewrites SSRC, sequence numbers and
//     timestamps for its subscriber, continuous across layer switches and
//     pauses, picks the layer at keyframes and relays keyframe requests
//     (RFC 4585 PLI);
//   - vp8.go: picture IDs and TL0PICIDX kept continuous per subscriber
//     (RFC 7741 §4.2);
//   - retransmit.go: NACK answers, on RTX when negotiated (RFC 4585, RFC
//     4588), from one cache per published layer;
//   - twcc.go: transport-wide sequence numbers on every packet a subscriber
//     connection sends, its feedback to the estimator, and the
//     retransmission budget (draft-holmer-rmcat-transport-wide-cc-extensions-01);
//   - allocate.go: a Subscriber fits each video's layer to the estimate
//     and probes with padding before it steps up;
//   - channel.go: a Channel is one interpretation language channel, an
//     audio track whose source the room switches (live interpreter, floor
//     passthrough) while listeners keep one track: it renumbers its
//     sources into one continuous stream, mutes on a cough, and feeds
//     PacketSinks (recording, broadcast);
//   - speaker.go: active speakers from the RFC 6464 audio level;
//   - opus.go: Opus DTX and in-band FEC asked of publishers (RFC 7587);
//   - bwe: the subscriber connection's bandwidth estimator.
//
// Rooms and participants (internal/sfu) build on it: they create the
// tracks, attach them to pion's PeerConnections, call Measure, Loudness and
// Allocate on their schedule, and read the Counters they passed in.
//
// It must not import internal/sfu (rooms, participants, signalling),
// storage (internal/store, database/sql), net/http,
// github.com/gorilla/websocket or any other Chancery package but
// internal/sfu/media/bwe: the compiler keeps the layers apart.
package media
