package window

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
)

type rec struct {
	batches []*Batch[int]
	left    []*Batch[int]
	windows []*Window[int]
	skipped int64
	events  []string // "batch N", "left N", "window END"
}

func (r *rec) Batch(b *Batch[int]) {
	r.batches = append(r.batches, b)
	r.events = append(r.events, fmt.Sprint("batch ", b.Start.Sub(t0).Seconds()))
}
func (r *rec) Left(b *Batch[int]) {
	r.left = append(r.left, b)
	r.events = append(r.events, fmt.Sprint("left ", b.Start.Sub(t0).Seconds()))
}
func (r *rec) Skipped(n int64)       { r.skipped += n }
func (r *rec) Window(w *Window[int]) { r.windows = append(r.windows, w) }

var cfg = Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func items(w *Window[int]) []int {
	var out []int
	for _, b := range w.Batches {
		out = append(out, b.Items...)
	}
	return out
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"spark defaults", cfg, ""},
		{"window not a multiple", Config{10 * time.Second, 65 * time.Second, 20 * time.Second}, "multiples"},
		{"slide not a multiple", Config{10 * time.Second, 60 * time.Second, 15 * time.Second}, "multiples"},
		{"slide longer than window", Config{10 * time.Second, 20 * time.Second, 40 * time.Second}, "longer"},
		{"zero batch", Config{0, 60 * time.Second, 20 * time.Second}, "positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSlidingWindows(t *testing.T) {
	s := NewSlider[int](cfg)
	r := &rec{}
	// One item per second for 100 s: item i at second i.
	for i := range 100 {
		s.Add(at(float64(i)), i, model.Counts{Tweets: 1})
		s.Advance(at(float64(i)), r)
	}
	s.Flush(r)
	// Windows end every 20 s: 20, 40, 60, 80, 100.
	if len(r.windows) != 5 {
		t.Fatalf("got %d windows, want 5", len(r.windows))
	}
	for k, w := range r.windows {
		end := 20 * (k + 1)
		if !w.End.Equal(at(float64(end))) || !w.Start.Equal(at(float64(end-60))) {
			t.Errorf("window %d spans %v..%v", k, w.Start, w.End)
		}
		got := items(w)
		lo := max(0, end-60)
		if len(got) != end-lo || got[0] != lo || got[len(got)-1] != end-1 {
			t.Errorf("window %d holds %v, want %d..%d", k, got, lo, end-1)
		}
		all, fresh := w.Counts()
		if all.Tweets != end-lo || fresh.Tweets != 20 {
			t.Errorf("window %d counts %d/%d, want %d/20", k, all.Tweets, fresh.Tweets, end-lo)
		}
	}
	if len(r.batches) != 10 {
		t.Errorf("got %d batches, want 10", len(r.batches))
	}
	var sum int
	for _, w := range r.windows {
		_, fresh := w.Counts()
		sum += fresh.Tweets
	}
	if sum != 100 {
		t.Errorf("fresh counts over windows add to %d, want every item once (100)", sum)
	}
}

func TestLateItemsGoToOpenBatch(t *testing.T) {
	s := NewSlider[int](cfg)
	r := &rec{}
	s.Add(at(1), 1, model.Counts{Tweets: 1})
	s.Advance(at(15), r) // closes [0,10)
	if late := s.Add(at(2), 2, model.Counts{Tweets: 1}); !late {
		t.Fatal("item for a closed batch not reported late")
	}
	s.Flush(r)
	b := r.batches[1]
	if len(b.Items) != 1 || b.Items[0] != 2 || b.Counts.Late != 1 {
		t.Fatalf("late item not in the open batch: %+v", b)
	}
}

func TestGapSkipsEmptyWindows(t *testing.T) {
	s := NewSlider[int](cfg)
	r := &rec{}
	s.Add(at(5), 1, model.Counts{Tweets: 1})
	s.Add(at(86400+5), 2, model.Counts{Tweets: 1}) // a day later
	s.Advance(at(86400+5), r)
	s.Flush(r)
	if len(r.windows) > 8 {
		t.Fatalf("%d windows for two tweets a day apart: empty windows not skipped", len(r.windows))
	}
	if r.skipped < 8000 {
		t.Fatalf("skipped %d batches, want the day's worth reported for decay", r.skipped)
	}
	for _, w := range r.windows {
		if len(items(w)) == 0 {
			t.Fatalf("empty window emitted at %v", w.End)
		}
	}
	total := int64(len(r.batches)) + r.skipped
	if want := int64(86400/10 + 2); total != want {
		t.Errorf("batches closed + skipped = %d, want %d (every batch accounted for)", total, want)
	}
}

