// Package window cuts a stream of timestamped items into batches and sliding
// windows, Spark Streaming style. Batches are aligned to multiples of the
// batch length since the Unix epoch and windows end on multiples of the slide,
// so the same input always gives the same windows.
//
// A Slider is a pure state machine: it is told the time (wall clock or event
// time, the caller decides) and emits closed batches and ready windows
// through a callback. It starts no goroutines and is not safe for concurrent
// use.
package window

import (
	"math"
	"slices"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/field"
)

// Config sets the lengths of batches, windows and slides.
type Config struct {
	Batch, Window, Slide time.Duration
}

// DefaultConfig is the original tool's: 10 s batches, 60 s windows
// sliding every 20 s.
func DefaultConfig() Config {
	return Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}
}

// Validate checks that window and slide are positive multiples of batch and
// the slide is no longer than the window.
func (c Config) Validate() error {
	if c.Batch <= 0 || c.Window <= 0 || c.Slide <= 0 {
		return field.Errorsf([]string{"Batch", "Window", "Slide"}, "must be positive")
	}
	if c.Window%c.Batch != 0 || c.Slide%c.Batch != 0 {
		return field.Errorsf([]string{"Window", "Slide"}, "(%v, %v) must be multiples of the batch (%v)", c.Window, c.Slide, c.Batch)
	}
	if c.Slide > c.Window {
		return field.Errorf("Slide", "(%v) must not be longer than the window (%v)", c.Slide, c.Window)
	}
	return nil
}

// Batch is one batch interval's items and counts.
type Batch[T any] struct {
	Index      int64 // Start / batch length since the epoch
	Start, End time.Time
	Items      []T
	Counts     model.Counts
}

// Window is a ready window: its batches, oldest first, of which the last
// Slide/Batch are new since the previous window.
type Window[T any] struct {
	Start, End time.Time
	Batches    []*Batch[T]
	NewBatches int
}

// Counts sums the window's batches.
func (w *Window[T]) Counts() (all, fresh model.Counts) {
	for i, b := range w.Batches {
		all.Add(b.Counts)
		if i >= len(w.Batches)-w.NewBatches {
			fresh.Add(b.Counts)
		}
	}
	return all, fresh
}

// Handler receives what a Slider emits, in time order. Skipped reports n
// empty batches passed over at once after a gap (the model still decays for
// them); Left a batch that has left the window, just before the batch that
// pushed it out closes; Batch a closed batch; Window a window that holds
// at least one tweet or count.
type Handler[T any] interface {
	Batch(b *Batch[T])
	Left(b *Batch[T])
	Skipped(n int64)
	Window(w *Window[T])
}

// Slider assigns items to batches and emits batches and windows.
type Slider[T any] struct {
	cfg     Config
	per     int64 // batches per window
	slideN  int64 // batches per slide
	started bool
	next    int64 // index of the next batch to close
	open    map[int64]*Batch[T]
	ring    []*Batch[T] // last per closed batches, oldest first
}

// NewSlider returns a Slider for cfg, which must be valid.
func NewSlider[T any](cfg Config) *Slider[T] {
	return &Slider[T]{
		cfg:    cfg,
		per:    int64(cfg.Window / cfg.Batch),
		slideN: int64(cfg.Slide / cfg.Batch),
		open:   make(map[int64]*Batch[T]),
	}
}

