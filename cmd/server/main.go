// Command server is Chancery: one server for a ministry of foreign affairs'
// digital diplomacy. It parses the configuration, builds every dependency,
// starts the servers and owns shutdown. It is the only package that wires
// things together and the only one that exits the process.
//
// Usage:
//
//	chancery [flags]            serve (see -help for the flags)
//	chancery user add [flags]   create a user from the command line
//	chancery audit verify       check the publishing audit log's hash chain and signed checkpoints
//	chancery token [flags]      print a conference join URL with a signed token
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := dispatch(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chancery:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the command line or configuration.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func dispatch(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "user":
			return userCommand(ctx, args[1:], environ, stdin, stdout, stderr)
		case "audit":
			return auditCommand(ctx, args[1:], environ, stdout, stderr)
		case "token":
			return tokenCommand(ctx, args[1:], environ, stdout, stderr)
		case "serve":
			args = args[1:]
		}
	}
	return serve(ctx, args, environ, stdout, stderr, nil)
}

func newLogger(format, level string, w io.Writer) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level)) // validated by config
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
