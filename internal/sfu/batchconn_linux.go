//go:build linux

package sfu

import (
	"net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// batchSys is what sendmmsg(2) reads for one batch: a header per datagram,
// pointing at its buffer and its address, linked once when the batch is
// made, so that a send only fills in lengths and addresses.
type batchSys struct {
	hdrs  [batchSize]unix.Mmsghdr
	iovs  [batchSize]unix.Iovec
	names [batchSize]unix.RawSockaddrInet6 // room for either family

	// The call in progress, for write, a method value made once per batch
	// (a closure per call would allocate).
	write      func(fd uintptr) bool
	from, upto int
	sent       int
	errno      syscall.Errno
}

func (s *batchSys) init(c *batch) {
	for i := range s.hdrs {
		s.iovs[i].Base = &c.bufs[i][0]
		s.hdrs[i].Hdr.Name = (*byte)(unsafe.Pointer(&s.names[i]))
		s.hdrs[i].Hdr.Iov = &s.iovs[i]
		s.hdrs[i].Hdr.SetIovlen(1)
	}
	s.write = s.sendmmsg
}

// prepare fills in the lengths and destinations of c's datagrams.
func (s *batchSys) prepare(c *batch, v6 bool) {
	for i := range c.n {
		s.iovs[i].SetLen(c.lens[i])
		s.hdrs[i].Hdr.Namelen = putSockaddr(&s.names[i], c.addrs[i], v6)
	}
}

// sendmmsg is the body of a raw write on the socket: one sendmmsg(2) of the
// datagrams from..upto. It is made without the runtime's system call
// bookkeeping (RawSyscall6): the socket does not block (the runtime's poller
// waits for room when the kernel says EAGAIN, as for any write), so the call
// only ever runs as long as the kernel's work on the datagrams, and the
// processor stays with this goroutine meanwhile instead of being handed to
// another thread at each fan-out.
func (s *batchSys) sendmmsg(fd uintptr) bool {
	r, _, e := unix.RawSyscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&s.hdrs[s.from])), uintptr(s.upto-s.from), 0, 0, 0)
	if e == unix.EAGAIN {
		return false
	}
	s.sent, s.errno = 0, e
	if e == 0 {
		s.sent = int(r)
	}
	return true
}

// sendBatch sends c's datagrams from the one at from with one sendmmsg(2).
// It returns how many left; an error is the first refused one's, at
// from+n (sendmmsg reports an error only when it sent nothing: the
// datagram after the last one sent is the one refused).
func (b *batchConn) sendBatch(c *batch, from int) (int, error) {
	if from == 0 {
		c.sys.prepare(c, b.v6)
	}
	if b.rc == nil {
		return 0, net.ErrClosed
	}
	s := &c.sys
	s.from, s.upto = from, c.n
	if err := b.rc.Write(s.write); err != nil {
		return 0, err
	}
	if s.errno != 0 {
		return 0, s.errno
	}
	return s.sent, nil // fewer than asked: the next call reports the refusal, if any
}

// putSockaddr writes ap as a socket address of the socket's family into sa
// and returns its length: on an IPv6 socket, IPv4 destinations are mapped
// (::ffff:a.b.c.d); an IPv6 destination on an IPv4 socket is written as
// IPv6, which the kernel refuses for that datagram alone.
func putSockaddr(sa *unix.RawSockaddrInet6, ap netip.AddrPort, v6 bool) uint32 {
	a, port := ap.Addr(), ap.Port()
	if !v6 {
		a = a.Unmap()
	}
	if !v6 && a.Is4() {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		sa4.Family = unix.AF_INET
		p := (*[2]byte)(unsafe.Pointer(&sa4.Port))
		p[0], p[1] = byte(port>>8), byte(port)
		sa4.Addr = a.As4()
		sa4.Zero = [8]uint8{}
		return unix.SizeofSockaddrInet4
	}
	sa.Family = unix.AF_INET6
	p := (*[2]byte)(unsafe.Pointer(&sa.Port))
	p[0], p[1] = byte(port>>8), byte(port)
	sa.Flowinfo = 0
	sa.Addr = a.As16()
	sa.Scope_id = 0
	return unix.SizeofSockaddrInet6
}

