package sfu

// SetInboundLoss makes s drop the datagrams its media socket receives for
// which drop returns true (n is the datagram's size): a lossy path from
// the publishers, for tests.
func SetInboundLoss(s *Server, drop func(n int) bool) { s.t.batch.dropIn.Store(&drop) }
