package sfu

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/logging"
	"github.com/pion/turn/v4"
	"github.com/pion/webrtc/v4"
)

// Config configures the media transport of the SFU.
type Config struct {
	// UDPAddr is the one UDP address every peer's media uses (UDP mux),
	// such as ":7882". Required.
	UDPAddr string
	// TCPAddr is the passive ICE-TCP address, such as ":7881"; empty turns
	// ICE over TCP off.
	TCPAddr string
	// PublicIPs are advertised as host candidates instead of the local
	// addresses, for a server behind 1:1 NAT.
	PublicIPs []string
	// Loopback adds 127.0.0.1 candidates, for tests on one machine.
	Loopback bool
	// TURN configures the embedded TURN server; zero ports turn it off.
	TURN TURNConfig
}

// TURNConfig configures the embedded TURN server (RFC 8656) with time-limited
// credentials derived from Secret (the TURN REST convention).
type TURNConfig struct {
	UDPAddr  string // e.g. ":3478"; empty: no TURN over UDP
	TLSAddr  string // e.g. ":5349"; empty: no TURN over TLS
	Host     string // host name or IP clients reach the TURN server at
	RelayIP  string // IP relayed traffic is sent from, advertised to peers
	Realm    string
	CertFile string // TLS certificate for TLSAddr
	KeyFile  string
	Secret   string // shared secret for credentials
}

// transport owns the sockets shared by every PeerConnection: the UDP mux,
// the ICE-TCP mux and the TURN server.
type transport struct {
	cfg Config
	log *slog.Logger
	udp net.PacketConn
	// batch is udp as the mux writes to it: the forwarders' fan-outs
	// leave through it in batches (batchconn.go).
	batch  *batchConn
	udpMux ice.UDPMux
	tcp    net.Listener
	tcpMux ice.TCPMux
	turn   *turn.Server
	// turnUDP and turnTLS are the bound TURN addresses (ports of ":0"
	// resolved).
	turnUDP, turnTLS string
	lf               *pionLogs
}

func newTransport(cfg Config, log *slog.Logger) (*transport, error) {
	t := &transport{cfg: cfg, log: log, lf: &pionLogs{log: log}}
	udp, err := net.ListenPacket("udp4", cfg.UDPAddr)
	if err != nil {
		return nil, fmt.Errorf("sfu: listen udp %s: %w", cfg.UDPAddr, err)
	}
	t.udp = udp
	t.batch = newBatchConn(udp.(*net.UDPConn))
	t.udpMux = webrtc.NewICEUDPMux(t.lf.NewLogger("udpmux"), t.batch)
	if cfg.TCPAddr != "" {
		tcp, err := net.Listen("tcp4", cfg.TCPAddr)
		if err != nil {
			t.close()
			return nil, fmt.Errorf("sfu: listen tcp %s: %w", cfg.TCPAddr, err)
		}
		t.tcp = tcp
		t.tcpMux = webrtc.NewICETCPMux(t.lf.NewLogger("tcpmux"), tcp, 32)
	}
	if cfg.TURN.UDPAddr != "" || cfg.TURN.TLSAddr != "" {
		if err := t.startTURN(); err != nil {
			t.close()
			return nil, err
		}
	}
	return t, nil
}

