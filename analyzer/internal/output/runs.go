package output

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// RunsDir is where Archive moves an earlier run's files, inside the
// output directory; it keeps the KeepRuns newest by default.
const (
	RunsDir  = "runs"
	KeepRuns = 5
)

// Archive makes dir ready for a new run: the files an earlier run left
// there (windows.ndjson, events.ndjson, latest.png, map-*.png, its
// checkpoint) move to
// dir/runs/<when that run last wrote windows.ndjson>/, so that two runs
// never mix in one windows file, one set of maps or one timelapse; of the
// runs moved there, the keep newest are kept (0: all). An earlier run
// that wrote no window (an empty windows.ndjson and no map) is removed,
// not kept as a run. It returns where the files went, or "" when there
// was nothing to move.
func Archive(dir string, keep int) (string, error) {
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
		if !e.IsDir() && (n == "windows.ndjson" || n == "events.ndjson" || n == "latest.png" || n == "checkpoint" ||
			strings.HasPrefix(n, "map-") && strings.HasSuffix(n, ".png")) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	if len(names) == 1 && names[0] == "windows.ndjson" {
		if st, err := os.Stat(filepath.Join(dir, names[0])); err == nil && st.Size() == 0 {
			if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
				return "", fmt.Errorf("removing an empty run: %w", err)
			}
			return "", nil
		}
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
	return dest, prune(filepath.Join(dir, RunsDir), keep)
}

// prune removes all but the keep newest runs (their names sort by time);
// 0 keeps all.
func prune(runs string, keep int) error {
	if keep <= 0 {
		return nil
	}
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
	for len(dirs) > keep {
		if err := os.RemoveAll(filepath.Join(runs, dirs[0])); err != nil {
			return fmt.Errorf("pruning old runs: %w", err)
		}
		dirs = dirs[1:]
	}
	return nil
}

// Rotate is the first of a run's outputs: the earlier run's files move
// out of the way (Archive) only when this run has its first window to
// write, so that a run that fails to start (a wrong address or token, a
// refused handshake, an input that is no capture) or stops before its
// first window leaves the earlier run where it was.
type Rotate struct {
	Dir  string
	Keep int // runs kept in Dir/runs (0: all)
	Log  *slog.Logger
	done bool
}

// Write implements pipeline.Output: the first call archives the earlier
// run.
func (r *Rotate) Write(*model.Result) error {
	if r.done {
		return nil
	}
	r.done = true
	moved, err := Archive(r.Dir, r.Keep)
	if err != nil {
		return err
	}
	if moved != "" && r.Log != nil {
		r.Log.Info("moved the previous run's windows and maps out of the way", "to", moved)
	}
	return nil
}

// Close does nothing.
func (*Rotate) Close() error { return nil }

// Mark implements pipeline.Resumer.
func (*Rotate) Mark() (int64, error) { return 0, nil }

// Resume implements pipeline.Resumer: a run that resumes carries on the
// run in Dir, which stays.
func (r *Rotate) Resume(int64) error {
	r.done = true
	return nil
}
