package auth

import (
	"runtime"
	"strings"
	"testing"
)

// TestUnusableHash checks the hash unknown users' sign-ins are verified
// against: it has the service's parameters, so that verifying costs what a
// real account's does, it parses, and no password matches it, not even an
// empty one or the one a real hash of the same parameters was made from.
func TestUnusableHash(t *testing.T) {
	p := Argon2Params{Memory: 64, Time: 1, Threads: 1}
	genuine, err := HashPassword("correct horse", p)
	if err != nil {
		t.Fatal(err)
	}
	a, err := unusableHash(p)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := unusableHash(p)
	if a == b {
		t.Error("two unusable hashes are the same: their salt and key must be random")
	}
	prefix := func(h string) string { return h[:strings.LastIndexByte(h[:strings.LastIndexByte(h, '$')], '$')] }
	if prefix(a) != prefix(genuine) {
		t.Errorf("unusable hash %q has other parameters than a real one, %q", prefix(a), prefix(genuine))
	}
	gp, salt, key, err := parseHash(a)
	if err != nil {
		t.Fatalf("unusable hash does not parse: %v", err)
	}
	if gp != p || len(salt) != saltLen || len(key) != keyLen {
		t.Errorf("unusable hash: params %+v, salt %d bytes, key %d bytes; want %+v, %d, %d", gp, len(salt), len(key), p, saltLen, keyLen)
	}
	for _, pw := range []string{"", "correct horse", GeneratePassword()} {
		if ok, err := VerifyPassword(pw, a); ok || err != nil {
			t.Errorf("VerifyPassword(%q, unusable) = %v, %v; want false, nil", pw, ok, err)
		}
	}
}

// TestHashingReturnsItsMemory checks that the 64 MiB an argon2id run works
// in go back to the system when it ends: the Go runtime would keep them,
// free, for minutes after every sign-in, several times a server's live heap.
func TestHashingReturnsItsMemory(t *testing.T) {
	svc, err := NewService(Params{Argon2: DefaultArgon2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.HashPassword("correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	runtime.GC() // whatever the run left is garbage now, collected
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if kept := m.HeapIdle - m.HeapReleased; kept > 16<<20 {
		t.Errorf("%.1f MiB of free heap kept from the system after a hash (argon2id works in %d MiB)", float64(kept)/(1<<20), DefaultArgon2.Memory>>10)
	}
}