func (t *transport) startTURN() error {
	c := t.cfg.TURN
	if c.Secret == "" || c.RelayIP == "" {
		return errors.New("sfu: TURN needs a secret and a relay IP")
	}
	relay := &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP(c.RelayIP), Address: "0.0.0.0"}
	sc := turn.ServerConfig{Realm: c.Realm, AuthHandler: turn.NewLongTermAuthHandler(c.Secret, t.lf.NewLogger("turn")), LoggerFactory: t.lf}
	if c.UDPAddr != "" {
		pc, err := net.ListenPacket("udp4", c.UDPAddr)
		if err != nil {
			return fmt.Errorf("sfu: listen turn udp %s: %w", c.UDPAddr, err)
		}
		t.turnUDP = pc.LocalAddr().String()
		sc.PacketConnConfigs = append(sc.PacketConnConfigs, turn.PacketConnConfig{PacketConn: pc, RelayAddressGenerator: relay})
	}
	if c.TLSAddr != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return fmt.Errorf("sfu: turn tls certificate: %w", err)
		}
		ln, err := tls.Listen("tcp4", c.TLSAddr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		if err != nil {
			return fmt.Errorf("sfu: listen turn tls %s: %w", c.TLSAddr, err)
		}
		t.turnTLS = ln.Addr().String()
		sc.ListenerConfigs = append(sc.ListenerConfigs, turn.ListenerConfig{Listener: ln, RelayAddressGenerator: relay})
	}
	s, err := turn.NewServer(sc)
	if err != nil {
		return fmt.Errorf("sfu: start turn: %w", err)
	}
	t.turn = s
	return nil
}

// iceServers returns the TURN URLs and fresh credentials for one client.
func (t *transport) iceServers(ttl time.Duration) []webrtc.ICEServer {
	c := t.cfg.TURN
	if t.turn == nil {
		return nil
	}
	user, pass, err := turn.GenerateLongTermCredentials(c.Secret, ttl)
	if err != nil {
		return nil
	}
	var urls []string
	if t.turnUDP != "" {
		urls = append(urls, "turn:"+hostPort(c.Host, t.turnUDP)+"?transport=udp")
	}
	if t.turnTLS != "" {
		urls = append(urls, "turns:"+hostPort(c.Host, t.turnTLS)+"?transport=tcp")
	}
	return []webrtc.ICEServer{{URLs: urls, Username: user, Credential: pass, CredentialType: webrtc.ICECredentialTypePassword}}
}

func hostPort(host, addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return net.JoinHostPort(host, port)
}

func (t *transport) close() {
	if t.turn != nil {
		_ = t.turn.Close()
	}
	if t.tcpMux != nil {
		_ = t.tcpMux.Close()
	}
	if t.tcp != nil {
		_ = t.tcp.Close()
	}
	if t.udpMux != nil {
		_ = t.udpMux.Close()
	}
	if t.udp != nil {
		_ = t.udp.Close()
	}
}

// Codec payload types the SFU offers. Browsers accept them in answers.
const (
	ptVP8    = 96
	ptVP8RTX = 97
	ptOpus   = 111
)

// opusFmtp turns on in-band FEC and DTX (RFC 7587 §6.1).
const opusFmtp = "minptime=10;useinbandfec=1;usedtx=1"

// audioLevelURI is the RFC 6464 client-to-mixer audio level extension.
const audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

// newPeerConnection builds one PeerConnection with its own MediaEngine and
// interceptor registry (interceptors keep per-connection state; sharing a
// registry leaks it across peers). bwe, for a subscriber connection, is its
// media.Subscriber's interceptor: it numbers every packet sent and reads
// the subscriber's transport-wide feedback for the bandwidth estimator.
func (t *transport) newPeerConnection(iceServers []webrtc.ICEServer, bwe interceptor.Factory) (*webrtc.PeerConnection, error) {
	return t.newPeerConnectionWith(iceServers, bwe, false)
}

