//go:build !unix

package store

// fileLock does nothing where flock is missing: Chancery's servers run on
// Unix, and this only keeps the package building elsewhere for development.
type fileLock struct{}

func acquireLock(string) (*fileLock, error) { return &fileLock{}, nil }

func (*fileLock) release() error { return nil }
