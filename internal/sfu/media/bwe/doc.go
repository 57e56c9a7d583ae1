// Package bwe owns send-side bandwidth estimation for one subscriber
// connection: it numbers every outgoing packet with a transport-wide
// sequence number, keeps a short send history, reads the subscriber's
// transport-wide congestion control feedback, and turns it into a target
// send rate and probe clusters that discover headroom before the allocator
// steps video up.
//
// The estimator is a variant of Google Congestion Control:
//   - feedback decoding follows draft-holmer-rmcat-transport-wide-cc-extensions-01
//     (https://datatracker.ietf.org/doc/html/draft-holmer-rmcat-transport-wide-cc-extensions-01);
//   - the delay-based detector (trendline.go) and the AIMD rate control
//     (aimd.go) follow draft-ietf-rmcat-gcc-02
//     (https://datatracker.ietf.org/doc/html/draft-ietf-rmcat-gcc-02) as
//     libwebrtc implements it (TrendlineEstimator, AimdRateControl);
//   - the acknowledged rate (acked.go) caps every increase, so the estimate
//     never runs ahead of what the path has actually carried;
//   - probe clusters (probe.go) follow libwebrtc's ProbeBitrateEstimator.
//
// Time comes from an injected clock, so the whole estimator runs on a fake
// clock in tests. The package must not import pion/webrtc or the rest of
// Chancery: it depends only on the standard library and pion/rtcp.
package bwe
