package sfu

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"golang.org/x/net/ipv4"
)

// batchSize is the most datagrams one sendmmsg(2) carries: a fan-out to
// more subscribers leaves in several.
const batchSize = 64

// maxDatagram is the largest datagram the batch copies; larger ones (none
// with a 1500-byte MTU) are written alone.
const maxDatagram = 1500

// batchConn is the shared media socket as pion's UDP mux sees it: a
// net.PacketConn (with ice.AddrPortReaderWriter's allocation-free methods)
// whose writes, while a forwarder holds it (Hold, from the media plane's
// fan-out of one received packet to its subscribers), are queued and sent
// together with one sendmmsg(2) each batchSize datagrams and when the
// fan-out releases it. Outside a fan-out every write goes out at once, as
// it would on the socket itself.
//
// The delay a datagram gets is bounded by the fan-out in progress when it
// was written: every Release sends all that is queued, whoever queued it,
// and a write is queued only while some fan-out holds the socket, which
// releases it when its loop over the subscribers ends (or a full batch
// goes at once). A datagram thus never waits for a timer or for later
// traffic, and the datagrams of one writer leave in the order written.
type batchConn struct {
	*net.UDPConn
	pc *ipv4.PacketConn

	mu    sync.Mutex
	holds int
	// sendMu orders the batches' sends as they were taken from the queue
	// (it is locked under mu, then mu is unlocked for the system call):
	// a datagram never overtakes one written before it.
	sendMu sync.Mutex
	cur    *batch
	// addrs keeps one *net.UDPAddr per destination, which sendmmsg needs
	// and pion hands over as a netip.AddrPort: converting each time would
	// allocate per datagram.
	addrs map[netip.AddrPort]*net.UDPAddr

	pool sync.Pool // of *batch

	// Figures for tests and benchmarks.
	batches, datagrams, failed atomic.Uint64
	// dropIn, set by tests only (export_test.go), drops the datagrams
	// received for which it returns true: a lossy path to the server.
	dropIn atomic.Pointer[func(n int) bool]
}

// batch is one sendmmsg's worth of datagrams, copied: the writer reuses its
// buffer when the write returns.
type batch struct {
	msgs []ipv4.Message
	bufs [batchSize][maxDatagram]byte
}

func newBatchConn(c *net.UDPConn) *batchConn {
	b := &batchConn{UDPConn: c, pc: ipv4.NewPacketConn(c), addrs: map[netip.AddrPort]*net.UDPAddr{}}
	b.pool.New = func() any { return &batch{msgs: make([]ipv4.Message, 0, batchSize)} }
	return b
}

// Hold starts a fan-out: writes are queued until Release.
func (b *batchConn) Hold() {
	b.mu.Lock()
	b.holds++
	b.mu.Unlock()
}

// Release ends a fan-out and sends everything queued.
func (b *batchConn) Release() {
	b.mu.Lock()
	b.holds--
	full := b.cur
	b.cur = nil
	if full == nil {
		b.mu.Unlock()
		return
	}
	b.sendMu.Lock()
	b.mu.Unlock()
	b.send(full)
	b.sendMu.Unlock()
}

// WriteTo implements net.PacketConn.
func (b *batchConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok || len(p) > maxDatagram {
		return b.UDPConn.WriteTo(p, addr)
	}
	if n, queued := b.enqueue(p, ua.AddrPort(), ua); queued {
		return n, nil
	}
	defer b.sendMu.Unlock()
	return b.UDPConn.WriteTo(p, addr)
}

// WriteToAddrPort implements ice.AddrPortReaderWriter.
func (b *batchConn) WriteToAddrPort(p []byte, addr netip.AddrPort) (int, error) {
	if len(p) > maxDatagram {
		return b.UDPConn.WriteToUDPAddrPort(p, addr)
	}
	if n, queued := b.enqueue(p, addr, nil); queued {
		return n, nil
	}
	defer b.sendMu.Unlock()
	return b.UDPConn.WriteToUDPAddrPort(p, addr)
}

// ReadFromAddrPort implements ice.AddrPortReaderWriter.
func (b *batchConn) ReadFromAddrPort(p []byte) (int, netip.AddrPort, error) {
	for {
		n, addr, err := b.UDPConn.ReadFromUDPAddrPort(p)
		if drop := b.dropIn.Load(); err == nil && drop != nil && (*drop)(n) {
			continue
		}
		return n, addr, err
	}
}

// enqueue queues p for addr if a fan-out holds the socket; it sends the
// batch when full. Otherwise it returns false with sendMu locked, for the
// caller to write p at once and unlock: after the batches taken before.
func (b *batchConn) enqueue(p []byte, ap netip.AddrPort, ua *net.UDPAddr) (int, bool) {
	b.mu.Lock()
	if b.holds == 0 {
		// A batch taken before is being sent, its sender holding sendMu
		// since it took it: p goes after it.
		b.mu.Unlock()
		b.sendMu.Lock()
		return 0, false
	}
	if ua == nil {
		if ua = b.addrs[ap]; ua == nil {
			if len(b.addrs) >= 1<<14 {
				clear(b.addrs) // peers come and go: keep the cache bounded
			}
			ua = net.UDPAddrFromAddrPort(ap)
			b.addrs[ap] = ua
		}
	}
	if b.cur == nil {
		b.cur = b.pool.Get().(*batch)
	}
	c := b.cur
	i := len(c.msgs)
	n := copy(c.bufs[i][:], p)
	c.msgs = append(c.msgs, ipv4.Message{Buffers: [][]byte{c.bufs[i][:n]}, Addr: ua})
	if len(c.msgs) < batchSize {
		b.mu.Unlock()
		return n, true
	}
	b.cur = nil
	b.sendMu.Lock()
	b.mu.Unlock()
	b.send(c)
	b.sendMu.Unlock()
	return n, true
}

// send writes a batch with sendmmsg, skipping a datagram the kernel
// refuses (one unreachable peer must not cost the others theirs), and
// returns the batch to the pool.
func (b *batchConn) send(c *batch) {
	msgs := c.msgs
	b.batches.Add(1)
	b.datagrams.Add(uint64(len(msgs)))
	for len(msgs) > 0 {
		n, err := b.pc.WriteBatch(msgs, 0)
		if err != nil {
			if n < 0 {
				n = 0
			}
			if n == 0 && isClosed(err) {
				b.failed.Add(uint64(len(msgs)))
				break
			}
			b.failed.Add(1)
			n++ // the datagram at n failed: go on after it
		}
		msgs = msgs[min(n, len(msgs)):]
	}
	for i := range c.msgs {
		c.msgs[i] = ipv4.Message{}
	}
	c.msgs = c.msgs[:0]
	b.pool.Put(c)
}

func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
