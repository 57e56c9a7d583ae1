package media

import "github.com/pion/rtp"

// TrackSink receives every packet an UpTrack forwards (not while muted or
// gated), on the track's read goroutine, with the layer it came on. It is
// the hook a recorder attaches to (UpTrack.AddSink). WriteTrackRTP must not
// block, and must copy what it keeps: the payload is the read buffer.
type TrackSink interface {
	WriteTrackRTP(q int, pkt *rtp.Packet)
}

// AddSink attaches s to u's packets; the returned function detaches it.
func (u *UpTrack) AddSink(s TrackSink) (remove func()) {
	u.mu.Lock()
	var ss []TrackSink
	if old := u.sinks.Load(); old != nil {
		ss = append(ss, *old...)
	}
	ss = append(ss, s)
	u.sinks.Store(&ss)
	u.mu.Unlock()
	return func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		old := u.sinks.Load()
		if old == nil {
			return
		}
		keep := make([]TrackSink, 0, len(*old))
		for _, x := range *old {
			if x != s {
				keep = append(keep, x)
			}
		}
		u.sinks.Store(&keep)
	}
}

// sink hands pkt to u's sinks.
func (u *UpTrack) sink(q int, pkt *rtp.Packet) {
	if ss := u.sinks.Load(); ss != nil {
		for _, s := range *ss {
			s.WriteTrackRTP(q, pkt)
		}
	}
}
