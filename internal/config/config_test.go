package config

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     []string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			if c.HTTP.Addr != "localhost:8080" || c.Storage.DataDir != "./data" || c.Web.DefaultLang != "vi" || c.HTTP.MaxBodyBytes != 1<<20 {
				t.Fatalf("defaults: %+v", c)
			}
		}},
		{name: "env then flag precedence", args: []string{"-addr", "127.0.0.1:9000"}, env: []string{"CHANCERY_ADDR=127.0.0.1:7000", "CHANCERY_LOG_FORMAT=json", "CHANCERY_DEMO=true", "PATH=/bin"},
			check: func(t *testing.T, c Config) {
				if c.HTTP.Addr != "127.0.0.1:9000" || c.Log.Format != "json" || !c.Demo {
					t.Fatalf("got %+v", c)
				}
			}},
		{name: "durations", args: []string{"-session-ttl", "2h", "-read-timeout=5s"}, check: func(t *testing.T, c Config) {
			if c.Auth.SessionTTL != 2*time.Hour || c.HTTP.ReadTimeout != 5*time.Second {
				t.Fatalf("got %+v", c)
			}
		}},
		{name: "postgres url", env: []string{"CHANCERY_DATABASE_URL=postgres://u:p@db/chancery"}, check: func(t *testing.T, c Config) {
			if c.Storage.DatabaseURL == "" {
				t.Fatal("url lost")
			}
		}},
		{name: "test tooling variables are not settings", env: []string{"CHANCERY_TEST_DATABASE_URL=x", "CHANCERY_CHROMIUM=/x"}},
		{name: "unknown env", env: []string{"CHANCERY_NOPE=1"}, wantErr: "unknown environment variable CHANCERY_NOPE"},
		{name: "unknown flag", args: []string{"-nope"}, wantErr: "flag provided but not defined"},
		{name: "positional", args: []string{"extra"}, wantErr: `unexpected argument "extra"`},
		{name: "bad bool", env: []string{"CHANCERY_DEMO=maybe"}, wantErr: "CHANCERY_DEMO"},
		{name: "bad duration", env: []string{"CHANCERY_SESSION_TTL=forever"}, wantErr: "duration"},
		{name: "bad format", args: []string{"-log-format", "xml"}, wantErr: "log-format must be text or json"},
		{name: "bad level", args: []string{"-log-level", "loud"}, wantErr: "log-level"},
		{name: "bad addr", args: []string{"-addr", "nonsense"}, wantErr: "addr must be host:port"},
		{name: "bad port", args: []string{"-addr", ":99999"}, wantErr: "invalid port"},
		{name: "bad lang", args: []string{"-default-lang", "uk"}, wantErr: "default-lang must be one of"},
		{name: "tls half", args: []string{"-tls-cert", "c.pem"}, wantErr: "tls-cert and tls-key"},
		{name: "tiny body", args: []string{"-max-body", "10"}, wantErr: "max-body"},
		{name: "upload limit below the body limit", args: []string{"-max-body", "2000000", "-max-upload", "1000000"}, wantErr: "max-upload"},
		{name: "zero timeout", args: []string{"-write-timeout", "0s"}, wantErr: "write-timeout must be positive"},
		{name: "ttl range", args: []string{"-session-ttl", "1s"}, wantErr: "session-ttl"},
		{name: "second factor for admin and approver by default", check: func(t *testing.T, c Config) {
			if got := c.Auth.SecondFactorRoles(); !slices.Equal(got, []string{"admin", "approver"}) {
				t.Fatalf("default second-factor roles %v", got)
			}
		}},
		{name: "second factor for more roles", args: []string{"-require-2fa-roles", " admin, approver ,press_officer,"}, check: func(t *testing.T, c Config) {
			if got := c.Auth.SecondFactorRoles(); !slices.Equal(got, []string{"admin", "approver", "press_officer"}) {
				t.Fatalf("second-factor roles %v", got)
			}
		}},
		{name: "second factor for nobody", env: []string{"CHANCERY_REQUIRE_2FA_ROLES="}, check: func(t *testing.T, c Config) {
			if got := c.Auth.SecondFactorRoles(); len(got) != 0 {
				t.Fatalf("second-factor roles %v", got)
			}
		}},
		{name: "second factor for an unknown role", args: []string{"-require-2fa-roles", "admin,root"}, wantErr: `require-2fa-roles: unknown role "root"`},
		{name: "not postgres", args: []string{"-database-url", "mysql://root:secret@x/db"}, wantErr: "postgres://"},
		{name: "audit defaults", check: func(t *testing.T, c Config) {
			if c.Audit.CheckpointInterval != 5*time.Minute || c.Audit.CheckpointPath(c.Storage) != filepath.Join("data", "audit-checkpoints.log") || c.Audit.Syslog != "" {
				t.Fatalf("audit: %+v", c.Audit)
			}
		}},
		{name: "audit settings", env: []string{"CHANCERY_AUDIT_CHECKPOINTS=/var/log/chancery/cp.log", "CHANCERY_AUDIT_SYSLOG=udp://logs.internal:514"}, args: []string{"-audit-checkpoint-interval", "1m"},
			check: func(t *testing.T, c Config) {
				if c.Audit.CheckpointInterval != time.Minute || c.Audit.CheckpointPath(c.Storage) != "/var/log/chancery/cp.log" || c.Audit.Syslog != "udp://logs.internal:514" {
					t.Fatalf("audit: %+v", c.Audit)
				}
			}},
		{name: "audit interval too short", args: []string{"-audit-checkpoint-interval", "1s"}, wantErr: "audit-checkpoint-interval must be between 10s and 24h"},
		{name: "audit syslog not an address", args: []string{"-audit-syslog", "logs.internal"}, wantErr: "audit-syslog"},
		{name: "audit syslog without port", args: []string{"-audit-syslog", "udp://logs.internal"}, wantErr: "audit-syslog"},
		{name: "several problems at once", args: []string{"-log-format", "xml", "-log-level", "loud"}, wantErr: "log-level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.args, tc.env, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error leaks a password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestSettingsAreDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Settings() {
		if s.Usage == "" || !strings.HasPrefix(s.Env, "CHANCERY_") || seen[s.Flag] {
			t.Errorf("setting %+v", s)
		}
		seen[s.Flag] = true
	}
}

