package events

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
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
// With layout1, the first detector hashes words as layout 1 did.
func stateRun(t *testing.T, s *stream, saveAt time.Time, layout1 bool) []string {
	t.Helper()
	d := detector(t, nil)
	d.hash.fnv = layout1
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
			if want := map[bool]byte{false: stateVersion, true: 1}[layout1]; st[0] != want {
				t.Fatalf("saved layout %d, not %d", st[0], want)
			}
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
	want := stateRun(t, s, time.Time{}, false)
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
		if got := stateRun(t, s, end, false); !slices.Equal(got, want) {
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Fatalf("saved after %s: differs from window %d:\n%s\nnever stopped:\n%s", end.Format("15:04:05"), i, got[i], want[i])
		}
	}
}

// TestStateOfLayout1CarriesOn: a detector that hashes words as layout 1
// did (FNV-1a) saves layout 1, and a detector loaded from that state goes
// on hashing them so and flags what the first would have: a run resumed
// from a checkpoint written before layout 2 keeps what it learnt.
func TestStateOfLayout1CarriesOn(t *testing.T) {
	s := stateStream()
	want := stateRun(t, s, time.Time{}, true)
	if slices.Equal(want, stateRun(t, s, time.Time{}, false)) {
		t.Fatal("the stream flags the same, to the chances, with either hash: the test cannot tell them apart")
	}
	for _, at := range []time.Time{t0.Add(7 * time.Minute), t0.Add(12*time.Minute + 20*time.Second)} {
		if got := stateRun(t, s, at, true); !slices.Equal(got, want) {
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Fatalf("saved after %s: differs from window %d:\n%s\nnever stopped:\n%s", at.Format("15:04:05"), i, got[i], want[i])
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
	ahead := detector(t, nil)
	if err := ahead.LoadState(bytes.NewReader(st)); err != nil {
		t.Fatal(err)
	}
	ahead.cellWords.slide = ahead.slide + 1 // what one damaged byte can say
	var later bytes.Buffer
	if err := ahead.SaveState(&later); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"cut short":                st[:len(st)-1],
		"cut in half":              st[:len(st)/2],
		"another layout":           append([]byte{stateVersion + 1}, st[1:]...),
		"a byte too many":          append(slices.Clone(st), 0),
		"words of a slide to come": later.Bytes(),
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
	small, _ := smallChanges(f)
	f.Add(small)
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

// BenchmarkSaveState: the cost of the detector's part of a checkpoint,
// as at a slide: a window observed (not timed), then the state saved,
// whole or only its changes since the last save. Every 42 slides the
// detector starts again from its state after 11 minutes of the stream
// (not timed).
func BenchmarkSaveState(b *testing.B) {
	for _, changes := range []bool{false, true} {
		name := "whole"
		if changes {
			name = "changes"
		}
		b.Run(name, func(b *testing.B) { benchmarkSave(b, changes) })
	}
}

func benchmarkSave(b *testing.B, changes bool) {
	s := stateStream()
	var d *Detector
	warm := saved(b)
	var windows []*model.Result
	for end := t0.Add(11*time.Minute + slide); !end.After(t0.Add(25 * time.Minute)); end = end.Add(slide) {
		windows = append(windows, s.window(end))
	}
	var buf bytes.Buffer
	var save func(io.Writer) error
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		if i%len(windows) == 0 {
			d, _ = New(DefaultOptions(slide, window))
			if err := d.LoadState(bytes.NewReader(warm)); err != nil {
				b.Fatal(err)
			}
			if err := d.SaveState(&buf); err != nil {
				b.Fatal(err)
			}
			save = d.SaveState
			if changes {
				save = d.SaveChanges
			}
		}
		d.Observe(windows[i%len(windows)])
		i++
		buf.Reset()
		b.StartTimer()
		if err := save(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}

// TestStateSavedOftenIsSavedOnce: a detector saved after every window, its
// sketches encoded block by block as they change, saves at the end the
// bytes of one that never saved before.
func TestStateSavedOftenIsSavedOnce(t *testing.T) {
	s := stateStream()
	often, once := detector(t, nil), detector(t, nil)
	var b bytes.Buffer
	for end := t0.Add(slide); !end.After(t0.Add(25 * time.Minute)); end = end.Add(slide) {
		w := s.window(end)
		often.Observe(w)
		once.Observe(w)
		b.Reset()
		if err := often.SaveState(&b); err != nil {
			t.Fatal(err)
		}
	}
	var last bytes.Buffer
	if err := once.SaveState(&last); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), last.Bytes()) {
		t.Fatalf("saved after every window: %d bytes at the end; saved once: %d", b.Len(), last.Len())
	}
}

// TestSketchEncodesWhatItHolds: a sketch, through rescales, encodes
// every bucket that holds a count and no other (as a scan of every bucket
// finds them), and decodes to its counts; a count that fades below faded
// is forgotten at a rescale.
func TestSketchEncodesWhatItHolds(t *testing.T) {
	const bits = 14
	keep := 0.9
	s := newSketch(bits, keep)
	rng := rand.New(rand.NewPCG(3, 4))
	for at := int64(1); at < 2*rescaleEvery+20; at++ {
		for range rng.IntN(40) {
			s.add(rng.Uint64N(300), float64(1+rng.IntN(3)), at)
		}
		if at%7 != 0 && at != 2*rescaleEvery+19 && at != rescaleEvery {
			continue
		}
		var got checkpoint.Encoder
		s.encode(&got, false)
		if want := scanned(s); !bytes.Equal(got.B, want) {
			t.Fatalf("slide %d: encoded %d bytes; a scan of every bucket, %d", at, len(got.B), len(want))
		}
		back := newSketch(bits, keep)
		d := &checkpoint.Decoder{B: got.B}
		if err := back.decode(d, false); err != nil || d.Err != nil || len(d.B) != 0 {
			t.Fatalf("slide %d: decoding: %v %v, %d bytes left", at, err, d.Err, len(d.B))
		}
		var again checkpoint.Encoder
		back.encode(&again, false)
		if back.base != s.base || !slices.Equal(back.rows[0], s.rows[0]) || !bytes.Equal(again.B, got.B) {
			t.Fatalf("slide %d: decoded counts differ", at)
		}
	}
	// A key added once, long ago, is gone from the buckets, not only small.
	s = newSketch(bits, keep)
	s.add(hashWord("once"), 1, 1)
	s.add(hashWord("now"), 1, 2*rescaleEvery)
	held := 0
	for _, v := range s.rows[0] {
		if v != 0 {
			held++
		}
	}
	if held != 1 {
		t.Errorf("%d buckets hold a count after a key faded, want 1", held)
	}
}

// scanned is the sketch's encoding from a scan of every bucket.
func scanned(s *sketch) []byte {
	var e checkpoint.Encoder
	e.Int(s.base)
	for _, row := range s.rows {
		e.Uint(uint64(len(row)))
		var body checkpoint.Encoder
		n, last := 0, -1
		for j, v := range row {
			if v != 0 {
				body.Uint(uint64(j - last))
				body.Float32(v)
				last, n = j, n+1
			}
		}
		e.Uint(uint64(n))
		e.B = append(e.B, body.B...)
	}
	return e.B
}

// TestSketchChangesThroughRescales: a sketch saved whole once and then
// only its changes, now and then, through rescales (which change every
// count, and forget some), loads from them with every count and mark of
// the sketch saved; a change saves fewer buckets than the sketch holds.
func TestSketchChangesThroughRescales(t *testing.T) {
	const bits = 14
	keep := 0.9
	s, back := newSketch(bits, keep), newSketch(bits, keep)
	rng := rand.New(rand.NewPCG(5, 6))
	small := 0
	for at := int64(1); at < 2*rescaleEvery+40; at++ {
		for range rng.IntN(40) {
			s.add(rng.Uint64N(3000), float64(1+rng.IntN(3)), at)
		}
		if at%3 == 0 {
			continue // not saved: its changes go with the next
		}
		var e checkpoint.Encoder
		changes := at > 1
		s.encode(&e, changes)
		d := &checkpoint.Decoder{B: e.B}
		if err := back.decode(d, changes); err != nil || d.Err != nil || len(d.B) != 0 {
			t.Fatalf("slide %d: decoding: %v %v, %d bytes left", at, err, d.Err, len(d.B))
		}
		if back.base != s.base || !slices.Equal(back.rows[0], s.rows[0]) || !slices.Equal(heldOf(back), heldOf(s)) {
			t.Fatalf("slide %d: the counts loaded from the changes differ from the sketch's", at)
		}
		if whole := scanned(s); changes && len(e.B) < len(whole)/4 {
			small++
		}
	}
	if small < 2*rescaleEvery/3 {
		t.Errorf("only %d of the changes saved were under a quarter of the whole sketch", small)
	}
}

// TestStateChangesLoadAsSaved: a detector saved whole, then only its
// changes (not after every window: the changes of a window not saved go
// with the next), and now and then whole again, loads from the last whole
// state and the changes after it, in order, what a detector that saved
// whole every time saves, window after window; the changes are far
// smaller than the whole states.
func TestStateChangesLoadAsSaved(t *testing.T) {
	gone := 0
	often := func(n int) bool { return n%4 != 3 }
	// A short half-life forgets rates between two saves; saves further
	// apart than pruneEvery see a rate forgotten and made again.
	for _, c := range []struct {
		halfLife time.Duration
		save     func(n int) bool
		wholeAt  int
	}{
		{DefaultHalfLife, often, 41},
		{2 * time.Minute, often, 41},
		{2 * time.Minute, func(n int) bool { return n%45 == 1 }, -1},
		{slide, func(n int) bool { return n%(pruneEvery+2) == 1 }, -1},
	} {
		gone += changesLoadAsSaved(t, func(o *Options) { o.HalfLife = c.halfLife }, c.save, c.wholeAt)
	}
	if gone == 0 {
		t.Error("no rate was forgotten between two saves: the changes never said one was")
	}
}

// changesLoadAsSaved runs TestStateChangesLoadAsSaved with the options
// mod gives, saving after the windows save says (whole the first time and
// at window wholeAt), and returns how many rates were forgotten between
// saves.
func changesLoadAsSaved(t *testing.T, mod func(*Options), save func(n int) bool, wholeAt int) (gone int) {
	s := stateStream()
	d, whole := detector(t, mod), detector(t, mod)
	var loaded *Detector
	var changeBytes, wholeBytes int
	n := 0
	for end := t0.Add(slide); !end.After(t0.Add(25 * time.Minute)); end = end.Add(slide) {
		if end.After(t0.Add(14*time.Minute)) && end.Before(t0.Add(16*time.Minute)) {
			continue // no window in the gap
		}
		w := s.window(end)
		d.Observe(w)
		whole.Observe(w)
		n++
		if !save(n) {
			continue
		}
		gone += len(d.goneClusters) + len(d.goneCells)
		var b bytes.Buffer
		if loaded == nil || n == wholeAt {
			if err := d.SaveState(&b); err != nil {
				t.Fatal(err)
			}
			loaded = detector(t, mod)
			if err := loaded.LoadState(&b); err != nil {
				t.Fatal(err)
			}
		} else {
			if err := d.SaveChanges(&b); err != nil {
				t.Fatal(err)
			}
			changeBytes += b.Len()
			if err := loaded.LoadChanges(&b); err != nil {
				t.Fatalf("window %d: %v", n, err)
			}
		}
		var want, got bytes.Buffer
		if err := whole.SaveState(&want); err != nil {
			t.Fatal(err)
		}
		wholeBytes += want.Len()
		if err := loaded.SaveState(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("window %d (%s): loaded from changes, saves %d bytes; saved whole, %d", n, end.Format("15:04:05"), got.Len(), want.Len())
		}
	}
	if wholeAt > 0 && changeBytes > wholeBytes/3 {
		t.Errorf("the changes saved %d bytes, the whole states %d", changeBytes, wholeBytes)
	}
	return gone
}

// stateAndChanges is a detector's state after the window of s ending at
// at, and its changes after the next window.
func stateAndChanges(t testing.TB, s *stream, at time.Time) (state, change []byte) {
	d, _ := New(DefaultOptions(slide, window))
	var b, c bytes.Buffer
	for end := t0.Add(slide); !end.After(at.Add(slide)); end = end.Add(slide) {
		d.Observe(s.window(end))
		if end.Equal(at) {
			if err := d.SaveState(&b); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := d.SaveChanges(&c); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), c.Bytes()
}

// changes is a detector's state after 11 minutes of stateStream, and its
// changes after the next window.
func changes(t testing.TB) (state, change []byte) {
	return stateAndChanges(t, stateStream(), t0.Add(11*time.Minute))
}

// smallChanges is the same after three minutes of a sparse stream: seeds
// small enough for the fuzzers to mutate quickly.
func smallChanges(t testing.TB) (state, change []byte) {
	s := newStream(4)
	s.background(t0, t0.Add(4*time.Minute), 2)
	return stateAndChanges(t, s, t0.Add(3*time.Minute))
}

// TestChangesRefusedWhenTheyDoNotFit: changes cut short, with a byte too
// many, of another layout or of a layout other than their state's, or
// with no state loaded before are refused,
// and the detector is left as New made it; a detector never saved has no
// changes to save.
func TestChangesRefusedWhenTheyDoNotFit(t *testing.T) {
	st, ch := changes(t)
	for name, b := range map[string][]byte{
		"cut short":       ch[:len(ch)-1],
		"cut in half":     ch[:len(ch)/2],
		"another layout":  append([]byte{stateVersion + 1}, ch[1:]...),
		"layout 1":        append([]byte{1}, ch[1:]...),
		"on layout 1":     ch,
		"a byte too many": append(slices.Clone(ch), 0),
		"no state before": ch,
	} {
		d := detector(t, nil)
		if name != "no state before" {
			base := st
			if name == "on layout 1" { // the same state, its words hashed as layout 1 did
				base = append([]byte{1}, st[1:]...)
			}
			if err := d.LoadState(bytes.NewReader(base)); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.LoadChanges(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: loaded", name)
		}
		if d.slide != 0 || len(d.events) != 0 || len(d.clusters) != 0 || d.nextID != 1 || d.saved {
			t.Errorf("%s: half loaded", name)
		}
	}
	d := detector(t, nil)
	d.Observe(stateStream().window(t0.Add(slide)))
	if err := d.SaveChanges(&bytes.Buffer{}); err == nil {
		t.Error("a detector never saved saved its changes")
	}
}

// FuzzLoadChanges: whatever changes it is given after a state, LoadChanges
// does not panic, and a detector that took them goes on observing.
func FuzzLoadChanges(f *testing.F) {
	st, ch := changes(f)
	f.Add(ch)
	smallState, small := smallChanges(f)
	s := stateStream()
	var later []*model.Result
	for end := t0.Add(12 * time.Minute); !end.After(t0.Add(13 * time.Minute)); end = end.Add(slide) {
		later = append(later, s.window(end))
	}
	f.Add(small)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, _ := New(DefaultOptions(slide, window))
		base := st
		if len(b) < 2*len(small) { // the small changes are of the small state
			base = smallState
		}
		if err := d.LoadState(bytes.NewReader(base)); err != nil {
			t.Fatal(err)
		}
		if d.LoadChanges(bytes.NewReader(b)) == nil {
			for _, r := range later {
				d.Observe(r)
			}
		}
	})
}

// heldOf returns a sketch's held bits, by word.
func heldOf(s *sketch) []uint64 {
	var out []uint64
	for w := 0; 2*w < len(s.flags[0]); w++ {
		out = append(out, s.flags[0][2*w])
	}
	return out
}
