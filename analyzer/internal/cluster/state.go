package cluster

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
	"github.com/geostream/geostream/analyzer/internal/model"
)

// Stateful implements pipeline.Stater: nil if the algorithm's state can
// be saved (it is a Stater, and, if it has a Stateful method, that says
// nil), else why not.
func (m *Model) Stateful() error {
	if _, ok := m.c.(Stater); !ok {
		return fmt.Errorf("the %T model keeps no checkpoint", m.c)
	}
	if s, ok := m.c.(interface{ Stateful() error }); ok {
		return s.Stateful()
	}
	return nil
}

// SaveState implements pipeline.Stater: the births and lineage of the
// clusters, then the algorithm's state.
func (m *Model) SaveState(w io.Writer) error {
	s, ok := m.c.(Stater)
	if !ok {
		return m.Stateful()
	}
	var e checkpoint.Encoder
	e.Int(int64(m.calls))
	e.Uint(uint64(len(m.born)))
	for _, id := range slices.Sorted(maps.Keys(m.born)) { // the same state, the same bytes
		e.Int(int64(id))
		e.Time(m.born[id])
		e.Int(int64(m.seen[id]))
		e.Uint(uint64(len(m.from[id])))
		for _, f := range m.from[id] {
			e.Int(int64(f))
		}
	}
	if _, err := w.Write(e.B); err != nil {
		return fmt.Errorf("saving the model: %w", err)
	}
	return s.SaveState(w)
}

// LoadState implements pipeline.Stater: held are the batches the
// algorithm holds (see Stater).
func (m *Model) LoadState(r io.Reader, held [][]*model.Point) error {
	s, ok := m.c.(Stater)
	if !ok {
		return m.Stateful()
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	d := &checkpoint.Decoder{B: b}
	calls := int(d.Int())
	born, from, seen := map[int]time.Time{}, map[int][]int{}, map[int]int{}
	for range d.Len(4) {
		id := int(d.Int())
		born[id] = d.Time()
		seen[id] = int(d.Int())
		if n := d.Len(1); n > 0 {
			f := make([]int, n)
			for i := range f {
				f[i] = int(d.Int())
			}
			from[id] = f
		}
	}
	if d.Err != nil {
		return fmt.Errorf("loading the model: %w", d.Err)
	}
	if err := s.LoadState(bytes.NewReader(d.B), held); err != nil {
		return err
	}
	m.born, m.from, m.seen, m.calls = born, from, seen, calls
	return nil
}
