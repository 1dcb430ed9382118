package cluster

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// modelState is a saved Model: the births and lineage of its clusters,
// and its algorithm's state as the algorithm wrote it.
type modelState struct {
	Born  map[int]time.Time
	From  map[int][]int
	Seen  map[int]int
	Calls int
	Algo  []byte
}

// Stateful implements pipeline.Stater: nil if the algorithm's state can
// be saved (it is a Stater), else why not.
func (m *Model) Stateful() error {
	if _, ok := m.c.(Stater); !ok {
		return fmt.Errorf("the %T model keeps no checkpoint", m.c)
	}
	return nil
}

// SaveState implements pipeline.Stater.
func (m *Model) SaveState(w io.Writer) error {
	s, ok := m.c.(Stater)
	if !ok {
		return m.Stateful()
	}
	var algo bytes.Buffer
	if err := s.SaveState(&algo); err != nil {
		return err
	}
	st := modelState{Born: m.born, From: m.from, Seen: m.seen, Calls: m.calls, Algo: algo.Bytes()}
	if err := gob.NewEncoder(w).Encode(&st); err != nil {
		return fmt.Errorf("saving the model: %w", err)
	}
	return nil
}

// LoadState implements pipeline.Stater: held are the batches the
// algorithm holds (see Stater).
func (m *Model) LoadState(r io.Reader, held [][]*model.Point) error {
	s, ok := m.c.(Stater)
	if !ok {
		return m.Stateful()
	}
	var st modelState
	if err := gob.NewDecoder(r).Decode(&st); err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	if err := s.LoadState(bytes.NewReader(st.Algo), held); err != nil {
		return err
	}
	m.born, m.from, m.seen, m.calls = orEmpty(st.Born), orEmpty(st.From), orEmpty(st.Seen), st.Calls
	return nil
}

// orEmpty is m, or an empty map for nil (gob leaves an empty map out).
func orEmpty[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return maps.Clone(m)
}