func (s *Slider[T]) index(t time.Time) int64 {
	return floorDiv(t.UnixNano(), int64(s.cfg.Batch))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func (s *Slider[T]) batch(i int64) *Batch[T] {
	b := s.open[i]
	if b == nil {
		start := time.Unix(0, i*int64(s.cfg.Batch)).UTC()
		b = &Batch[T]{Index: i, Start: start, End: start.Add(s.cfg.Batch)}
		s.open[i] = b
	}
	return b
}

func (s *Slider[T]) start(t time.Time) {
	if !s.started {
		s.started = true
		s.next = s.index(t)
	}
}

// Add puts item, with its counts, into the batch holding t. An item for a
// batch that has already closed is late: it goes into the oldest open batch
// and is counted as late. It reports whether the item was late.
func (s *Slider[T]) Add(t time.Time, item T, c model.Counts) (late bool) {
	s.start(t)
	i := s.index(t)
	if i < s.next {
		i, late = s.next, true
		c.Late++
	}
	b := s.batch(i)
	b.Items = append(b.Items, item)
	b.Counts.Add(c)
	return late
}

// Index returns the index of the batch that Add or AddCounts would put an
// item at t into now: the batch holding t, or the oldest open batch if
// that one has closed.
func (s *Slider[T]) Index(t time.Time) int64 {
	i := s.index(t)
	if s.started && i < s.next {
		i = s.next
	}
	return i
}

// AddCounts adds counts with no item (notices, malformed lines) to the batch
// holding t, or the oldest open batch if that one has closed.
func (s *Slider[T]) AddCounts(t time.Time, c model.Counts) {
	s.start(t)
	i := s.index(t)
	if i < s.next {
		i = s.next
	}
	s.batch(i).Counts.Add(c)
}

// Advance closes every batch that ends at or before watermark, emitting to h.
func (s *Slider[T]) Advance(watermark time.Time, h Handler[T]) {
	if !s.started {
		return
	}
	w := s.index(watermark) // batches before w end at or before watermark
	for s.next < w {
		s.skipGap(w, h)
		if s.next >= w {
			break
		}
		s.closeNext(h)
	}
}

// Flush closes the open batches and the batches up to the next window end,
// so that every item has been in a window; for the end of input.
func (s *Slider[T]) Flush(h Handler[T]) {
	if !s.started {
		return
	}
	for len(s.open) > 0 || floorMod(s.next, s.slideN) != 0 {
		s.skipGap(math.MaxInt64, h)
		if len(s.open) == 0 && s.empty() {
			return
		}
		s.closeNext(h)
	}
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// empty reports whether the window ring holds nothing.
func (s *Slider[T]) empty() bool {
	for _, b := range s.ring {
		if len(b.Items) > 0 || b.Counts != (model.Counts{}) {
			return false
		}
	}
	return true
}

// skipGap jumps over batches that can only make empty windows: when the
// ring is empty and the next batch with data is further than a window away.
func (s *Slider[T]) skipGap(limit int64, h Handler[T]) {
	if !s.empty() || s.open[s.next] != nil {
		return
	}
	target := limit
	for i := range s.open {
		target = min(target, i)
	}
	if target == math.MaxInt64 {
		return
	}
	// Keep the slide phase: land on a slide boundary at or before target.
	target -= floorMod(target, s.slideN)
	if n := target - s.next; n > 0 {
		for _, b := range s.ring {
			h.Left(b) // empty, but trained on: every batch that is trained leaves
		}
		h.Skipped(n)
		s.next = target
		s.ring = s.ring[:0]
	}
}

func (s *Slider[T]) closeNext(h Handler[T]) {
	b := s.open[s.next]
	if b == nil {
		start := time.Unix(0, s.next*int64(s.cfg.Batch)).UTC()
		b = &Batch[T]{Index: s.next, Start: start, End: start.Add(s.cfg.Batch)}
	}
	delete(s.open, s.next)
	s.next++
	if cap(b.Items) > len(b.Items)+len(b.Items)/8 {
		// Grown by appending, a batch has up to twice the room its items
		// take; it holds them for a whole window, so with room to spare
		// no more.
		b.Items = slices.Clone(b.Items)
	}
	if int64(len(s.ring)) == s.per {
		h.Left(s.ring[0])
		copy(s.ring, s.ring[1:])
		s.ring = s.ring[:s.per-1]
	}
	h.Batch(b)
	s.ring = append(s.ring, b)
	if floorMod(s.next, s.slideN) != 0 || s.empty() {
		return
	}
	end := b.End
	w := &Window[T]{
		Start:      end.Add(-s.cfg.Window),
		End:        end,
		Batches:    append([]*Batch[T](nil), s.ring...),
		NewBatches: int(min(s.slideN, int64(len(s.ring)))),
	}
	h.Window(w)
}
