package sfu

import (
	"context"
	"fmt"
	"log/slog"
)

// pionLogger implements pion's logging.LeveledLogger on slog. Pion's debug
// and info messages go to slog's debug level, and are formatted only when
// that level is on: some of pion's debug messages print structs that
// other goroutines are writing.
type pionLogger struct{ l *slog.Logger }

func (p pionLogger) debugOn() bool { return p.l.Enabled(context.Background(), slog.LevelDebug) }

func (p pionLogger) Trace(string)          {}
func (p pionLogger) Tracef(string, ...any) {}
func (p pionLogger) Debug(m string) {
	if p.debugOn() {
		p.l.Debug(m)
	}
}
func (p pionLogger) Debugf(f string, a ...any) {
	if p.debugOn() {
		p.l.Debug(fmt.Sprintf(f, a...))
	}
}
func (p pionLogger) Info(m string)             { p.Debug(m) }
func (p pionLogger) Infof(f string, a ...any)  { p.Debugf(f, a...) }
func (p pionLogger) Warn(m string)             { p.l.Warn(m) }
func (p pionLogger) Warnf(f string, a ...any)  { p.l.Warn(fmt.Sprintf(f, a...)) }
func (p pionLogger) Error(m string)            { p.l.Error(m) }
func (p pionLogger) Errorf(f string, a ...any) { p.l.Error(fmt.Sprintf(f, a...)) }
