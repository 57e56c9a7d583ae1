package sfuclient

import (
	"slices"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// repairedRID is the interceptor, closest to the network, that makes a
// simulcast layer's retransmissions (RTX, RFC 4588) name the layer they
// repair with the repaired-rid extension instead of the rid (RFC 8852
// §3.2), as browsers send them. pion's NACK responder copies the original
// header, rid included, onto the RTX packet: an SFU on pion then takes
// the repair stream for the layer itself (it stops reading the layer's
// media and announces the track again), which is what made the load
// tool's starved runs lose a publisher's video and see sequence jumps.
type repairedRID struct{ interceptor.NoOp }

type repairedRIDFactory struct{}

func (repairedRIDFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &repairedRID{}, nil
}

// BindLocalStream rewrites the RTX packets of a stream that has them.
func (*repairedRID) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	var rid, rrid uint8
	for _, e := range info.RTPHeaderExtensions {
		switch e.URI {
		case sdp.SDESRTPStreamIDURI:
			rid = uint8(e.ID)
		case sdp.SDESRepairRTPStreamIDURI:
			rrid = uint8(e.ID)
		}
	}
	if info.SSRCRetransmission == 0 || rid == 0 {
		return writer
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if h.SSRC != info.SSRCRetransmission || len(h.GetExtension(rid)) == 0 {
			return writer.Write(h, payload, a)
		}
		// The header belongs to the responder's copy of the packet:
		// change a copy.
		c := *h
		c.Extensions = slices.Clone(h.Extensions)
		name := slices.Clone(h.GetExtension(rid))
		_ = c.DelExtension(rid)
		if rrid != 0 {
			_ = c.SetExtension(rrid, name)
		}
		return writer.Write(&c, payload, a)
	})
}
