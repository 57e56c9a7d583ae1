// Package sfuclient is a Go client of Chancery's SFU signalling protocol,
// built on pion: it joins a room with a token, publishes synthetic or real
// tracks and receives the others'. The SFU's tests and the load tools
// (cmd/loadtest, bench/cmd/sfubench, which also share its subpackage
// measure) use it.
//
// It imports internal/sfu for the message types and, in Joiner, the
// join-token signer.
package sfuclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
)

// Client is one participant.
type Client struct {
	ws       *websocket.Conn
	writeMu  sync.Mutex
	Pub, Sub *webrtc.PeerConnection
	events   chan sfu.ServerMessage
	answers  chan string
	done     chan struct{}
	gone     chan struct{} // closed when the signalling connection ends
	wg       sync.WaitGroup
	closeMu  sync.Once
	onTrack  func(*webrtc.TrackRemote, *webrtc.RTPReceiver)
	trackMu  sync.Mutex
	pending  []webrtc.ICECandidateInit // pub candidates before the answer
	pubReady bool
	// subPending are subscriber candidates that came before any offer;
	// owned by the read loop.
	subPending []webrtc.ICECandidateInit
	onMessage  func(sfu.ServerMessage)
	onSend     func(sfu.ClientMessage)
	// pubOut and subOut keep each connection's own candidates behind the
	// offer or answer they belong to.
	pubOut, subOut outGate
	closers        []func() error // what Close must close after the connections
	// Welcome is the welcome message, once admitted.
	Welcome sfu.ServerMessage
	token   atomic.Pointer[string] // the latest rejoin token
}

// Token returns the latest rejoin token the server handed out (in the
// welcome or a later token message): what to reconnect with after a
// network loss. Empty before the welcome.
func (c *Client) Token() string {
	if t := c.token.Load(); t != nil {
		return *t
	}
	return ""
}

// Options tune a client.
type Options struct {
	// OnTrack receives every track the SFU sends.
	OnTrack func(*webrtc.TrackRemote, *webrtc.RTPReceiver)
	// Header is sent with the WebSocket handshake (an Origin, say).
	Header http.Header
	// ICEServers and RelayOnly configure both connections (RelayOnly forces
	// media through TURN).
	ICEServers []webrtc.ICEServer
	RelayOnly  bool
	// TCPOnly gathers only TCP candidates (ICE over TCP).
	TCPOnly bool
	// RTXWithRID sends a simulcast layer's retransmissions as pion does
	// by itself, naming the layer with the rid rather than the repaired
	// rid: for tests of an SFU facing such publishers.
	RTXWithRID bool
	// NoNACK leaves out the NACK interceptors, for tests that watch
	// retransmissions themselves.
	NoNACK bool
	// TURNTLS, when set, is the TLS configuration for turns: servers (its
	// RootCAs trust a private certificate, say): the client then dials
	// TURN over TCP and TLS itself, verifying the server with it.
	TURNTLS *tls.Config
	// OnMessage, if set, sees every server message in the order it
	// arrived, before the client acts on it (tests of the protocol's
	// ordering).
	OnMessage func(sfu.ServerMessage)
	// OnSend, if set, sees every message the client sends, in the order
	// it is written (tests of the protocol's ordering).
	OnSend func(sfu.ClientMessage)
	// Downlink, if set, shapes what the client receives over UDP (both
	// connections share one socket on loopback).
	Downlink *Link
}

// tlsDialer connects to a TURN server over TLS with its own configuration.
type tlsDialer struct{ cfg *tls.Config }

func (d tlsDialer) Dial(network, addr string) (net.Conn, error) {
	//nolint:noctx // pion's proxy.Dialer has no context to pass; the Timeout bounds the dial.
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, network, addr, d.cfg)
	if err != nil {
		return nil, fmt.Errorf("sfuclient: turn tls %s: %w", addr, err)
	}
	return conn, nil
}

