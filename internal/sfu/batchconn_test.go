package sfu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

func listenLoopback(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadBuffer(4 << 20)
	t.Cleanup(func() { c.Close() })
	return c
}

// readAll reads n datagrams of 8 bytes (writer, sequence) from c.
func readAll(t *testing.T, c *net.UDPConn, n int) [][2]uint32 {
	t.Helper()
	var got [][2]uint32
	buf := make([]byte, 2048)
	for len(got) < n {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		k, _, err := c.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("after %d of %d datagrams: %v", len(got), n, err)
		}
		if k != 8 {
			t.Fatalf("datagram of %d bytes", k)
		}
		got = append(got, [2]uint32{binary.BigEndian.Uint32(buf), binary.BigEndian.Uint32(buf[4:])})
	}
	return got
}

func datagram(w, seq int) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b, uint32(w))
	binary.BigEndian.PutUint32(b[4:], uint32(seq))
	return b
}

// One fan-out leaves in one sendmmsg, and nothing leaves before Release.
func TestBatchConnOneFanOutOneSend(t *testing.T) {
	b := newBatchConn(listenLoopback(t))
	rx := []*net.UDPConn{listenLoopback(t), listenLoopback(t), listenLoopback(t)}
	b.Hold()
	for i, r := range rx {
		// Both ways pion writes: a *net.UDPAddr, and a netip.AddrPort.
		if i%2 == 0 {
			if _, err := b.WriteTo(datagram(0, i), r.LocalAddr()); err != nil {
				t.Fatal(err)
			}
		} else if _, err := b.WriteToAddrPort(datagram(0, i), r.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.datagrams.Load(); n != 0 {
		t.Fatalf("%d datagrams sent while the fan-out held the socket", n)
	}
	b.Release()
	if b.batches.Load() != 1 || b.datagrams.Load() != 3 {
		t.Fatalf("%d sends for %d datagrams, want 1 for 3", b.batches.Load(), b.datagrams.Load())
	}
	for i, r := range rx {
		if got := readAll(t, r, 1); got[0] != [2]uint32{0, uint32(i)} {
			t.Fatalf("receiver %d got %v", i, got)
		}
	}
	// Outside a fan-out a write leaves at once, without a Release.
	if _, err := b.WriteTo(datagram(0, 9), rx[0].LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, rx[0], 1); got[0] != [2]uint32{0, 9} {
		t.Fatalf("got %v", got)
	}
}

// Writers fanning out at the same time, some fan-outs longer than a batch:
// every datagram arrives, each writer's in the order written, and a write
// queued by a goroutine that holds nothing (RTCP beside a fan-out) leaves
// with the fan-out in progress.
func TestBatchConnConcurrentFanOutsArriveInOrder(t *testing.T) {
	b := newBatchConn(listenLoopback(t))
	const writers, rounds, receivers = 4, 150, 3
	rx := make([]*net.UDPConn, receivers)
	for i := range rx {
		rx[i] = listenLoopback(t)
	}
	perRound := func(r int) int { // datagrams per receiver in round r
		if r%50 == 0 {
			return batchSize + 7 // a fan-out longer than one batch
		}
		return 1
	}
	total := 0
	for r := range rounds {
		total += perRound(r)
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			seq := 0
			for r := range rounds {
				b.Hold()
				for range perRound(r) {
					for _, c := range rx {
						if _, err := b.WriteTo(datagram(w, seq), c.LocalAddr()); err != nil {
							t.Error(err)
						}
					}
					seq++
				}
				b.Release()
			}
		})
	}
	// A writer that never holds, while the others fan out.
	wg.Go(func() {
		for i := range 100 {
			if _, err := b.WriteToAddrPort(datagram(writers, i), rx[0].LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
				t.Error(err)
			}
		}
	})
	got := make([][][2]uint32, receivers)
	var rwg sync.WaitGroup
	for i, c := range rx {
		n := writers * total
		if i == 0 {
			n += 100
		}
		rwg.Go(func() { got[i] = readAll(t, c, n) })
	}
	wg.Wait()
	rwg.Wait()
	for i := range rx {
		next := make([]uint32, writers+1)
		for _, d := range got[i] {
			if d[1] != next[d[0]] {
				t.Fatalf("receiver %d: writer %d's datagram %d came after %d", i, d[0], d[1], next[d[0]]-1)
			}
			next[d[0]]++
		}
	}
	if b.batches.Load() >= b.datagrams.Load() {
		t.Errorf("%d sends for %d datagrams: nothing batched", b.batches.Load(), b.datagrams.Load())
	}
	if f := b.failed.Load(); f != 0 {
		t.Errorf("%d datagrams failed", f)
	}
}

