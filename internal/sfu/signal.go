package sfu

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

const (
	joinTimeout  = 10 * time.Second
	writeTimeout = 10 * time.Second
	pongTimeout  = 45 * time.Second
	pingInterval = 20 * time.Second
)

var upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}

// ServeHTTP upgrades to a WebSocket and runs one participant's signalling.
// The first message must be a join with a valid token; any bad message
// gets an error message and a clean close, and affects nobody else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered the client
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = conn.Close()
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	s.serveConn(conn)
}

func (s *Server) serveConn(conn *websocket.Conn) {
	defer conn.Close()
	// Twice the protocol's limit: messages a little over it get a clear
	// error from DecodeClientMessage; far larger ones are cut off by the
	// WebSocket layer with close code 1009 (message too big).
	conn.SetReadLimit(2 * MaxMessageBytes)
	fail := func(err error) {
		m := errorMessage(err)
		m.V = ProtocolVersion
		_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		_ = conn.WriteJSON(m)
		_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, m.Code))
	}

	_ = conn.SetReadDeadline(time.Now().Add(joinTimeout))
	m, err := readMessage(conn)
	if err != nil {
		fail(err)
		return
	}
	if m.Type != TypeJoin {
		fail(protoErr(CodeBadMessage, "the first message must be join"))
		return
	}
	claims, err := s.signer.Verify(m.Token)
	switch {
	case errors.Is(err, ErrTokenExpired):
		fail(protoErr(CodeExpired, "the invitation has expired"))
		return
	case errors.Is(err, ErrTokenNotYetValid):
		fail(protoErr(CodeNotYetValid, "the invitation is not valid yet"))
		return
	case err != nil:
		fail(protoErr(CodeBadToken, "the invitation is not valid"))
		return
	}
	revoked, err := s.store.Revoked(context.Background(), []string{claims.ID})
	switch {
	case err != nil:
		// Fail closed: a token that may be revoked does not join.
		s.log.Error("check token revocation", "err", err)
		fail(protoErr("unavailable", "the invitation cannot be checked now; try again"))
		return
	case len(revoked) > 0:
		fail(protoErr(CodeRevoked, "the invitation was revoked"))
		return
	}
	switch archived, err := s.archived(context.Background(), claims.Room); {
	case err != nil:
		s.log.Error("check whether the room is archived", "err", err)
		fail(protoErr("unavailable", "the room cannot be checked now; try again"))
		return
	case archived:
		fail(protoErr(CodeArchived, "the room is archived"))
		return
	}
	r := s.room(claims.Room)
	if r == nil {
		fail(protoErr(CodeNotFound, "the server is shutting down"))
		return
	}
	p := newParticipant(r, claims)
	go p.runOps()
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		p.writeLoop(conn)
	}()

	if err := r.enter(p); err != nil {
		p.send(errorMessage(err))
		p.close("refused")
		<-writerDone
		<-p.opsDone
		p.closeMedia()
		p.wg.Wait()
		r.leave(p)
		return
	}
	err = p.readLoop(conn)
	if err != nil {
		p.send(errorMessage(err))
		p.close("bad message")
	} else {
		p.close("left")
	}
	<-writerDone
	// The ops goroutine may be adding a track: let it finish before the
	// connections close, so that no sender is added to a closing connection
	// and left with a reader that never returns.
	<-p.opsDone
	p.closeMedia()
	p.wg.Wait()
	p.dropSubscriptions()
	r.leave(p)
}

func readMessage(conn *websocket.Conn) (ClientMessage, error) {
	_, b, err := conn.ReadMessage()
	if errors.Is(err, websocket.ErrReadLimit) {
		return ClientMessage{}, protoErr(CodeTooLarge, "message over %d bytes", MaxMessageBytes)
	}
	if err != nil {
		return ClientMessage{}, err
	}
	return DecodeClientMessage(b)
}

// writeLoop sends queued messages and pings until the participant closes,
// then says goodbye with the reason.
func (p *Participant) writeLoop(conn *websocket.Conn) {
	ping := time.NewTicker(pingInterval)
	defer ping.Stop()
	write := func(m *ServerMessage) bool {
		_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		return conn.WriteJSON(m) == nil
	}
	for {
		select {
		case m := <-p.out:
			if !write(m) {
				p.close("gone")
				_ = conn.Close()
				return
			}
		case <-ping.C:
			_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			if conn.WriteMessage(websocket.PingMessage, nil) != nil {
				p.close("gone")
				_ = conn.Close()
				return
			}
		case <-p.ctx.Done():
			// Flush what is queued (an error, for example), then say why.
			for {
				select {
				case m := <-p.out:
					if m.Type == TypeError {
						write(m)
					}
					continue
				default:
				}
				break
			}
			reason := "closed"
			if r := p.reason.Load(); r != nil {
				reason = *r
			}
			write(&ServerMessage{V: ProtocolVersion, Type: TypeBye, Reason: reason})
			_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, reason))
			// Unblock the read loop.
			_ = conn.SetReadDeadline(time.Now().Add(time.Second))
			return
		}
	}
}

// readLoop handles the client's messages until it leaves, the connection
// drops (nil) or it sends a bad message (the error).
func (p *Participant) readLoop(conn *websocket.Conn) error {
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pongTimeout)) })
	for {
		_ = conn.SetReadDeadline(time.Now().Add(pongTimeout))
		m, err := readMessage(conn)
		if p.ctx.Err() != nil {
			return nil
		}
		var pe *ProtocolError
		if errors.As(err, &pe) {
			return err
		}
		if err != nil {
			return nil // the connection dropped
		}
		if err := p.handle(m); err != nil {
			return err
		}
	}
}