// Dial connects to the signalling URL (ws:// or wss://) and sends join with
// token. It returns once the server answers: a welcome (admitted), a lobby
// message (waiting: watch Events for the welcome), or an error.
func Dial(ctx context.Context, url, token string, o Options) (*Client, sfu.ServerMessage, error) {
	//nolint:bodyclose // gorilla/websocket: the handshake response's body need not be closed.
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, url, o.Header)
	if err != nil {
		return nil, sfu.ServerMessage{}, fmt.Errorf("sfuclient: dial: %w", err)
	}
	c := &Client{ws: ws, events: make(chan sfu.ServerMessage, 1024), answers: make(chan string, 4), done: make(chan struct{}), gone: make(chan struct{}), onTrack: o.OnTrack, onMessage: o.OnMessage, onSend: o.OnSend}
	if err := c.newPeers(o); err != nil {
		_ = ws.Close()
		return nil, sfu.ServerMessage{}, err
	}
	if err := c.Send(sfu.ClientMessage{Type: sfu.TypeJoin, Token: token}); err != nil {
		c.Close()
		return nil, sfu.ServerMessage{}, err
	}
	c.wg.Go(c.readLoop)
	for {
		select {
		case <-ctx.Done():
			c.Close()
			return nil, sfu.ServerMessage{}, ctx.Err()
		case m, ok := <-c.events:
			if !ok {
				c.Close()
				return nil, sfu.ServerMessage{}, errors.New("sfuclient: connection closed before welcome")
			}
			switch m.Type {
			case sfu.TypeWelcome:
				c.Welcome = m
				return c, m, nil
			case sfu.TypeLobby:
				return c, m, nil
			case sfu.TypeError:
				c.Close()
				return nil, m, fmt.Errorf("sfuclient: refused: %s: %s", m.Code, m.Error)
			case sfu.TypeBye:
				c.Close()
				return nil, m, fmt.Errorf("sfuclient: refused: %s", m.Reason)
			}
		}
	}
}

func (c *Client) newPeers(o Options) error {
	var mux ice.UDPMux
	if o.Downlink != nil {
		conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return fmt.Errorf("sfuclient: %w", err)
		}
		sc := newShapedConn(conn, o.Downlink)
		mux = webrtc.NewICEUDPMux(nil, sc)
		c.closers = append(c.closers, mux.Close)
	}
	mk := func() (*webrtc.PeerConnection, error) {
		m := &webrtc.MediaEngine{}
		if err := m.RegisterDefaultCodecs(); err != nil {
			return nil, err
		}
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: "urn:ietf:params:rtp-hdrext:ssrc-audio-level"}, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, err
		}
		ir := &interceptor.Registry{}
		if !o.RTXWithRID {
			ir.Add(repairedRIDFactory{}) // first: it sees the NACK responder's retransmissions
		}
		if o.NoNACK {
			if err := webrtc.ConfigureRTCPReports(ir); err != nil {
				return nil, err
			}
			if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
				return nil, err
			}
		} else if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
			return nil, err
		}
		se := webrtc.SettingEngine{}
		types := []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
		if o.TCPOnly {
			types = []webrtc.NetworkType{webrtc.NetworkTypeTCP4}
		}
		se.SetNetworkTypes(types)
		se.SetIncludeLoopbackCandidate(true)
		if mux != nil {
			se.SetICEUDPMux(mux)
		}
		if o.TURNTLS != nil {
			se.SetICEProxyDialer(tlsDialer{o.TURNTLS})
		}
		api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
		cfg := webrtc.Configuration{ICEServers: o.ICEServers}
		if o.RelayOnly {
			cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
		}
		return api.NewPeerConnection(cfg)
	}
	var err error
	if c.Pub, err = mk(); err != nil {
		return fmt.Errorf("sfuclient: %w", err)
	}
	if c.Sub, err = mk(); err != nil {
		_ = c.Pub.Close()
		return fmt.Errorf("sfuclient: %w", err)
	}
	c.Pub.OnICECandidate(func(ic *webrtc.ICECandidate) { c.trickle(sfu.TargetPublish, ic) })
	c.Sub.OnICECandidate(func(ic *webrtc.ICECandidate) { c.trickle(sfu.TargetSubscribe, ic) })
	// A subscribing connection whose ICE failed (a starved client misses
	// its consent checks) asks the server for an ICE restart, as the room
	// page does: the server offers on that connection and restarts only
	// when asked. Without this a load tool's subscriber that failed once
	// received nothing for the rest of the run.
	c.Sub.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		if s == webrtc.ICEConnectionStateFailed {
			go func() { _ = c.Send(sfu.ClientMessage{Type: sfu.TypeRestart}) }()
		}
	})
	c.Sub.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		if c.onTrack != nil {
			c.onTrack(t, r)
			return
		}
		buf := make([]byte, 1500)
		for {
			if _, _, err := t.Read(buf); err != nil {
				return
			}
		}
	})
	return nil
}