// A destination the kernel refuses costs only its own datagram: the ones
// after it in the batch still leave.
func TestBatchConnRefusedDatagramSkipped(t *testing.T) {
	b := newBatchConn(listenLoopback(t))
	r := listenLoopback(t)
	b.Hold()
	_, _ = b.WriteTo(datagram(0, 0), r.LocalAddr())
	// Port 0: EINVAL for this one datagram.
	_, _ = b.WriteToAddrPort(datagram(0, 99), netip.MustParseAddrPort("127.0.0.1:0"))
	_, _ = b.WriteTo(datagram(0, 1), r.LocalAddr())
	b.Release()
	got := readAll(t, r, 2)
	if got[0] != [2]uint32{0, 0} || got[1] != [2]uint32{0, 1} {
		t.Fatalf("got %v", got)
	}
	if f := b.failed.Load(); f != 1 {
		t.Fatalf("%d failed, want 1", f)
	}
}

// On an IPv6 socket (bound to ::, so that it also reaches IPv4 peers),
// IPv4 destinations go out as mapped addresses and IPv6 ones as they are,
// each arriving from the batch's one sendmmsg with its own length.
func TestBatchConnIPv6Socket(t *testing.T) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv6unspecified})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b := newBatchConn(c)
	r6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r6.Close() })
	r4 := listenLoopback(t)
	b.Hold()
	_, _ = b.WriteTo(datagram(4, 0), r4.LocalAddr())
	_, _ = b.WriteToAddrPort(datagram(6, 1), r6.LocalAddr().(*net.UDPAddr).AddrPort())
	// A mapped IPv4 address, as a dual-stack socket reports its peers.
	mapped := netip.AddrPortFrom(netip.AddrFrom16(netip.MustParseAddr("127.0.0.1").As16()), r4.LocalAddr().(*net.UDPAddr).AddrPort().Port())
	_, _ = b.WriteToAddrPort(datagram(4, 2), mapped)
	b.Release()
	if got := readAll(t, r4, 2); got[0] != [2]uint32{4, 0} || got[1] != [2]uint32{4, 2} {
		t.Errorf("IPv4 receiver got %v", got)
	}
	if got := readAll(t, r6, 1); got[0] != [2]uint32{6, 1} {
		t.Errorf("IPv6 receiver got %v", got)
	}
	if b.batches.Load() != 1 || b.failed.Load() != 0 {
		t.Errorf("%d sends, %d failed; want 1 and 0", b.batches.Load(), b.failed.Load())
	}
}

// A fan-out costs no allocation per datagram: the batch's headers and
// addresses are made once and reused (x/net's WriteBatch allocated one per
// datagram).
func TestBatchConnFanOutDoesNotAllocate(t *testing.T) {
	b := newBatchConn(listenLoopback(t))
	rx := make([]netip.AddrPort, 60)
	for i := range rx {
		r := listenLoopback(t)
		rx[i] = r.LocalAddr().(*net.UDPAddr).AddrPort()
	}
	p := make([]byte, 1200)
	fanOut := func() {
		b.Hold()
		for _, a := range rx {
			_, _ = b.WriteToAddrPort(p, a)
		}
		b.Release()
	}
	fanOut() // the first batch is made here (AllocsPerRun adds one more run)
	// The race detector's sync.Pool drops some batches on purpose, each
	// remade with two allocations: far under one per fan-out on average,
	// where one per datagram would be 60.
	if n := testing.AllocsPerRun(100, fanOut); n >= 1 {
		t.Errorf("%v allocations per fan-out of %d datagrams, want none", n, len(rx))
	}
	if want := uint64(102 * len(rx)); b.datagrams.Load() != want || b.failed.Load() != 0 {
		t.Errorf("%d datagrams sent, %d failed; want %d and 0", b.datagrams.Load(), b.failed.Load(), want)
	}
}