func TestSecrets(t *testing.T) {
	key := "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="
	tests := []struct {
		name    string
		env     []string
		wantErr string
	}{
		{"none", nil, ""},
		{"key", []string{"CHANCERY_SECRET_KEY=" + key}, ""},
		{"short key", []string{"CHANCERY_SECRET_KEY=c2hvcnQ="}, "secret-key must be 32 bytes"},
		{"previous", []string{"CHANCERY_SECRET_KEYS_PREVIOUS=" + key + ", " + key}, ""},
		{"bad previous", []string{"CHANCERY_SECRET_KEYS_PREVIOUS=" + key + ",nope"}, "key 2 is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(nil, tt.env, io.Discard)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Load: %v, want %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "c2hvcnQ") {
				t.Errorf("the error echoes the key: %v", err)
			}
		})
	}
	c := Default()
	c.Secrets.Key, c.Secrets.Previous = key, key
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "secrets", c.Secrets)
	for _, out := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), logged.String()} {
		if strings.Contains(out, key) || !strings.Contains(out, "[redacted]") {
			t.Errorf("the key is printed: %s", out)
		}
	}
	c = Default()
	if p, gen := c.Secrets.KeyFilePath(c.Storage); p != "data/secret.key" || !gen {
		t.Errorf("embedded key file = %q, %v", p, gen)
	}
	c.Storage.DatabaseURL = "postgres://db/x"
	if p, _ := c.Secrets.KeyFilePath(c.Storage); p != "" {
		t.Errorf("PostgreSQL key file = %q, want none generated", p)
	}
	c.Secrets.KeyFile = "/etc/chancery/key"
	if p, gen := c.Secrets.KeyFilePath(c.Storage); p != "/etc/chancery/key" || gen {
		t.Errorf("explicit key file = %q, %v", p, gen)
	}
}

func TestMetricsToken(t *testing.T) {
	const token = "a-metrics-token-of-enough-length"
	c, err := Load(nil, []string{"CHANCERY_METRICS_TOKEN=" + token}, io.Discard)
	if err != nil || c.Metrics.Token != token {
		t.Fatalf("Load: %+v, %v", c.Metrics, err)
	}
	if _, err := Load([]string{"-metrics-token", "short"}, nil, io.Discard); err == nil || !strings.Contains(err.Error(), "metrics-token must be at least") || strings.Contains(err.Error(), "short") {
		t.Errorf("a short token: %v", err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "metrics", c.Metrics)
	for _, out := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), logged.String()} {
		if strings.Contains(out, token) || !strings.Contains(out, "[redacted]") {
			t.Errorf("the token is printed: %s", out)
		}
	}
}
