// Package archtest keeps the import rules that Chancery's package comments
// state true. Its test reads the sentence of every package comment that
// says what the package "must not import", turns each term of it into a
// set of packages (a path, cmd/, the store, feature packages, the HTTP
// areas, any connector, …), and fails when the package imports one of them,
// directly or through another Chancery package. A term it does not know
// fails the test too, so a rule can be reworded but never silently skipped.
// The same test checks that the SFU's media plane depends on nothing of
// rooms, signalling, HTTP or storage.
//
// It has no code outside its tests. It must not import any other Chancery
// package: it reads the others through `go list` and go/parser.
package archtest
