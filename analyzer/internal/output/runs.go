package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// RunsDir is where Archive moves an earlier run's files, inside the
// output directory; it keeps the KeepRuns newest.
const (
	RunsDir  = "runs"
	KeepRuns = 5
)

// Archive makes dir ready for a new run: the files an earlier run left
// there (windows.ndjson, latest.png, map-*.png) move to
// dir/runs/<when that run last wrote windows.ndjson>/, so that two runs
// never mix in one windows file, one set of maps or one timelapse; of the
// runs moved there, the KeepRuns newest are kept. It returns where the
// files went, or "" when there was nothing to move.
func Archive(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (n == "windows.ndjson" || n == "latest.png" || strings.HasPrefix(n, "map-") && strings.HasSuffix(n, ".png")) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	stamp := "earlier"
	for _, n := range []string{"windows.ndjson", "latest.png"} {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil {
			stamp = st.ModTime().UTC().Format("20060102T150405Z")
			break
		}
	}
	dest := filepath.Join(dir, RunsDir, stamp)
	for i := 2; ; i++ {
		if _, err := os.Stat(dest); errors.Is(err, fs.ErrNotExist) {
			break
		}
		dest = filepath.Join(dir, RunsDir, fmt.Sprintf("%s-%d", stamp, i))
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return "", fmt.Errorf("archiving the earlier run: %w", err)
	}
	for _, n := range names {
		if err := os.Rename(filepath.Join(dir, n), filepath.Join(dest, n)); err != nil {
			return "", fmt.Errorf("archiving the earlier run: %w", err)
		}
	}
	return dest, prune(filepath.Join(dir, RunsDir))
}

// prune removes all but the KeepRuns newest runs (their names sort by
// time).
func prune(runs string) error {
	entries, err := os.ReadDir(runs)
	if err != nil {
		return fmt.Errorf("pruning old runs: %w", err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	sort.Strings(dirs)
	for len(dirs) > KeepRuns {
		if err := os.RemoveAll(filepath.Join(runs, dirs[0])); err != nil {
			return fmt.Errorf("pruning old runs: %w", err)
		}
		dirs = dirs[1:]
	}
	return nil
}
