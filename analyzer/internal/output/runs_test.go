package output

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
)

func TestArchiveMovesAnEarlierRun(t *testing.T) {
	dir := t.TempDir()
	if to, err := Archive(dir, KeepRuns); err != nil || to != "" {
		t.Fatalf("an empty directory: %q, %v", to, err)
	}
	for _, n := range []string{"windows.ndjson", "latest.png", "map-20260101T000020Z.png", "checkpoint", "notes.txt"} {
		os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644)
	}
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	os.Chtimes(filepath.Join(dir, "windows.ndjson"), when, when)
	to, err := Archive(dir, KeepRuns)
	if err != nil || filepath.Base(to) != "20260304T050607Z" {
		t.Fatalf("archived to %q, %v", to, err)
	}
	for _, n := range []string{"windows.ndjson", "latest.png", "map-20260101T000020Z.png", "checkpoint"} {
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
	os.WriteFile(filepath.Join(dir, "windows.ndjson"), []byte("{}\n"), 0o644)
	os.Chtimes(filepath.Join(dir, "windows.ndjson"), when, when)
	if again, err := Archive(dir, KeepRuns); err != nil || again == to {
		t.Fatalf("the second archive %q (first %q), %v", again, to, err)
	}
}

func TestArchiveKeepsTheNewestRuns(t *testing.T) {
	dir := t.TempDir()
	for i := range KeepRuns + 3 {
		os.WriteFile(filepath.Join(dir, "windows.ndjson"), []byte("{}\n"), 0o644)
		when := time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC)
		os.Chtimes(filepath.Join(dir, "windows.ndjson"), when, when)
		if _, err := Archive(dir, KeepRuns); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, RunsDir))
	if len(entries) != KeepRuns || entries[0].Name() != "20260101T000300Z" {
		t.Fatalf("kept %d runs, oldest %s", len(entries), entries[0].Name())
	}
}

func TestArchiveKeepsAllWithZero(t *testing.T) {
	dir := t.TempDir()
	for i := range KeepRuns + 2 {
		os.WriteFile(filepath.Join(dir, "windows.ndjson"), []byte("{}\n"), 0o644)
		when := time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC)
		os.Chtimes(filepath.Join(dir, "windows.ndjson"), when, when)
		if _, err := Archive(dir, 0); err != nil {
			t.Fatal(err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, RunsDir)); len(entries) != KeepRuns+2 {
		t.Fatalf("kept %d runs of %d", len(entries), KeepRuns+2)
	}
}

func TestArchiveDropsARunWithNoWindow(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "windows.ndjson"), nil, 0o644)
	to, err := Archive(dir, KeepRuns)
	if err != nil || to != "" {
		t.Fatalf("an empty run was archived to %q, %v", to, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "windows.ndjson")); err == nil {
		t.Error("the empty windows.ndjson is still there")
	}
	if _, err := os.Stat(filepath.Join(dir, RunsDir)); err == nil {
		t.Error("a runs folder was made for a run with no window")
	}
}

func TestRotateMovesNothingBeforeTheFirstWindow(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "windows.ndjson")
	os.WriteFile(old, []byte("{\"earlier\":1}\n"), 0o644)
	rot := &Rotate{Dir: dir, Keep: KeepRuns}
	win := NewWindows(old)
	// A run that ends before its first window (a failed start).
	if err := errors.Join(rot.Close(), win.Close()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(old); string(b) != "{\"earlier\":1}\n" {
		t.Fatalf("a run with no window changed the earlier windows.ndjson: %q", b)
	}
	// A run that writes one moves the earlier run, then writes its own.
	rot, win = &Rotate{Dir: dir, Keep: KeepRuns}, NewWindows(old)
	r := &model.Result{End: time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)}
	for _, o := range []interface{ Write(*model.Result) error }{rot, win, rot, win} {
		if err := o.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	win.Close()
	runs, _ := os.ReadDir(filepath.Join(dir, RunsDir))
	if len(runs) != 1 {
		t.Fatalf("%d runs archived, want 1", len(runs))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, RunsDir, runs[0].Name(), "windows.ndjson")); string(b) != "{\"earlier\":1}\n" {
		t.Errorf("the archived run holds %q", b)
	}
	if b, _ := os.ReadFile(old); strings.Count(string(b), "\n") != 2 || strings.Contains(string(b), "earlier") {
		t.Errorf("the new windows.ndjson holds %q", b)
	}
}
