package output

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// eventWindows are windows in which events start, go on and end, several
// in one window.
func eventWindows() []*model.Result {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var out []*model.Result
	for i := range 12 {
		r := &model.Result{End: t0.Add(time.Duration(i) * 20 * time.Second), Events: []model.Event{}}
		for id := 1; id <= 30; id++ {
			if i >= id%5 && i < 3+id%7 { // events 1..30 live for a few windows each
				r.Events = append(r.Events, model.Event{ID: id, Cluster: id % 4, Lon: float64(id), Keywords: []string{fmt.Sprint("w", id)},
					FirstSeen: t0, Posts: 8 + i, Slide: i, P: 1e-7, FirstPosts: []string{"a", "b"},
					Examples: []model.Example{{ID: "a", Text: "words"}}})
			}
		}
		out = append(out, r)
	}
	return out
}

// TestEventsEndInOrder: the events that end in one window get their end
// lines in the order of their ids, so that a run is reproducible.
func TestEventsEndInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.ndjson")
	ev := NewEventsFile(path)
	for _, r := range eventWindows() {
		if err := ev.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	ev.Close()
	lines := readLines(t, path)
	ends := 0
	for i := 1; i < len(lines); i++ {
		a, b := lines[i-1], lines[i]
		if a.Kind == EventEnd && b.Kind == EventEnd && a.At.Equal(b.At) {
			ends++
			if a.ID >= b.ID {
				t.Fatalf("event %d ends after event %d in the same window", b.ID, a.ID)
			}
		}
	}
	if ends < 10 {
		t.Fatalf("only %d pairs of events end in one window", ends)
	}
}

// TestEventsResume: an events file stopped after any window, and carried
// on from its mark and saved state by a new Events, is the file of one
// never stopped, byte for byte; the lines written after the mark are cut.
func TestEventsResume(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.ndjson")
	ev := NewEventsFile(whole)
	for _, r := range eventWindows() {
		if err := ev.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	ev.Close()
	want, _ := os.ReadFile(whole)
	for stop := range len(eventWindows()) - 1 {
		path := filepath.Join(dir, fmt.Sprint("cut", stop, ".ndjson"))
		ev := NewEventsFile(path)
		var mark int64
		var state bytes.Buffer
		for i, r := range eventWindows() {
			if err := ev.Write(r); err != nil {
				t.Fatal(err)
			}
			if i == stop {
				var err error
				if mark, err = ev.Mark(); err != nil {
					t.Fatal(err)
				}
				if err := ev.SaveState(&state); err != nil {
					t.Fatal(err)
				}
			}
			if i == stop+1 {
				break // written after the checkpoint: cut away
			}
		}
		ev.Close()
		ev = NewEventsFile(path)
		if err := ev.LoadState(&state); err != nil {
			t.Fatal(err)
		}
		if err := ev.Resume(mark); err != nil {
			t.Fatal(err)
		}
		for _, r := range eventWindows()[stop+1:] {
			if err := ev.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		ev.Close()
		if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
			t.Fatalf("stopped after window %d: %d bytes, the file never stopped %d", stop, len(got), len(want))
		}
	}
}

// TestEventsStateRefused: a state cut short, of another layout or with a
// byte too many is refused, and the Events is left as it was.
func TestEventsStateRefused(t *testing.T) {
	ev := NewEvents(nil, nil)
	for _, r := range eventWindows()[:4] {
		ev.Write(r)
	}
	var b bytes.Buffer
	if err := ev.SaveState(&b); err != nil {
		t.Fatal(err)
	}
	saved := b.Bytes()
	for name, st := range map[string][]byte{
		"cut short":       saved[:len(saved)-1],
		"another layout":  append([]byte{eventsState + 1}, saved[1:]...),
		"a byte too many": append(slices.Clone(saved), 0),
		"empty":           nil,
	} {
		fresh := NewEvents(nil, nil)
		if err := fresh.LoadState(bytes.NewReader(st)); err == nil {
			t.Errorf("%s: loaded", name)
		}
		if len(fresh.active) != 0 || !fresh.last.IsZero() {
			t.Errorf("%s: half loaded", name)
		}
	}
	fresh := NewEvents(nil, nil)
	if err := fresh.LoadState(bytes.NewReader(saved)); err != nil || len(fresh.active) != len(ev.active) || !fresh.last.Equal(ev.last) {
		t.Errorf("the whole state: %v, %d events of %d", err, len(fresh.active), len(ev.active))
	}
}

// FuzzEventsLoadState: whatever it is given, LoadState does not panic,
// and an Events that took it writes on.
func FuzzEventsLoadState(f *testing.F) {
	ev := NewEvents(nil, nil)
	for _, r := range eventWindows()[:4] {
		ev.Write(r)
	}
	var b bytes.Buffer
	ev.SaveState(&b)
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		ev := NewEvents(func([]byte) error { return nil }, nil)
		if ev.LoadState(bytes.NewReader(b)) == nil {
			for _, r := range eventWindows()[4:] {
				if err := ev.Write(r); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
