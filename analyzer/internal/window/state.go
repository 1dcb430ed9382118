package window

import (
	"fmt"
	"slices"
)

// State is what a Slider needs to carry on where it was: the batches still
// open and the ring of closed batches the next windows hold. The batches
// are the Slider's own; a caller that keeps a State beyond its next call
// to the Slider copies what it needs.
type State[T any] struct {
	Started bool
	// Next is the index of the next batch to close.
	Next int64
	// Open are the open batches, by index; Ring the closed batches the
	// window holds, oldest first.
	Open, Ring []*Batch[T]
}

// State returns the slider's state.
func (s *Slider[T]) State() State[T] {
	st := State[T]{Started: s.started, Next: s.next, Ring: slices.Clone(s.ring)}
	for _, b := range s.open {
		st.Open = append(st.Open, b)
	}
	slices.SortFunc(st.Open, func(a, b *Batch[T]) int { return int(a.Index - b.Index) })
	return st
}

// Restore puts a slider fresh from NewSlider in state st, which a slider
// of the same Config gave. It refuses a state that does not fit the
// Config, and then leaves the slider as it was.
func (s *Slider[T]) Restore(st State[T]) error {
	if int64(len(st.Ring)) > s.per {
		return fmt.Errorf("restoring the window: %d closed batches for a window of %d", len(st.Ring), s.per)
	}
	for i, b := range st.Ring {
		if b == nil || b.Index != st.Next-int64(len(st.Ring)-i) {
			return fmt.Errorf("restoring the window: the closed batches are not the %d before batch %d", len(st.Ring), st.Next)
		}
	}
	open := make(map[int64]*Batch[T], len(st.Open))
	for _, b := range st.Open {
		if b == nil || b.Index < st.Next || open[b.Index] != nil {
			return fmt.Errorf("restoring the window: an open batch out of place")
		}
		open[b.Index] = b
	}
	s.started, s.next, s.ring, s.open = st.Started, st.Next, slices.Clone(st.Ring), open
	return nil
}
