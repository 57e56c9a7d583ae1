package measure

import (
	"os"
	"testing"
)

// ReadProc reads this process: some CPU time after work, and an RSS that
// holds the 64 MiB it touched.
func TestReadProc(t *testing.T) {
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	p, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if p.RSS < 64<<20 {
		t.Errorf("RSS %d bytes with 64 MiB touched", p.RSS)
	}
	if p.CPU <= 0 {
		t.Errorf("CPU %v s", p.CPU)
	}
	if buf[12345] != byte(12345%256) {
		t.Fatal("buffer")
	}
	if _, err := ReadProc(1 << 30); err == nil {
		t.Error("no error for a process that does not exist")
	}
}

// The command name may hold spaces and parentheses: the fields count from
// the last ')'.
func TestParseStat(t *testing.T) {
	line := "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 130 0 0 20 0 12 0 100 1000000 500 18446744073709551615\n"
	cpu, err := parseStat(line)
	if err != nil || cpu != 3.8 {
		t.Errorf("CPU %v s, %v; want 3.8 s", cpu, err)
	}
	for _, bad := range []string{"4242 (x) S 1 2 3", "4242 (x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 ab 130 0"} {
		if _, err := parseStat(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseStatus(t *testing.T) {
	rss, err := parseStatus("Name:\tserver\nVmPeak:\t  900 kB\nVmRSS:\t   12345 kB\nThreads:\t9\n")
	if err != nil || rss != 12345<<10 {
		t.Errorf("RSS %d, %v", rss, err)
	}
	if rss, err := parseStatus("Name:\tkthreadd\n"); err != nil || rss != 0 {
		t.Errorf("no VmRSS: %d, %v", rss, err)
	}
	if _, err := parseStatus("VmRSS:\tmany kB\n"); err == nil {
		t.Error("no error for an RSS that is not a number")
	}
}