func (c *Client) trickle(target string, ic *webrtc.ICECandidate) {
	if ic == nil {
		return
	}
	init := ic.ToJSON()
	g := &c.pubOut
	if target == sfu.TargetSubscribe {
		g = &c.subOut
	}
	g.send(c, sfu.ClientMessage{Type: sfu.TypeCandidate, Target: target, Candidate: &init})
}

// outGate keeps a connection's trickled candidates behind the description
// they belong to, as a browser does (RFC 8838 §10). pion gathers inside
// CreateOffer (ICE restart), SetRemoteDescription (the other side restarts)
// or SetLocalDescription and reports candidates from its own goroutine, so
// without the gate a candidate of a new ufrag can leave before its offer or
// answer, and the server, which still holds the previous description,
// drops it.
type outGate struct {
	mu   sync.Mutex
	hold bool
	held []sfu.ClientMessage
}

// close holds candidates until open: call it before anything that may
// start gathering.
func (g *outGate) close() {
	g.mu.Lock()
	g.hold = true
	g.mu.Unlock()
}

// open sends what was held, in order, once the description is sent.
func (g *outGate) open(c *Client) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.held {
		_ = c.Send(m)
	}
	g.held, g.hold = nil, false
}

func (g *outGate) send(c *Client, m sfu.ClientMessage) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hold {
		g.held = append(g.held, m)
		return
	}
	_ = c.Send(m)
}

// Send writes one message, setting its version.
func (c *Client) Send(m sfu.ClientMessage) error {
	m.V = sfu.ProtocolVersion
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.onSend != nil {
		c.onSend(m)
	}
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := c.ws.WriteJSON(m); err != nil {
		return fmt.Errorf("sfuclient: send %s: %w", m.Type, err)
	}
	return nil
}

// SendRaw writes raw bytes as one text message, for tests of bad input.
func (c *Client) SendRaw(b []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// Events delivers every server message except those the client handles
// itself (offers, answers and candidates). It is closed when the
// connection ends.
func (c *Client) Events() <-chan sfu.ServerMessage { return c.events }

func (c *Client) readLoop() {
	defer close(c.gone)
	defer close(c.events)
	for {
		var m sfu.ServerMessage
		if err := c.ws.ReadJSON(&m); err != nil {
			return
		}
		if c.onMessage != nil {
			c.onMessage(m)
		}
		switch m.Type {
		case sfu.TypeOffer:
			// A failed answer (the server may be closing) must not stop
			// the reading: an error message may follow.
			_ = c.answer(m.SDP)
			continue
		case sfu.TypeAnswer:
			select {
			case c.answers <- m.SDP:
			default:
			}
			continue
		case sfu.TypeCandidate:
			if m.Candidate == nil {
				continue
			}
			if m.Target == sfu.TargetSubscribe {
				// pion refuses a candidate before the remote description:
				// keep it for the offer, as a browser does.
				if c.Sub.RemoteDescription() == nil {
					c.subPending = append(c.subPending, *m.Candidate)
				} else {
					_ = c.Sub.AddICECandidate(*m.Candidate)
				}
			} else {
				c.trackMu.Lock()
				if !c.pubReady {
					c.pending = append(c.pending, *m.Candidate)
				} else {
					_ = c.Pub.AddICECandidate(*m.Candidate)
				}
				c.trackMu.Unlock()
			}
			continue
		case sfu.TypePing:
			continue
		case sfu.TypeWelcome, sfu.TypeToken:
			if m.Token != "" {
				c.token.Store(&m.Token)
			}
		}
		select {
		case c.events <- m:
		default: // a test that does not read events must not block media
		}
	}
}

func (c *Client) answer(sdp string) error {
	// An offer that restarts ICE makes pion gather anew while it is applied.
	c.subOut.close()
	defer c.subOut.open(c)
	if err := c.Sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return err
	}
	for _, ic := range c.subPending {
		_ = c.Sub.AddICECandidate(ic)
	}
	c.subPending = nil
	ans, err := c.Sub.CreateAnswer(nil)
	if err != nil {
		return err
	}
	if err := c.Sub.SetLocalDescription(ans); err != nil {
		return err
	}
	return c.Send(sfu.ClientMessage{Type: sfu.TypeAnswer, SDP: ans.SDP})
}

