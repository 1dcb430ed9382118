package replace

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRemoveLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint")
	tmp, err := createTemp(path) // as a killed File leaves it
	if err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	keep := []string{"checkpoint", ".checkpoint.notours", ".other.0123456789abcdef"}
	for _, n := range keep {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	if err := RemoveLeftovers(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp.Name()); err == nil {
		t.Error("the leftover is still there")
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed", n)
		}
	}
}
