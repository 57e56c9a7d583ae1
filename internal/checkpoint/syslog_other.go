//go:build windows || plan9

package checkpoint

import (
	"errors"
	"io"
)

// dialSyslog fails: log/syslog does not exist on this system.
func dialSyslog(string) (io.WriteCloser, error) {
	return nil, errors.New("syslog is not available on this system")
}
