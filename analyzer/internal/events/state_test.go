package events

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// stateStream is 25 minutes of background with bursts that overlap,
// split over clusters, in two wordings, and a gap.
func stateStream() *stream {
	s := newStream(21)
	s.background(t0, t0.Add(14*time.Minute), 20)
	s.burst(t0.Add(6*time.Minute+3*time.Second), 2*time.Minute, 60, 4, &places[0], 0.5, "flood", "river")
	s.burst(t0.Add(7*time.Minute), time.Minute, 40, 5, &places[2], 0.6, "strike", "metro")
	s.burst(t0.Add(7*time.Minute), time.Minute, 30, 6, &places[2], 0.6, "strike", "trains")
	s.burst(t0.Add(9*time.Minute), 90*time.Second, 50, 7, &places[3], 0.5, "quake", "shaking")
	s.burst(t0.Add(12*time.Minute), time.Minute, 40, 2, &places[5], 0.5, "fire", "smoke")
	// a gap of a few slides, then more
	s.background(t0.Add(16*time.Minute), t0.Add(25*time.Minute), 20)
	s.burst(t0.Add(20*time.Minute), time.Minute, 40, 3, &places[1], 0.5, "storm", "snow")
	return s
}

// stateRun feeds the windows of the stream to a detector, and logs every
// window's events and the totals; with saveAt set, the detector is saved
// after the window ending then and a new one carries on from the state.
func stateRun(t *testing.T, s *stream, saveAt time.Time) []string {
	t.Helper()
	d := detector(t, nil)
	var log []string
	for end := t0.Add(slide); !end.After(t0.Add(25 * time.Minute)); end = end.Add(slide) {
		if end.After(t0.Add(14*time.Minute)) && end.Before(t0.Add(16*time.Minute)) {
			continue // no window in the gap
		}
		evs := d.Observe(s.window(end))
		log = append(log, fmt.Sprintf("%s %+v %+v", end.Format("15:04:05"), evs, d.Stats()))
		if end.Equal(saveAt) {
			var b bytes.Buffer
			if err := d.SaveState(&b); err != nil {
				t.Fatal(err)
			}
			st := slices.Clone(b.Bytes())
			d = detector(t, nil)
			if err := d.LoadState(&b); err != nil {
				t.Fatal(err)
			}
			// What was loaded is all that was saved: saved again, the
			// same bytes (some of it, such as the last window's tests and
			// the counts of its newest slide, rarely changes what is
			// flagged, but can).
			var again bytes.Buffer
			if err := d.SaveState(&again); err != nil || !bytes.Equal(again.Bytes(), st) {
				t.Fatalf("saved after %s, loaded and saved again: %d bytes, not the %d first saved (%v)", end.Format("15:04:05"),
					again.Len(), len(st), err)
			}
		}
	}
	return log
}

// TestStateCarriesOn: a detector saved and loaded after a window flags
// the events of one never stopped, with their ids, posts, places and
// keywords, window after window.
func TestStateCarriesOn(t *testing.T) {
	s := stateStream()
	want := stateRun(t, s, time.Time{})
	flagged := 0
	for _, l := range want {
		if bytes.Contains([]byte(l), []byte("FirstSeen")) {
			flagged++
		}
	}
	if flagged < 10 {
		t.Fatalf("only %d windows with events", flagged)
	}
	// Every third window: before, while and after events start, go on
	// and end, around the gap.
	for end := t0.Add(slide); !end.After(t0.Add(25 * time.Minute)); end = end.Add(3 * slide) {
		if got := stateRun(t, s, end); !slices.Equal(got, want) {
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Fatalf("saved after %s: differs from window %d:\n%s\nnever stopped:\n%s", end.Format("15:04:05"), i, got[i], want[i])
		}
	}
}

// saved is a detector's state after 11 minutes of stateStream.
func saved(t testing.TB) []byte {
	s := stateStream()
	d, _ := New(DefaultOptions(slide, window))
	for end := t0.Add(slide); !end.After(t0.Add(11 * time.Minute)); end = end.Add(slide) {
		d.Observe(s.window(end))
	}
	if d.Stats().Active == 0 {
		t.Fatal("no event active to save")
	}
	var b bytes.Buffer
	if err := d.SaveState(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestStateRefusesWhatDoesNotFit: a state cut short, of another layout,
// or with a byte too many is refused, and the detector is left as New
// made it.
func TestStateRefusesWhatDoesNotFit(t *testing.T) {
	st := saved(t)
	for name, b := range map[string][]byte{
		"cut short":       st[:len(st)-1],
		"cut in half":     st[:len(st)/2],
		"another layout":  append([]byte{stateVersion + 1}, st[1:]...),
		"a byte too many": append(slices.Clone(st), 0),
	} {
		d := detector(t, nil)
		if err := d.LoadState(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: loaded", name)
		}
		if d.slide != 0 || len(d.events) != 0 || len(d.clusters) != 0 || d.nextID != 1 {
			t.Errorf("%s: half loaded", name)
		}
	}
}

// FuzzLoadState: whatever it is given, LoadState does not panic, and a
// detector that took a state goes on observing.
func FuzzLoadState(f *testing.F) {
	f.Add(saved(f))
	s := stateStream()
	var later []*model.Result
	for end := t0.Add(12 * time.Minute); !end.After(t0.Add(13 * time.Minute)); end = end.Add(slide) {
		later = append(later, s.window(end))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, _ := New(DefaultOptions(slide, window))
		if d.LoadState(bytes.NewReader(b)) == nil {
			for _, r := range later {
				d.Observe(r)
			}
		}
	})
}

// BenchmarkSaveState: the cost of the detector's part of a checkpoint.
func BenchmarkSaveState(b *testing.B) {
	s := stateStream()
	d, _ := New(DefaultOptions(slide, window))
	for end := t0.Add(slide); !end.After(t0.Add(11 * time.Minute)); end = end.Add(slide) {
		d.Observe(s.window(end))
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := d.SaveState(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}
