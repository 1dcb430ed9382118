package window

import (
	"fmt"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// TestStateRestore: a slider restored from another's state emits, from
// there on, exactly what the other does.
func TestStateRestore(t *testing.T) {
	cfg := Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	feed := func(s *Slider[int], h Handler[int], from, to int) {
		for i := from; i < to; i++ {
			at := t0.Add(time.Duration(i) * 3 * time.Second)
			s.Add(at, i, model.Counts{Tweets: 1})
			s.Advance(at.Add(-5*time.Second), h)
		}
	}
	a, ra := NewSlider[int](cfg), &stateRec{}
	feed(a, ra, 0, 50)
	b, rb := NewSlider[int](cfg), &stateRec{}
	if err := b.Restore(a.State()); err != nil {
		t.Fatal(err)
	}
	ra.log = nil
	feed(a, ra, 50, 120)
	a.Flush(ra)
	feed(b, rb, 50, 120)
	b.Flush(rb)
	if len(ra.log) == 0 || fmt.Sprint(ra.log) != fmt.Sprint(rb.log) {
		t.Fatalf("restored slider emitted\n%v\nthe original\n%v", rb.log, ra.log)
	}
	bad := a.State()
	bad.Next += 3
	if err := NewSlider[int](cfg).Restore(bad); err == nil {
		t.Error("a ring that does not end before Next was restored")
	}
}

type stateRec struct{ log []string }

func (r *stateRec) Batch(b *Batch[int]) {
	r.log = append(r.log, fmt.Sprint("batch ", b.Index, b.Items))
}
func (r *stateRec) Left(b *Batch[int]) { r.log = append(r.log, fmt.Sprint("left ", b.Index)) }
func (r *stateRec) Skipped(n int64)    { r.log = append(r.log, fmt.Sprint("skip ", n)) }
func (r *stateRec) Window(w *Window[int]) {
	r.log = append(r.log, fmt.Sprint("window ", w.End, len(w.Batches)))
}
