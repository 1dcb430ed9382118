package output

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestArchiveMovesAnEarlierRun(t *testing.T) {
	dir := t.TempDir()
	if to, err := Archive(dir); err != nil || to != "" {
		t.Fatalf("an empty directory: %q, %v", to, err)
	}
	for _, n := range []string{"windows.ndjson", "latest.png", "map-20260101T000020Z.png", "notes.txt"} {
		os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644)
	}
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	os.Chtimes(filepath.Join(dir, "windows.ndjson"), when, when)
	to, err := Archive(dir)
	if err != nil || filepath.Base(to) != "20260304T050607Z" {
		t.Fatalf("archived to %q, %v", to, err)
	}
	for _, n := range []string{"windows.ndjson", "latest.png", "map-20260101T000020Z.png"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s is still in the output directory", n)
		}
		if b, err := os.ReadFile(filepath.Join(to, n)); err != nil || string(b) != n {
			t.Errorf("%s not in the archive: %v", n, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Error("a file of the user's was moved")
	}
	// A second run with the same time stamp gets its own folder.
	os.WriteFile(filepath.Join(dir, "windows.ndjson"), nil, 0o644)
	os.Chtimes(filepath.Join(dir, "windows.ndjson"), when, when)
	if again, err := Archive(dir); err != nil || again == to {
		t.Fatalf("the second archive %q (first %q), %v", again, to, err)
	}
}

func TestArchiveKeepsTheNewestRuns(t *testing.T) {
	dir := t.TempDir()
	for i := range KeepRuns + 3 {
		os.WriteFile(filepath.Join(dir, "windows.ndjson"), nil, 0o644)
		when := time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC)
		os.Chtimes(filepath.Join(dir, "windows.ndjson"), when, when)
		if _, err := Archive(dir); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, RunsDir))
	if len(entries) != KeepRuns || entries[0].Name() != "20260101T000300Z" {
		t.Fatalf("kept %d runs, oldest %s", len(entries), entries[0].Name())
	}
}
