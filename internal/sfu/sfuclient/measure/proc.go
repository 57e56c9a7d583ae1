package measure

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Proc is what /proc tells of a process: its CPU time (user and system, in
// seconds) and resident memory (bytes).
type Proc struct {
	CPU float64
	RSS uint64
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every
// Linux architecture Go runs on.
const clockTicks = 100

// ReadProc reads process pid's CPU time from /proc/<pid>/stat and its
// resident memory from /proc/<pid>/status.
func ReadProc(pid int) (Proc, error) {
	var p Proc
	name := fmt.Sprintf("/proc/%d/stat", pid)
	b, err := os.ReadFile(name)
	if err != nil {
		return p, err
	}
	if p.CPU, err = parseStat(string(b)); err != nil {
		return p, fmt.Errorf("%s: %w", name, err)
	}
	name = fmt.Sprintf("/proc/%d/status", pid)
	if b, err = os.ReadFile(name); err != nil {
		return p, err
	}
	if p.RSS, err = parseStatus(string(b)); err != nil {
		return p, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// parseStat reads the CPU time, in seconds, of a /proc/<pid>/stat line.
func parseStat(s string) (float64, error) {
	// The command name is in parentheses and may hold spaces and ')':
	// fields count from after the last ')'. utime and stime are fields 14
	// and 15.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, errors.New("too short")
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return float64(ut+st) / clockTicks, nil
}

// parseStatus reads the resident memory, in bytes, of /proc/<pid>/status
// (its VmRSS line; none, as for a kernel thread, is 0).
func parseStatus(s string) (uint64, error) {
	for line := range strings.SplitSeq(s, "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, nil
}