// oneIO is one datagram read or written at once on the socket, by a method
// value made once (a closure per call would allocate). Reads and writes
// have one each, each used under its own lock.
type oneIO struct {
	p     []byte
	sa    unix.RawSockaddrInet6 // room for either family
	salen uint32
	n     int
	errno syscall.Errno
	read  func(fd uintptr) bool
	write func(fd uintptr) bool
}

// recvfrom is the body of a raw read: one recvfrom(2), without the
// runtime's system call bookkeeping (see sendmmsg).
func (o *oneIO) recvfrom(fd uintptr) bool {
	o.salen = unix.SizeofSockaddrInet6
	return o.call(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&o.salen)))
}

// sendto is the body of a raw write of one datagram: one sendto(2).
func (o *oneIO) sendto(fd uintptr) bool {
	return o.call(unix.SYS_SENDTO, fd, uintptr(o.salen))
}

// call makes recvfrom(2) or sendto(2), which take the same arguments but
// the last (the address's length, or where to write it), on o's buffer
// and address: again on EINTR, false on EAGAIN (the poller waits), else
// true with the count or the error in o. o is a field of its batchConn, on
// the heap: the addresses passed as integers stay valid through the call.
func (o *oneIO) call(trap, fd, salen uintptr) bool {
	var buf unsafe.Pointer
	if len(o.p) > 0 {
		buf = unsafe.Pointer(&o.p[0])
	}
	for {
		r, _, e := unix.RawSyscall6(trap, fd, uintptr(buf), uintptr(len(o.p)), 0, uintptr(unsafe.Pointer(&o.sa)), salen)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		o.n, o.errno = 0, e
		if e == 0 {
			o.n = int(r)
		}
		return true
	}
}

// sockaddrAddrPort reads the address recvfrom wrote.
func sockaddrAddrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	p := (*[2]byte)(unsafe.Pointer(&sa.Port))
	port := uint16(p[0])<<8 | uint16(p[1])
	if sa.Family == unix.AF_INET {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	}
	return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), port)
}

// readOne reads one datagram, as ReadFromUDPAddrPort would.
func (b *batchConn) readOne(p []byte) (int, netip.AddrPort, error) {
	if b.rc == nil {
		return 0, netip.AddrPort{}, net.ErrClosed
	}
	b.rdMu.Lock()
	defer b.rdMu.Unlock()
	o := &b.rd
	o.p = p
	err := b.rc.Read(o.read)
	o.p = nil
	if err != nil {
		return 0, netip.AddrPort{}, &net.OpError{Op: "read", Net: "udp", Source: b.LocalAddr(), Err: err}
	}
	if o.errno != 0 {
		return 0, netip.AddrPort{}, &net.OpError{Op: "read", Net: "udp", Source: b.LocalAddr(), Err: os.NewSyscallError("recvfrom", o.errno)}
	}
	return o.n, sockaddrAddrPort(&o.sa), nil
}

// writeNow writes one datagram at once, as WriteToUDPAddrPort would; the
// caller holds sendMu.
func (b *batchConn) writeNow(p []byte, ap netip.AddrPort) (int, error) {
	if b.rc == nil {
		return 0, net.ErrClosed
	}
	o := &b.wr
	o.p = p
	o.salen = putSockaddr(&o.sa, ap, b.v6)
	err := b.rc.Write(o.write)
	o.p = nil
	if err != nil {
		return 0, &net.OpError{Op: "write", Net: "udp", Addr: net.UDPAddrFromAddrPort(ap), Err: err}
	}
	if o.errno != 0 {
		return 0, &net.OpError{Op: "write", Net: "udp", Addr: net.UDPAddrFromAddrPort(ap), Err: os.NewSyscallError("sendto", o.errno)}
	}
	return o.n, nil
}

// initIO makes the method values of b's reads and writes.
func (b *batchConn) initIO() {
	b.rd.read = b.rd.recvfrom
	b.wr.write = b.wr.sendto
}

// isInet6 tells whether c is an AF_INET6 socket.
func isInet6(c *net.UDPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var v6 bool
	_ = rc.Control(func(fd uintptr) {
		sa, err := unix.Getsockname(int(fd))
		_, v6 = sa.(*unix.SockaddrInet6)
		v6 = v6 && err == nil
	})
	return v6
}
