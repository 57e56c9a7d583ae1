package sfu

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
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
// The batch is sent by sendBatch (batchconn_linux.go): one sendmmsg(2)
// over headers built once per batch, without allocating per datagram. On
// Linux every system call on the socket (that one, a datagram read, a
// datagram written at once) is made without the runtime's system call
// bookkeeping, on the non-blocking socket, the runtime's poller waiting
// when the kernel says EAGAIN as for any socket. A server that goes idle
// between packets otherwise woke the runtime's monitor thread with the
// first system call after each idle spell, and the monitor then polled
// every 20 µs for a millisecond: a tenth of the server's CPU on one core
// (docs/benchmarks.md); a fan-out's long sendmmsg also had the monitor
// hand the processor to another thread.
//
// The delay a datagram gets is bounded by the fan-out in progress when it
// was written: every Release sends all that is queued, whoever queued it,
// and a write is queued only while some fan-out holds the socket, which
// releases it when its loop over the subscribers ends (or a full batch
// goes at once). A datagram thus never waits for a timer or for later
// traffic, and the datagrams of one writer leave in the order written.
type batchConn struct {
	*net.UDPConn
	// v6 tells whether the socket is an AF_INET6 one, whose destinations
	// are given as IPv6 addresses (IPv4 ones mapped).
	v6 bool
	// rc reads and writes on the socket's descriptor (sendBatch, readOne,
	// writeNow); rd is the read in progress (under rdMu), wr the write of
	// one datagram at once (under sendMu).
	rc   syscall.RawConn
	rdMu sync.Mutex
	rd   oneIO
	wr   oneIO

	mu    sync.Mutex
	holds int
	// sendMu orders the batches' sends as they were taken from the queue
	// (it is locked under mu, then mu is unlocked for the system call):
	// a datagram never overtakes one written before it.
	sendMu sync.Mutex
	cur    *batch

	pool sync.Pool // of *batch

	// Figures for tests and benchmarks.
	batches, datagrams, failed atomic.Uint64
	// dropIn, set by tests only (export_test.go), drops the datagrams
	// received for which it returns true: a lossy path to the server.
	dropIn atomic.Pointer[func(n int) bool]
}

// batch is one sendmmsg's worth of datagrams, copied: the writer reuses its
// buffer when the write returns. sys holds what the system call reads
// (headers, one buffer each, addresses), set up once per batch.
type batch struct {
	n     int
	lens  [batchSize]int
	addrs [batchSize]netip.AddrPort
	bufs  [batchSize][maxDatagram]byte
	sys   batchSys
}

func newBatchConn(c *net.UDPConn) *batchConn {
	rc, err := c.SyscallConn()
	if err != nil {
		// Only a closed or unusable connection has none: every write
		// will fail as it would on the socket itself.
		rc = nil
	}
	b := &batchConn{UDPConn: c, v6: isInet6(c), rc: rc}
	b.initIO()
	b.pool.New = func() any {
		c := new(batch)
		c.sys.init(c)
		return c
	}
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
	ap := ua.AddrPort()
	if n, queued := b.enqueue(p, ap); queued {
		return n, nil
	}
	defer b.sendMu.Unlock()
	return b.writeNow(p, ap)
}

// WriteToAddrPort implements ice.AddrPortReaderWriter.
func (b *batchConn) WriteToAddrPort(p []byte, addr netip.AddrPort) (int, error) {
	if len(p) > maxDatagram {
		return b.UDPConn.WriteToUDPAddrPort(p, addr)
	}
	if n, queued := b.enqueue(p, addr); queued {
		return n, nil
	}
	defer b.sendMu.Unlock()
	return b.writeNow(p, addr)
}

// ReadFromAddrPort implements ice.AddrPortReaderWriter.
func (b *batchConn) ReadFromAddrPort(p []byte) (int, netip.AddrPort, error) {
	for {
		n, addr, err := b.readOne(p)
		if drop := b.dropIn.Load(); err == nil && drop != nil && (*drop)(n) {
			continue
		}
		return n, addr, err
	}
}

// enqueue queues p for addr if a fan-out holds the socket; it sends the
// batch when full. Otherwise it returns false with sendMu locked, for the
// caller to write p at once and unlock: after the batches taken before.
func (b *batchConn) enqueue(p []byte, ap netip.AddrPort) (int, bool) {
	b.mu.Lock()
	if b.holds == 0 {
		// A batch taken before is being sent, its sender holding sendMu
		// since it took it: p goes after it.
		b.mu.Unlock()
		b.sendMu.Lock()
		return 0, false
	}
	if b.cur == nil {
		b.cur = b.pool.Get().(*batch)
	}
	c := b.cur
	i := c.n
	n := copy(c.bufs[i][:], p)
	c.lens[i], c.addrs[i] = n, ap
	c.n++
	if c.n < batchSize {
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
	b.batches.Add(1)
	b.datagrams.Add(uint64(c.n))
	for from := 0; from < c.n; {
		n, err := b.sendBatch(c, from)
		if err != nil {
			if n == 0 && isClosed(err) {
				b.failed.Add(uint64(c.n - from))
				break
			}
			b.failed.Add(1)
			n++ // the datagram at from+n failed: go on after it
		}
		from += n
	}
	c.n = 0
	b.pool.Put(c)
}

func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