func TestCountsWithoutItems(t *testing.T) {
	s := NewSlider[int](cfg)
	r := &rec{}
	s.AddCounts(at(3), model.Counts{Notices: 2, Malformed: 1})
	s.Flush(r)
	if len(r.windows) != 1 {
		t.Fatalf("got %d windows, want 1 holding the counts", len(r.windows))
	}
	all, _ := r.windows[0].Counts()
	if all.Notices != 2 || all.Malformed != 1 {
		t.Fatalf("got %+v", all)
	}
}

func TestNegativeTimesAlign(t *testing.T) {
	s := NewSlider[int](cfg)
	r := &rec{}
	s.Add(time.Unix(-15, 0), 1, model.Counts{Tweets: 1})
	s.Flush(r)
	if len(r.batches) == 0 || !r.batches[0].Start.Equal(time.Unix(-20, 0)) {
		t.Fatalf("batch before the epoch misaligned: %+v", r.batches)
	}
}

// TestIndexIsWhereAddPuts: Index names the batch an item lands in, late
// items included, before and after batches close.
func TestIndexIsWhereAddPuts(t *testing.T) {
	s := NewSlider[int](cfg)
	r := &rec{}
	for i, sec := range []float64{5, 12, 3, 25, 8, 31, 19, 40} {
		idx := s.Index(at(sec))
		s.Add(at(sec), i, model.Counts{Tweets: 1})
		if s.open[idx] == nil || s.open[idx].Items[len(s.open[idx].Items)-1] != i {
			t.Fatalf("item %d at %vs: Index said batch %d, Add put it elsewhere", i, sec, idx)
		}
		if sec >= 25 {
			s.Advance(at(sec-4), r) // closes batches as a watermark would
		}
	}
	if len(r.batches) == 0 {
		t.Fatal("no batch closed: the late case was not reached")
	}
	late := s.Index(at(1))
	if late != s.next || late == s.index(at(1)) {
		t.Fatalf("a late item: Index %d, want the oldest open batch %d", late, s.next)
	}
}

// TestLeftBeforeTheBatchThatPushesItOut: a batch leaves the window just
// before the batch that pushes it out closes, once, and every batch that
// left was in the windows before.
func TestLeftBeforeTheBatchThatPushesItOut(t *testing.T) {
	s := NewSlider[int](cfg)
	r := &rec{}
	for i := range 100 {
		s.Add(at(float64(i)), i, model.Counts{Tweets: 1})
		s.Advance(at(float64(i)), r)
	}
	// Batches at 0..80 s closed (the last ends at 90 s); the window holds
	// six, so 0, 10 and 20 left.
	if len(r.left) != 3 {
		t.Fatalf("%d batches left: %v", len(r.left), r.events)
	}
	for i, b := range r.left {
		if b.Start != at(float64(10*i)) {
			t.Fatalf("left %d is the batch at %v", i, b.Start)
		}
	}
	want := "batch 50 left 0 batch 60 left 10 batch 70 left 20 batch 80"
	got := strings.Join(r.events[5:], " ")
	if got != want {
		t.Fatalf("order: %s, want %s", got, want)
	}
	for _, w := range r.windows {
		for _, b := range w.Batches {
			for _, l := range r.left {
				if b == l && w.End.After(l.End.Add(cfg.Window)) {
					t.Fatalf("a batch that left at %v is in the window ending %v", l.Start, w.End)
				}
			}
		}
	}
}

// A closed batch, held for a whole window, keeps its items without the
// room appending left: at most an eighth more.
func TestClosedBatchHoldsNoSpareRoom(t *testing.T) {
	s := NewSlider[int](cfg)
	r := &rec{}
	const n = 16385 // one past a power of two: appending made room for far more
	for i := range n {
		s.Add(at(1), i, model.Counts{Tweets: 1})
	}
	s.Advance(at(15), r)
	b := r.batches[0]
	if len(b.Items) != n || b.Items[n-1] != n-1 || cap(b.Items) > len(b.Items)+len(b.Items)/8 {
		t.Fatalf("closed batch: %d items in room for %d", len(b.Items), cap(b.Items))
	}
}
