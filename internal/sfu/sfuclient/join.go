package sfuclient

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
)

// Joiner joins a room of a running Chancery server as protocol
// participants, with join tokens it signs with the server's key: how the
// load tools (cmd/loadtest, bench/cmd/sfubench) join.
type Joiner struct {
	signal, room string
	signer       *sfu.Signer
	timeout      time.Duration
}

// NewJoiner joins room on the server at its base URL (http://host:port,
// whose /rooms/signal it dials), signing with the server's join-token key;
// each join may take timeout.
func NewJoiner(server, room string, key []byte, timeout time.Duration) (*Joiner, error) {
	signer, err := sfu.NewSigner(key, nil)
	if err != nil {
		return nil, err
	}
	return &Joiner{signal: "ws" + strings.TrimPrefix(server, "http") + "/rooms/signal", room: room, signer: signer, timeout: timeout}, nil
}

// Join joins as id (also its name) with perms; onTrack, when set, gets the
// tracks the participant receives. Anything but a welcome is an error.
func (j *Joiner) Join(ctx context.Context, id string, perms sfu.Permissions, onTrack func(*webrtc.TrackRemote, *webrtc.RTPReceiver)) (*Client, error) {
	tok, err := j.signer.Issue(sfu.Claims{Room: j.room, Identity: id, Name: id, Role: sfu.RoleProtocol, Permissions: perms}, time.Hour)
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, j.timeout)
	defer cancel()
	c, m, err := Dial(dctx, j.signal, tok, Options{OnTrack: onTrack})
	if err != nil {
		return nil, fmt.Errorf("join %s: %w", id, err)
	}
	if m.Type != sfu.TypeWelcome {
		c.Close()
		return nil, fmt.Errorf("join %s: got %s", id, m.Type)
	}
	return c, nil
}
