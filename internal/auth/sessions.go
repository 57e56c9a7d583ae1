package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
)

// SessionInfo is one of a user's sessions as the sessions page shows it.
// Handle names it in forms: derived from the stored hash, it opens
// nothing.
type SessionInfo struct {
	Handle     string
	Device     string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	Current    bool
}

// sessionHandle names a session without giving out its stored hash.
func sessionHandle(idHash string) string {
	sum := sha256.Sum256([]byte("chancery-session-handle:" + idHash))
	return hex.EncodeToString(sum[:10])
}

// Sessions lists userID's sessions, marking the one whose cookie secret is
// current.
func (s *Service) Sessions(ctx context.Context, userID int64, current string) ([]SessionInfo, error) {
	list, err := s.db.ListUserSessions(ctx, userID)
	if err != nil {
		return nil, err
	}
	cur := hashSecret(current)
	out := make([]SessionInfo, 0, len(list))
	for _, x := range list {
		out = append(out, SessionInfo{Handle: sessionHandle(x.IDHash), Device: Device(x.UserAgent), IP: x.IP,
			CreatedAt: x.CreatedAt, LastSeenAt: x.LastSeenAt, Current: x.IDHash == cur})
	}
	return out, nil
}

// EndSession signs u out of the session named handle, and reports whether
// there was one; by is who decided it (u itself, or an administrator).
func (s *Service) EndSession(ctx context.Context, by, u account.User, handle string) (bool, error) {
	list, err := s.db.ListUserSessions(ctx, u.ID)
	if err != nil {
		return false, err
	}
	for _, x := range list {
		if sessionHandle(x.IDHash) == handle {
			if err := s.db.DeleteSession(ctx, x.IDHash); err != nil {
				return false, err
			}
			return true, s.auditAs(ctx, by, "session.end", map[string]any{"username": u.Username, "device": Device(x.UserAgent), "address": x.IP})
		}
	}
	return false, nil
}

// EndOtherSessions signs u out everywhere but the session of the cookie
// secret keep.
func (s *Service) EndOtherSessions(ctx context.Context, u account.User, keep string) error {
	if err := s.db.DeleteOtherSessions(ctx, u.ID, hashSecret(keep)); err != nil {
		return err
	}
	return s.auditAs(ctx, u, "session.end-others", map[string]any{"username": u.Username})
}

// EndAllSessions signs u out everywhere; by is the administrator.
func (s *Service) EndAllSessions(ctx context.Context, by, u account.User) error {
	if err := s.db.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	return s.auditAs(ctx, by, "session.end-all", map[string]any{"username": u.Username})
}

// SignOutAudited ends the session of secret and audits it when there was
// one.
func (s *Service) SignOutAudited(ctx context.Context, secret string) error {
	sess, u, err := s.db.GetSession(ctx, hashSecret(secret))
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return err
	}
	if err := s.db.DeleteSession(ctx, sess.IDHash); err != nil {
		return err
	}
	return s.auditAs(ctx, u, "session.signout", map[string]any{"username": u.Username})
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