// newPeerConnectionWith is newPeerConnection; withH264 also offers and
// accepts H.264 (broadcast.go: WHIP encoders and WHEP viewers).
func (t *transport) newPeerConnectionWith(iceServers []webrtc.ICEServer, bwe interceptor.Factory, withH264 bool) (*webrtc.PeerConnection, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: opusFmtp},
		PayloadType:        ptOpus,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("sfu: register opus: %w", err)
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
		PayloadType:        ptVP8,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("sfu: register vp8: %w", err)
	}
	// RTX (RFC 4588) only towards subscribers (bwe set): a publisher
	// retransmits on the stream itself. A simulcast publisher's repair
	// stream that names its layer with the rid rather than the repaired
	// rid (pion's NACK responder copies the rid) is taken by pion for the
	// layer itself: pion stops reading the layer's media and hands its
	// track over to the retransmissions. Under CPU pressure, when the
	// server loses packets and asks for them, that cost subscribers a
	// publisher's video for the rest of the run, and its numbers jumped
	// (docs/benchmarks.md). Retransmissions on the stream are late packets
	// of the layer, which the forwarder numbers in their place.
	if bwe != nil {
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=96"},
			PayloadType:        ptVP8RTX,
		}, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("sfu: register rtx: %w", err)
		}
	}
	if withH264 {
		if err := registerH264(m); err != nil {
			return nil, err
		}
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: audioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("sfu: register audio level: %w", err)
	}
	m.RegisterFeedback(webrtc.RTCPFeedback{Type: "ccm", Parameter: "fir"}, webrtc.RTPCodecTypeVideo)

	ir := &interceptor.Registry{}
	if bwe != nil {
		// First, so that it is closest to the network: it sees probe
		// padding and retransmissions.
		ir.Add(bwe)
	}
	// Generic NACK (RFC 4585) for video, both ways: the SFU asks
	// publishers for what it lost (pion's generator, on the publishing
	// connection), and answers subscribers itself (media.DownTrack retransmits,
	// from each layer's one cache rather than a copy per subscriber), with
	// RTX (RFC 4588) when negotiated. Sender and receiver reports (RFC
	// 3550); simulcast extensions (mid, rid, repaired rid).
	m.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack"}, webrtc.RTPCodecTypeVideo)
	m.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack", Parameter: "pli"}, webrtc.RTPCodecTypeVideo)
	if bwe == nil {
		gen, err := nack.NewGeneratorInterceptor()
		if err != nil {
			return nil, fmt.Errorf("sfu: nack: %w", err)
		}
		ir.Add(gen)
	}
	if bwe == nil {
		// A publisher's connection: receiver reports on what it sends.
		// A subscriber's sends the sender reports of its streams from
		// media.DownTrack, with the packets (pion's sender interceptor
		// takes a lock and reads the clock per packet and subscriber).
		if err := webrtc.ConfigureRTCPReports(ir); err != nil {
			return nil, fmt.Errorf("sfu: reports: %w", err)
		}
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return nil, fmt.Errorf("sfu: simulcast headers: %w", err)
	}
	// Transport-wide congestion control (draft-holmer-rmcat-transport-wide-
	// cc-extensions-01): the extension and the transport-cc feedback type in
	// both directions, and feedback on what we receive (publishers estimate
	// their uplink with it).
	if err := webrtc.ConfigureTWCCSender(m, ir); err != nil {
		return nil, fmt.Errorf("sfu: twcc: %w", err)
	}

	se := webrtc.SettingEngine{LoggerFactory: t.lf}
	se.SetICEUDPMux(t.udpMux)
	types := []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
	if t.tcpMux != nil {
		se.SetICETCPMux(t.tcpMux)
		types = append(types, webrtc.NetworkTypeTCP4)
	}
	se.SetNetworkTypes(types)
	se.SetIncludeLoopbackCandidate(t.cfg.Loopback)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeQueryOnly)
	if len(t.cfg.PublicIPs) > 0 {
		// Behind 1:1 NAT: announce the public addresses instead of the
		// local ones.
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{External: t.cfg.PublicIPs,
			AsCandidateType: webrtc.ICECandidateTypeHost, Mode: webrtc.ICEAddressRewriteReplace}); err != nil {
			return nil, fmt.Errorf("sfu: public ips: %w", err)
		}
	}
	se.SetICETimeouts(5*time.Second, 20*time.Second, 2*time.Second)

	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: iceServers, SDPSemantics: webrtc.SDPSemanticsUnifiedPlan})
	if err != nil {
		return nil, fmt.Errorf("sfu: new peer connection: %w", err)
	}
	return pc, nil
}

// pionLogs routes pion's logs into slog. Pion is chatty at debug and trace
// level; those go to slog's debug level.
type pionLogs struct {
	log *slog.Logger
}

// NewLogger implements logging.LoggerFactory.
func (f *pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("pion", scope)}
}
