package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/window"
)

// changeSpy is a detector whose state is saved whole and as changes: it
// counts the windows it saw, and remembers what it was loaded from.
type changeSpy struct {
	countingDetector
	loads []string
}

func (d *changeSpy) SaveState(w io.Writer) error {
	_, err := fmt.Fprintf(w, "whole %d", d.seen)
	return err
}

func (d *changeSpy) SaveChanges(w io.Writer) error {
	_, err := fmt.Fprintf(w, "changes %d", d.seen)
	return err
}

func (d *changeSpy) LoadState(r io.Reader) error { return d.load(r, "whole") }

func (d *changeSpy) LoadChanges(r io.Reader) error { return d.load(r, "changes") }

func (d *changeSpy) load(r io.Reader, kind string) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	var n int
	if _, err := fmt.Sscanf(string(b), kind+" %d", &n); err != nil {
		return fmt.Errorf("not %s: %q", kind, b)
	}
	if kind == "changes" && n != d.seen+1 {
		return fmt.Errorf("changes to %d after %d", n, d.seen)
	}
	d.seen = n
	d.loads = append(d.loads, string(b))
	return nil
}

// stateRecords reads the records of a state file.
func stateRecords(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []string
	for len(data) > 0 {
		n, k := binary.Uvarint(data)
		if k <= 0 || int(n)+4 > len(data)-k {
			t.Fatalf("%s: a record cut short", path)
		}
		recs = append(recs, string(data[k:k+int(n)]))
		data = data[k+int(n)+4:]
	}
	return recs
}

// TestCheckpointStateFiles: a ChangeStater's state is written whole to a
// state file, then only its changes, appended at each checkpoint, and
// whole again to a new file once the changes outgrow the budget, the old
// file then removed; a run resumes from the whole state and the changes
// after it, in order, to the windows of one never stopped, ignoring a
// record a crash left after what the checkpoint names, and begins a new
// state file; a checkpoint whose state file is missing, cut short or
// damaged is refused whole, naming the file; a run whose input ends leaves
// none.
func TestCheckpointStateFiles(t *testing.T) {
	dir := t.TempDir()
	co := CheckpointOptions{Path: filepath.Join(dir, "checkpoint"), Input: "in"}
	run := func(det Detector, out *windowLines, stop int) []string { return detectorRun(t, co, det, out, stop) }
	stateFiles := func() []string {
		names, _ := filepath.Glob(filepath.Join(dir, "checkpoint.state.*"))
		return names
	}
	if err := os.WriteFile(filepath.Join(dir, "checkpoint.state.3"), []byte("old"), 0o644); err != nil { // another run's
		t.Fatal(err)
	}
	out := &windowLines{}
	run(&changeSpy{}, out, 9)
	files := stateFiles()
	if len(files) != 1 || filepath.Base(files[0]) == "checkpoint.state.3" {
		t.Fatalf("state files %v after nine windows: want one, not another run's", files)
	}
	saved, _ := os.ReadFile(co.Path)
	if !strings.Contains(string(saved), filepath.Base(files[0])) {
		t.Fatalf("the checkpoint does not name %s", files[0])
	}
	recs := stateRecords(t, files[0])
	var first int
	if _, err := fmt.Sscanf(recs[0], "whole %d", &first); err != nil || first < 2 {
		t.Fatalf("the state file begins with %q: want the state whole, written anew after the changes outgrew it", recs[0])
	}
	for i, r := range recs[1:] {
		if want := fmt.Sprintf("changes %d", first+1+i); r != want {
			t.Fatalf("record %d is %q, want %q", i+1, r, want)
		}
	}
	if len(recs) > stateChangeBudget+2 {
		t.Fatalf("%d records in one state file: the changes outgrew the budget", len(recs))
	}

	// A record a crash left after the checkpoint's own is not read.
	f, _ := os.OpenFile(files[0], os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{9, 'c', 'h', 'a', 'n', 'g', 'e', 's', ' ', '0', 0, 0, 0, 0})
	f.Close()
	resume := func() (*changeSpy, *Pipeline, error) {
		spy := &changeSpy{}
		p := New(Options{Source: fileSource(t, strings.NewReader(""), nil), Capture: true, Clock: ClockEvent, Checkpoint: co, Events: spy,
			Window: window.Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}}, &stateModel{}, &windowLines{got: make([]string, 100)})
		return spy, p, p.resume()
	}
	spy, p, err := resume()
	if err != nil || !p.resumed || !slices.Equal(spy.loads, recs) {
		t.Fatalf("resumed %v, loaded %q, want %q, %v", p.resumed, spy.loads, recs, err)
	}

	good, _ := os.ReadFile(files[0])
	name := filepath.Base(files[0])
	for what, c := range map[string]struct {
		file []byte // nil: removed
		want string
	}{
		"missing":   {nil, "needs the state file " + name + ", which is missing"},
		"cut short": {good[:len(good)/2], "of the state file " + name + ", which is cut short"},
		"damaged":   {append(slices.Clone(good[:3]), append([]byte{good[3] ^ 1}, good[4:]...)...), "needs the state file " + name + ", which is damaged"},
	} {
		os.Remove(files[0])
		if c.file != nil {
			os.WriteFile(files[0], c.file, 0o644)
		}
		_, p, err := resume()
		var ce *CheckpointError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a CheckpointError saying %q", what, err, c.want)
		}
		if p.resumed || p.windows != 0 {
			t.Errorf("%s: a refused checkpoint was half loaded", what)
		}
	}
	os.WriteFile(files[0], good, 0o644)

	// Resumed, the next checkpoint writes the state whole to a new file.
	run(&changeSpy{}, out, 2)
	after := stateFiles()
	if len(after) != 1 || after[0] == files[0] {
		t.Fatalf("state files %v after resuming from %s", after, files[0])
	}
	if recs := stateRecords(t, after[0]); !strings.HasPrefix(recs[0], "whole ") {
		t.Fatalf("a resumed run's state file begins with %q", recs[0])
	}
	det := &changeSpy{}
	got := run(det, out, 0)
	whole := &changeSpy{}
	want := run(whole, &windowLines{}, 0)
	if det.seen != whole.seen || !slices.Equal(got, want) {
		t.Fatalf("the resumed detector saw %d windows in all, the whole run's %d", det.seen, whole.seen)
	}
	if left := stateFiles(); len(left) != 0 {
		t.Errorf("a run whose input ended left state files %v", left)
	}
}
