package mail

import (
	"context"
	"log/slog"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
)

// Queue is the mail outbox the relay empties (*store.DB).
type Queue interface {
	ClaimMail(ctx context.Context, limit int, lease time.Duration) ([]store.OutboxMail, error)
	MarkMailSent(ctx context.Context, id int64) error
	MarkMailFailed(ctx context.Context, id int64, reason string, retryAt time.Time) error
}

// Transport delivers one message (*Sender).
type Transport interface {
	Send(ctx context.Context, to string, msg []byte) error
}

// Relay sends the outbox's messages: those written with a decision go out
// after its transaction committed, and a message the server did not take
// is tried again later, from any instance.
type Relay struct {
	Queue     Queue
	Transport Transport
	Log       *slog.Logger
	Now       func() time.Time
	// Interval is how often the outbox is read; Kick sends at once.
	Interval time.Duration
	// Lease is how long a claimed message is held before another instance
	// may take it (the sender died).
	Lease time.Duration
	// MaxAttempts is how many times a message is tried before it is left
	// with its error (a permanent refusal ends it at once).
	MaxAttempts int

	kick chan struct{}
}

// NewRelay returns a relay with the defaults: every 30 s, 5 min leases,
// 12 attempts.
func NewRelay(q Queue, t Transport, log *slog.Logger, now func() time.Time) *Relay {
	if now == nil {
		now = time.Now
	}
	return &Relay{Queue: q, Transport: t, Log: log, Now: now, Interval: 30 * time.Second, Lease: 5 * time.Minute, MaxAttempts: 12,
		kick: make(chan struct{}, 1)}
}

// Kick asks the relay to read the outbox now (a decision just wrote mail).
func (r *Relay) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run sends until ctx ends.
func (r *Relay) Run(ctx context.Context) {
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	for {
		r.Flush(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.kick:
		}
	}
}

// backoff is the wait before attempt n+1: 30 s doubling, at most an hour.
func backoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Flush sends every message due now and returns how many went. A failure
// is recorded on its message and logged without the message's text.
func (r *Relay) Flush(ctx context.Context) int {
	sent := 0
	for ctx.Err() == nil {
		batch, err := r.Queue.ClaimMail(ctx, 20, r.Lease)
		if err != nil {
			r.Log.ErrorContext(ctx, "mail: read the outbox", "err", err)
			return sent
		}
		if len(batch) == 0 {
			return sent
		}
		for _, m := range batch {
			err := r.Transport.Send(ctx, m.Recipient, m.Message)
			if err == nil {
				if err := r.Queue.MarkMailSent(ctx, m.ID); err != nil {
					r.Log.ErrorContext(ctx, "mail: mark sent", "id", m.ID, "err", err)
				}
				sent++
				continue
			}
			retry := r.Now().Add(backoff(m.Attempts))
			if Permanent(err) || m.Attempts >= r.MaxAttempts {
				retry = r.Now().Add(100 * 365 * 24 * time.Hour) // kept with its error, not tried again
			}
			r.Log.WarnContext(ctx, "mail: not sent", "id", m.ID, "attempt", m.Attempts, "retry_at", retry, "err", err)
			if err := r.Queue.MarkMailFailed(ctx, m.ID, err.Error(), retry); err != nil {
				r.Log.ErrorContext(ctx, "mail: mark failed", "id", m.ID, "err", err)
			}
		}
	}
	return sent
}

// Outbox is where messages wait for the relay (*store.DB).
type Outbox interface {
	EnqueueMail(ctx context.Context, mails ...store.OutboxMail) error
}

// Enqueue writes the messages, from the address from and dated at, to the
// outbox; the relay sends them (Kick it to send at once). A message that
// cannot be written (a bad address) is refused before any is queued.
func Enqueue(ctx context.Context, o Outbox, from string, at time.Time, msgs ...Message) error {
	mails := make([]store.OutboxMail, 0, len(msgs))
	for _, m := range msgs {
		to, err := m.Recipient()
		if err != nil {
			return err
		}
		data, err := m.Bytes(from, at)
		if err != nil {
			return err
		}
		mails = append(mails, store.OutboxMail{Recipient: to, Message: data})
	}
	return o.EnqueueMail(ctx, mails...)
}
