//go:build !windows && !plan9

package checkpoint

import (
	"fmt"
	"io"
	"log/syslog"
	"net/url"
)

// dialSyslog connects to the syslog server at addr (udp://host:port,
// tcp://host:port or unix:///path), facility auth, severity notice, tag
// chancery-audit.
func dialSyslog(addr string) (io.WriteCloser, error) {
	network, raddr, err := syslogAddr(addr)
	if err != nil {
		return nil, err
	}
	w, err := syslog.Dial(network, raddr, syslog.LOG_AUTH|syslog.LOG_NOTICE, "chancery-audit")
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	return w, nil
}

// syslogAddr splits a syslog address into the network and address
// log/syslog dials.
func syslogAddr(addr string) (network, raddr string, err error) {
	u, err := url.Parse(addr)
	if err != nil {
		return "", "", fmt.Errorf("not a syslog address (udp://host:514, tcp://host:514 or unix:///dev/log): %w", err)
	}
	switch u.Scheme {
	case "udp", "tcp":
		if u.Host == "" || u.Port() == "" || u.Path != "" {
			return "", "", fmt.Errorf("%q: want %s://host:port", addr, u.Scheme)
		}
		return u.Scheme, u.Host, nil
	case "unix", "unixgram":
		if u.Path == "" || u.Host != "" {
			return "", "", fmt.Errorf("%q: want unix:///path/to/socket", addr)
		}
		return u.Scheme, u.Path, nil
	}
	return "", "", fmt.Errorf("%q: want udp://host:514, tcp://host:514 or unix:///dev/log", addr)
}
