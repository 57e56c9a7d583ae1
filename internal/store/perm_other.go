//go:build !unix

package store

// checkPrivateDir has nothing to check where file modes do not exist.
func checkPrivateDir(string) error { return nil }

// privateFiles has nothing to narrow where file modes do not exist.
func privateFiles(string) error { return nil }