// Negotiate offers the publishing connection's current tracks, described
// by specs, and applies the answer.
func (c *Client) Negotiate(ctx context.Context, specs []sfu.TrackSpec, restartICE bool) error {
	// The server's candidates that follow its answer belong to that answer:
	// the read loop keeps them until it is applied below. Added at once,
	// they would meet the previous answer, and pion drops a candidate of
	// an ICE restart's new ufrag as not matching it.
	c.trackMu.Lock()
	c.pubReady = false
	c.trackMu.Unlock()
	if err := c.sendOffer(specs, restartICE); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return errors.New("sfuclient: closed")
	case <-c.gone:
		return errors.New("sfuclient: the server closed the connection")
	case sdp := <-c.answers:
		if err := c.Pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
			return fmt.Errorf("sfuclient: answer: %w", err)
		}
	}
	c.trackMu.Lock()
	c.pubReady = true
	for _, ic := range c.pending {
		_ = c.Pub.AddICECandidate(ic)
	}
	c.pending = nil
	c.trackMu.Unlock()
	return nil
}

// sendOffer makes the publishing connection's offer and sends it before
// any candidate gathered for it.
func (c *Client) sendOffer(specs []sfu.TrackSpec, restartICE bool) error {
	// An ICE restart gathers anew inside CreateOffer.
	c.pubOut.close()
	defer c.pubOut.open(c)
	offer, err := c.Pub.CreateOffer(&webrtc.OfferOptions{ICERestart: restartICE})
	if err != nil {
		return fmt.Errorf("sfuclient: offer: %w", err)
	}
	if err := c.Pub.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("sfuclient: offer: %w", err)
	}
	return c.Send(sfu.ClientMessage{Type: sfu.TypeOffer, SDP: offer.SDP, Tracks: specs})
}

// Close closes the connections and waits for the client's goroutines.
func (c *Client) Close() {
	c.closeMu.Do(func() {
		close(c.done)
		_ = c.ws.Close()
		// The read loop may be answering an offer: let it finish first, so
		// that no ICE gathering starts on a connection being closed.
		c.wg.Wait()
		_ = c.Pub.Close()
		_ = c.Sub.Close()
		for _, f := range c.closers {
			_ = f()
		}
	})
}

// Done is closed when Close is called.
func (c *Client) Done() <-chan struct{} { return c.done }

// AwaitWelcome waits, in the lobby, until a moderator admits the client.
func (c *Client) AwaitWelcome(ctx context.Context) (sfu.ServerMessage, error) {
	for {
		select {
		case <-ctx.Done():
			return sfu.ServerMessage{}, ctx.Err()
		case m, ok := <-c.events:
			if !ok {
				return sfu.ServerMessage{}, errors.New("sfuclient: connection closed in the lobby")
			}
			switch m.Type {
			case sfu.TypeWelcome:
				c.Welcome = m
				return m, nil
			case sfu.TypeError, sfu.TypeBye:
				return m, fmt.Errorf("sfuclient: %s %s%s", m.Type, m.Code, m.Reason)
			}
		}
	}
}
