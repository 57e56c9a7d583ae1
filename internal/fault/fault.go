// Package fault is Chancery's one error vocabulary: the kinds of failure
// (ErrNotFound, ErrConflict, ErrInvalid, …) that the store, the domain
// packages and the handlers report, and Problem, a mistake a person can act
// on, named by a message key in the locales catalogue. Each kind means the
// same thing wherever it comes from; internal/httpx turns kinds into HTTP
// statuses in its one table, so that no domain package names a status and
// the HTTP edge needs none of them.
//
// It holds plain values only. It must not import any other Chancery package.
package fault

import (
	"errors"
	"fmt"
)

// The kinds of failure. Match them with errors.Is: a Problem is of its Kind,
// and the store's ErrNotFound and ErrConflict are these values.
var (
	// ErrInvalid means the request or one of its fields breaks a rule of
	// form: text that cannot be read, a value outside its set, a field
	// missing or too long.
	ErrInvalid = errors.New("invalid")
	// ErrRefused means a well-formed request asks for something the domain
	// will not do as asked: a statement a network cannot take, a channel at
	// an address no channel may use, credentials the network rejected.
	ErrRefused = errors.New("refused")
	// ErrUnauthorized means the request carries no valid sign-in.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden means the signed-in person may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound means the thing does not exist, or exists but must be
	// treated as absent (an expired session, a disabled user's token).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the request clashes with what is stored: a unique
	// value (a username, a slug, a token hash) already taken, or a state that
	// no longer allows the change.
	ErrConflict = errors.New("conflict")
	// ErrGone means the thing existed and was taken away on purpose (a
	// withdrawn statement).
	ErrGone = errors.New("gone")
	// ErrTooLarge means the request's body is larger than allowed.
	ErrTooLarge = errors.New("too large")
	// ErrUnsupported means the request's body is not of a type accepted.
	ErrUnsupported = errors.New("unsupported content type")
	// ErrMisdirected means the request was addressed to a host this server
	// does not answer for.
	ErrMisdirected = errors.New("misdirected")
	// ErrTooMany means the person must wait before trying again.
	ErrTooMany = errors.New("too many attempts")
	// ErrInternal means Chancery failed, not the person. Any error of no
	// other kind is treated as one.
	ErrInternal = errors.New("internal error")
)

// Problem is a failure shown to a person in their language: Key is a
// message of the locales catalogue, Data its template data, Field the form
// or JSON field at fault, if any. Kind says what kind of failure it is (nil
// means ErrInvalid); Err, its cause, is for logs only.
type Problem struct {
	Kind  error
	Key   string
	Data  map[string]any
	Field string
	Err   error
}

// New returns a Problem of kind with a message key and, in kv, pairs of
// template data names and values.
func New(kind error, key string, kv ...any) *Problem {
	p := &Problem{Kind: kind, Key: key}
	for i := 0; i+1 < len(kv); i += 2 {
		if p.Data == nil {
			p.Data = map[string]any{}
		}
		p.Data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return p
}

// Invalid returns an ErrInvalid problem with field at fault.
func Invalid(field, key string, kv ...any) *Problem {
	p := New(ErrInvalid, key, kv...)
	p.Field = field
	return p
}

// Refused returns an ErrRefused problem with field at fault.
func Refused(field, key string, kv ...any) *Problem {
	p := New(ErrRefused, key, kv...)
	p.Field = field
	return p
}

// Of returns the kind of p: ErrInvalid when none is set.
func (p *Problem) Of() error {
	if p.Kind == nil {
		return ErrInvalid
	}
	return p.Kind
}

func (p *Problem) Error() string {
	s := p.Of().Error() + ": " + p.Key
	if p.Field != "" {
		s += " (" + p.Field + ")"
	}
	if len(p.Data) > 0 {
		s += fmt.Sprintf(" %v", p.Data)
	}
	if p.Err != nil {
		s += ": " + p.Err.Error()
	}
	return s
}

// Unwrap makes a Problem match its kind and its cause with errors.Is and
// errors.As.
func (p *Problem) Unwrap() []error {
	if p.Err == nil {
		return []error{p.Of()}
	}
	return []error{p.Of(), p.Err}
}

// As returns the first Problem in err's chain when it is of kind.
func As(err error, kind error) (*Problem, bool) {
	p, ok := errors.AsType[*Problem](err)
	if !ok || p.Of() != kind { //nolint:errorlint // kinds are compared as values: a kind wraps nothing
		return nil, false
	}
	return p, true
}
