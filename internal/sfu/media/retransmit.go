package media

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// Retransmissions (RFC 4585 generic NACK, RFC 4588 RTX). A subscriber asks
// for the packets it lost by their sequence numbers as it received them.
// pion's NACK responder would keep a copy of every packet for every
// subscriber (256 packets of 1.5 kB each per subscribed video, most of the
// memory a subscription cost); instead each published layer keeps its recent
// packets once (packetCache), and each subscriber only remembers how it
// numbered and rewrote what it sent (sentRing), enough to rebuild the packet
// exactly.

const (
	// cacheSize packets per published layer: 2.8 s of a 1.5 Mbit/s layer
	// of 1200-byte packets, far longer than a retransmission is useful.
	cacheSize = 512
	cacheMask = cacheSize - 1
	// cacheSlot is the most payload a cached packet holds; larger ones
	// (there should be none over UDP with a 1500-byte MTU) are not cached.
	cacheSlot = 1400
	// sentSize packets per subscribed video are remembered for
	// retransmission.
	sentSize = 512
	sentMask = sentSize - 1
	// resendInterval is the least time between two retransmissions of one
	// packet: a receiver asks again before the first has had time to arrive.
	resendInterval = 50 * time.Millisecond
	// maxDescriptor is the longest VP8 payload descriptor (RFC 7741 §4.2):
	// what the subscriber's picture ID rewriting changes.
	maxDescriptor = 6
)

// packetCache keeps the newest payloads of one published layer, indexed by
// sequence number, for every subscriber's retransmissions.
type packetCache struct {
	mu   sync.RWMutex
	data []byte // cacheSize slots of cacheSlot bytes, made with the first packet
	meta [cacheSize]struct {
		seq uint16
		n   uint16
		ok  bool
	}
}

// put stores payload as packet seq. Only the layer's read loop calls it.
func (c *packetCache) put(seq uint16, payload []byte) {
	if len(payload) > cacheSlot {
		return
	}
	c.mu.Lock()
	if c.data == nil {
		c.data = make([]byte, cacheSize*cacheSlot)
	}
	i := int(seq & cacheMask)
	copy(c.data[i*cacheSlot:], payload)
	m := &c.meta[i]
	m.seq, m.n, m.ok = seq, uint16(len(payload)), true
	c.mu.Unlock()
}

// get copies the payload of packet seq into dst and returns its length, or
// false when it is no longer (or never was) cached.
func (c *packetCache) get(seq uint16, dst []byte) (int, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	m := c.meta[seq&cacheMask]
	if !m.ok || m.seq != seq || len(dst) < int(m.n) {
		return 0, false
	}
	i := int(seq & cacheMask)
	return copy(dst, c.data[i*cacheSlot:i*cacheSlot+int(m.n)]), true
}

// sentPacket is how a subscriber's video sent one packet.
type sentPacket struct {
	out, in  uint16 // sequence number sent, and as received from the layer
	ts       uint32 // timestamp sent
	layer    int8
	marker   bool
	padding  uint8 // padding-only packet of this many bytes (0: media)
	descLen  uint8
	desc     [maxDescriptor]byte // the payload descriptor as rewritten
	valid    bool
	resentAt int64 // Unix nanoseconds of the last retransmission
}

// sentRing remembers the last sentSize packets a subscriber's video sent,
// by outgoing sequence number. The DownTrack's mutex guards it.
type sentRing [sentSize]sentPacket

// record remembers a media packet just sent; desc is the start of its
// payload that was rewritten for this subscriber (the VP8 descriptor), if
// any: the rest is as the layer's cache has it.
func (r *sentRing) record(h *rtp.Header, in uint16, layer int, desc []byte) {
	p := &r[h.SequenceNumber&sentMask]
	*p = sentPacket{out: h.SequenceNumber, in: in, ts: h.Timestamp, layer: int8(layer), marker: h.Marker, valid: true}
	p.descLen = uint8(copy(p.desc[:], desc))
}

// recordPadding remembers a padding-only packet just sent.
func (r *sentRing) recordPadding(h *rtp.Header) {
	r[h.SequenceNumber&sentMask] = sentPacket{out: h.SequenceNumber, ts: h.Timestamp, padding: h.PaddingSize, valid: true}
}

// retransmitBuffers hold retransmitted payloads while they are written.
var retransmitBuffers = sync.Pool{New: func() any { b := make([]byte, 2+cacheSlot); return &b }}

// retransmit sends again the packets a subscriber reports lost, on the RTX
// stream when one is negotiated (RFC 4588 §4: the original sequence number
// first, then the payload), else as they were. Packets no longer cached,
// never sent or resent less than resendInterval ago are skipped: the
// subscriber asks for a keyframe when it cannot recover.
func (d *DownTrack) retransmit(nack *rtcp.TransportLayerNack) {
	now := time.Now().UnixNano()
	for _, pair := range nack.Nacks {
		for _, seq := range pair.PacketList() {
			d.retransmitOne(seq, now)
		}
	}
}

func (d *DownTrack) retransmitOne(seq uint16, now int64) {
	d.mu.Lock()
	p := &d.sentLog[seq&sentMask]
	if !d.bound || !p.valid || p.out != seq || now-p.resentAt < int64(resendInterval) {
		d.mu.Unlock()
		return
	}
	p.resentAt = now
	r := *p
	h := rtp.Header{Version: 2, SSRC: d.ssrc, PayloadType: d.pt, SequenceNumber: seq, Timestamp: r.ts, Marker: r.marker}
	rtx := d.rtxSSRC != 0
	if rtx {
		h.SSRC, h.PayloadType, h.SequenceNumber = d.rtxSSRC, d.rtxPT, d.rtxSeq
		d.rtxSeq++
	}
	writer := d.writer
	d.mu.Unlock()

	bp := retransmitBuffers.Get().(*[]byte)
	defer retransmitBuffers.Put(bp)
	buf := *bp
	off := 0
	if rtx {
		binary.BigEndian.PutUint16(buf, seq)
		off = 2
	}
	n := 0
	switch {
	case r.padding > 0 && rtx:
		// RTX carries no padding-only packets: the original number alone
		// fills the hole.
	case r.padding > 0:
		h.Padding, h.PaddingSize = true, r.padding
	default:
		if r.layer < 0 || int(r.layer) >= len(d.up.layers) {
			return
		}
		var ok bool
		if n, ok = d.up.layers[r.layer].cache.get(r.in, buf[off:]); !ok {
			return
		}
		copy(buf[off:off+n], r.desc[:r.descLen])
	}
	_, _ = writer.WriteRTP(&h, buf[:off+n])
}
