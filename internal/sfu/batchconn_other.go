//go:build !linux

package sfu

import (
	"net"
	"net/netip"
)

// oneIO is unused where the socket's own methods are used.
type oneIO struct{}

func (b *batchConn) initIO() {}

// readOne reads one datagram.
func (b *batchConn) readOne(p []byte) (int, netip.AddrPort, error) {
	return b.UDPConn.ReadFromUDPAddrPort(p)
}

// writeNow writes one datagram at once; the caller holds sendMu.
func (b *batchConn) writeNow(p []byte, ap netip.AddrPort) (int, error) {
	return b.UDPConn.WriteToUDPAddrPort(p, ap)
}

// batchSys is empty where there is no sendmmsg(2): a batch leaves one
// datagram at a time.
type batchSys struct{}

func (*batchSys) init(*batch) {}

// sendBatch writes c's datagrams from the one at from, one by one, and
// stops at the first refused: it returns how many left before it and its
// error, as sendmmsg would.
func (b *batchConn) sendBatch(c *batch, from int) (int, error) {
	for i := from; i < c.n; i++ {
		if _, err := b.UDPConn.WriteToUDPAddrPort(c.bufs[i][:c.lens[i]], c.addrs[i]); err != nil {
			return i - from, err
		}
	}
	return c.n - from, nil
}

func isInet6(*net.UDPConn) bool { return false }
