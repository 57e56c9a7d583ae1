package config

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEListsEverySetting keeps the README's configuration table true.
func TestREADMEListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, s := range Settings() {
		d := s.Default()
		if d == "" {
			d = "(empty)"
		}
		row := "| `-" + s.Flag + "` | `" + s.Env + "` | `" + d + "` |"
		if !strings.Contains(readme, row) {
			t.Errorf("README lacks the row for %s: %s", s.Flag, row)
		}
	}
}
