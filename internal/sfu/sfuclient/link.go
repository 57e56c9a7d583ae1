package sfuclient

import (
	"net"
	"sync"
	"time"
)

// Link emulates a constrained downlink: what the client receives passes a
// bottleneck of a given rate with a drop-tail queue, so that the SFU's
// congestion control can be tested end to end on loopback. Packets the
// client sends are not shaped. The rate can change while it runs.
type Link struct {
	mu       sync.Mutex
	rate     int           // bits per second; 0: unlimited
	maxDelay time.Duration // queueing delay beyond which arrivals are dropped
	free     time.Time     // when the bottleneck finishes the last queued packet
	dropped  int
	down     bool // every arrival is dropped
}

// NewLink returns a link of rate bits per second whose queue holds at most
// maxDelay of packets.
func NewLink(rate int, maxDelay time.Duration) *Link {
	return &Link{rate: rate, maxDelay: maxDelay}
}

// SetRate changes the bottleneck's rate (0: unlimited).
func (l *Link) SetRate(rate int) {
	l.mu.Lock()
	l.rate = rate
	l.mu.Unlock()
}

// SetDown cuts the link (every arrival dropped, as a client that stopped
// reading its socket) or restores it.
func (l *Link) SetDown(down bool) {
	l.mu.Lock()
	l.down = down
	l.mu.Unlock()
}

// Dropped is the number of packets the full queue dropped.
func (l *Link) Dropped() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

// admit schedules a packet of n bytes arriving now: it returns when the
// bottleneck delivers it, or false when the queue is full.
func (l *Link) admit(now time.Time, n int) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down {
		l.dropped++
		return time.Time{}, false
	}
	if l.rate <= 0 {
		return now, true
	}
	start := l.free
	if start.Before(now) {
		start = now
	}
	if start.Sub(now) > l.maxDelay {
		l.dropped++
		return time.Time{}, false
	}
	// 28 bytes of IPv4 and UDP headers cross the bottleneck too.
	l.free = start.Add(time.Duration(int64(n+28) * 8 * int64(time.Second) / int64(l.rate)))
	return l.free, true
}

// shapedConn delivers what its socket receives through a Link.
type shapedConn struct {
	conn *net.UDPConn
	link *Link
	out  chan datagram
	done chan struct{}
	once sync.Once
}

type datagram struct {
	b    []byte
	from net.Addr
	at   time.Time
}

func newShapedConn(conn *net.UDPConn, l *Link) *shapedConn {
	c := &shapedConn{conn: conn, link: l, out: make(chan datagram, 4096), done: make(chan struct{})}
	go c.receive()
	return c
}

// receive reads the socket as fast as packets come and queues them with
// the time the bottleneck lets each through.
func (c *shapedConn) receive() {
	defer close(c.out)
	for {
		buf := make([]byte, 1500)
		n, from, err := c.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		at, ok := c.link.admit(time.Now(), n)
		if !ok {
			continue
		}
		select {
		case c.out <- datagram{buf[:n], from, at}:
		case <-c.done:
			return
		}
	}
}

func (c *shapedConn) ReadFrom(b []byte) (int, net.Addr, error) {
	d, ok := <-c.out
	if !ok {
		return 0, nil, net.ErrClosed
	}
	if wait := time.Until(d.at); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-c.done:
			t.Stop()
			return 0, nil, net.ErrClosed
		}
	}
	return copy(b, d.b), d.from, nil
}

func (c *shapedConn) WriteTo(b []byte, addr net.Addr) (int, error) { return c.conn.WriteTo(b, addr) }

func (c *shapedConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return c.conn.Close()
}

func (c *shapedConn) LocalAddr() net.Addr                { return c.conn.LocalAddr() }
func (c *shapedConn) SetDeadline(t time.Time) error      { return c.conn.SetDeadline(t) }
func (c *shapedConn) SetReadDeadline(t time.Time) error  { return c.conn.SetReadDeadline(t) }
func (c *shapedConn) SetWriteDeadline(t time.Time) error { return c.conn.SetWriteDeadline(t) }