// handle runs one client message. Errors are the client's fault and end
// its session; everything touching the PeerConnections runs on the ops
// goroutine.
func (p *Participant) handle(m ClientMessage) error {
	r := p.room
	r.mu.Lock()
	joined := p.joined
	r.mu.Unlock()
	switch m.Type {
	case TypePing:
		p.send(ServerMessage{Type: TypePong})
		return nil
	case TypeJoin:
		return protoErr(CodeBadMessage, "already joined")
	}
	if !joined {
		return protoErr(CodeForbidden, "you are waiting in the lobby")
	}
	perms := p.permissions()
	switch m.Type {
	case TypeOffer, TypeAnswer, TypeCandidate, TypeRestart, TypeView:
		errc := make(chan error, 1)
		p.enqueue(func() {
			switch m.Type {
			case TypeOffer:
				errc <- p.handleOffer(m)
			case TypeAnswer:
				errc <- p.handleAnswer(m)
			case TypeCandidate:
				errc <- p.handleCandidate(m)
			case TypeRestart:
				p.negotiate(true)
				errc <- nil
			case TypeView:
				errc <- p.setView(m.Track, m.Width, m.Height)
			}
		})
		select {
		case err := <-errc:
			var pe *ProtocolError
			if errors.As(err, &pe) && (pe.Code == CodeForbidden || pe.Code == CodeInterpBooth) {
				p.send(errorMessage(err)) // refused, but the session goes on
				return nil
			}
			return err
		case <-p.ctx.Done():
			return nil
		}
	case TypeMuteSelf:
		if !m.Muted {
			if err := p.unmuteSelf(m.Source); err != nil {
				p.send(errorMessage(err)) // refused, but the session goes on
			}
			return nil
		}
		p.muteTrack(m.Source, true, false)
	case TypeChat:
		if !perms.Chat {
			p.send(errorMessage(protoErr(CodeForbidden, "you may not chat")))
			return nil
		}
		now := r.s.now()
		if !p.chatAllowed(now) {
			p.send(errorMessage(protoErr(CodeRateLimit, "too many messages")))
			return nil
		}
		ctx, cancel := r.s.storeContext(p.ctx)
		cm, err := r.s.store.SaveChat(ctx, r.slug, ChatMessage{Participant: p.id, Identity: p.claims.Identity,
			Name: p.claims.Name, Delegation: p.claims.Delegation, Text: m.Text, At: now.UnixMilli()})
		cancel()
		if err != nil {
			r.log.Error("save chat", "err", err)
			p.send(errorMessage(protoErr("unavailable", "the message was not sent")))
			return nil
		}
		r.broadcast(ServerMessage{Type: TypeChat, Message: &cm})
	case TypeHand:
		r.mu.Lock()
		p.hand = m.Raised
		r.mu.Unlock()
		r.participantChanged(p)
		r.floorHand(p, m.Raised)
	case TypeFloorRequest, TypeFloorCancel, TypeFloorGrant, TypeFloorPause, TypeFloorResume, TypeFloorEnd,
		TypeFloorDeny, TypeFloorReorder, TypeFloorAgenda, TypeFloorLanguage:
		p.handleFloor(m)
	case TypeRollCallOpen, TypeRollCallClose, TypeRollCallAnswer, TypeDesignate, TypeProcSettings, TypeVoteOpen, TypeVoteCast, TypeVoteClose:
		p.handleProcedure(m)
	case TypeInterpListen, TypeInterpSign, TypeInterpHear, TypeInterpLive, TypeInterpOffer, TypeInterpAccept, TypeInterpSwitch,
		TypeInterpTakeover, TypeInterpCough, TypeInterpChat, TypeInterpSlow, TypeInterpFloor, TypeInterpDucking:
		p.handleInterp(m)
	case TypeRecord:
		if !perms.Moderate {
			p.send(errorMessage(protoErr(CodeForbidden, "only moderators may do this")))
			return nil
		}
		p.record(m.Recording)
	case TypeAdmit, TypeAdmitDelegation, TypeDeny, TypeMute, TypeAllowUnmute, TypeRemove, TypeLock:
		if !perms.Moderate {
			p.send(errorMessage(protoErr(CodeForbidden, "only moderators may do this")))
			return nil
		}
		p.moderate(m)
	}
	return nil
}

// moderate runs a moderator's action and audits it.
func (p *Participant) moderate(m ClientMessage) {
	r := p.room
	// The audit of an action is written even when the moderator leaves
	// right after it; each write has its own deadline (Room.audit).
	ctx := context.WithoutCancel(p.ctx)
	if m.Type == TypeLock {
		r.setLocked(m.Locked)
		action := "unlock"
		if m.Locked {
			action = "lock"
		}
		r.audit(ctx, p, action, nil, "")
		return
	}
	if m.Type == TypeAdmitDelegation {
		r.admitDelegation(ctx, p, m.Delegation)
		return
	}
	t := r.byID(m.Participant)
	if t == nil {
		p.send(errorMessage(protoErr(CodeNotFound, "no such participant")))
		return
	}
	switch m.Type {
	case TypeAdmit:
		r.mu.Lock()
		waiting := !t.joined
		r.mu.Unlock()
		if !waiting {
			return
		}
		if err := r.admit(t); err != nil {
			t.send(errorMessage(err))
			t.close("error")
			return
		}
		r.audit(ctx, p, "admit", t, "")
		r.pushWaiting()
	case TypeDeny:
		t.close("denied")
		r.audit(ctx, p, "deny", t, "")
	case TypeMute, TypeAllowUnmute:
		p.moderateMute(ctx, m, t)
	case TypeRemove:
		r.forget(t.claims.Identity)
		t.close("removed")
		r.audit(ctx, p, "remove", t, "")
	}
}