// Outside a fan-out, a datagram leaves at once, and reads give each
// datagram with its sender's address, as the socket's own methods do; a
// closed socket ends the reader (pion's mux stops on the error).
func TestBatchConnReadsAndWritesAtOnce(t *testing.T) {
	b := newBatchConn(listenLoopback(t))
	peer := listenLoopback(t)
	if _, err := b.WriteToAddrPort(datagram(1, 2), peer.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, peer, 1); got[0] != [2]uint32{1, 2} {
		t.Fatalf("peer got %v", got)
	}
	if _, err := peer.WriteToUDP(datagram(3, 4), b.LocalAddr().(*net.UDPAddr)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	n, from, err := b.ReadFromAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != 8 || binary.BigEndian.Uint32(buf[4:]) != 4 || from != peer.LocalAddr().(*net.UDPAddr).AddrPort() {
		t.Fatalf("read %d bytes %x from %v, want 8 from %v", n, buf[:n], from, peer.LocalAddr())
	}
	// A short buffer gets the datagram's start, as recvfrom truncates.
	if _, err := peer.WriteToUDP(datagram(5, 6), b.LocalAddr().(*net.UDPAddr)); err != nil {
		t.Fatal(err)
	}
	if n, _, err := b.ReadFromAddrPort(buf[:4]); err != nil || n != 4 || binary.BigEndian.Uint32(buf) != 5 {
		t.Fatalf("short read: %d, %v", n, err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := b.ReadFromAddrPort(buf)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // the reader waits in the poller
	b.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read after close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the reader did not end when the socket closed")
	}
	if _, err := b.WriteToAddrPort(datagram(0, 0), peer.LocalAddr().(*net.UDPAddr).AddrPort()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %v, want net.ErrClosed", err)
	}
}

// BenchmarkFanOutWrite writes one 1,200-byte datagram to each of n
// loopback receivers, as one fan-out of a forwarded packet: one sendto each
// (the socket as pion writes to it), or one sendmmsg through batchConn.
// Receivers drain their sockets on their own goroutines, as subscribers
// would.
func BenchmarkFanOutWrite(b *testing.B) {
	for _, n := range []int{30, 60} {
		for _, batched := range []bool{false, true} {
			b.Run(fmt.Sprintf("subscribers=%d/batched=%v", n, batched), func(b *testing.B) {
				c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				_ = c.SetWriteBuffer(4 << 20)
				bc := newBatchConn(c)
				addrs := make([]netip.AddrPort, n)
				for i := range addrs {
					r, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
					if err != nil {
						b.Fatal(err)
					}
					defer r.Close()
					_ = r.SetReadBuffer(4 << 20)
					addrs[i] = r.LocalAddr().(*net.UDPAddr).AddrPort()
					go func() {
						buf := make([]byte, 2048)
						for {
							if _, _, err := r.ReadFromUDPAddrPort(buf); err != nil {
								return
							}
						}
					}()
				}
				p := make([]byte, 1200)
				b.SetBytes(int64(n * len(p)))
				b.ReportAllocs()
				for b.Loop() {
					if batched {
						bc.Hold()
					}
					for _, a := range addrs {
						if batched {
							_, _ = bc.WriteToAddrPort(p, a)
						} else {
							_, _ = c.WriteToUDPAddrPort(p, a)
						}
					}
					if batched {
						bc.Release()
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/datagram")
			})
		}
	}
}
