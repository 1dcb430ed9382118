package model

import (
	"fmt"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
)

// EncodeState appends the slots' ids, generations and lineage to e, for a
// model's checkpoint.
func (s *Slots) EncodeState(e *checkpoint.Encoder) {
	e.Int(int64(s.next))
	e.Uint(uint64(len(s.ids)))
	for j, id := range s.ids {
		e.Int(int64(id))
		e.Uint(uint64(s.gens[j]))
		e.Uint(uint64(len(s.from[j])))
		for _, f := range s.from[j] {
			e.Int(int64(f))
		}
	}
}

// DecodeState reads what EncodeState wrote into slots as many as s has. A
// state that does not fit changes nothing.
func (s *Slots) DecodeState(d *checkpoint.Decoder) error {
	next := int(d.Int())
	k := d.Len(3)
	if d.Err == nil && k != len(s.ids) {
		return fmt.Errorf("the state has %d cluster slots, the model %d", k, len(s.ids))
	}
	n := Slots{ids: make([]int, k), gens: make([]uint32, k), from: make([][]int, k), next: next}
	for j := range k {
		n.ids[j] = int(d.Int())
		n.gens[j] = uint32(d.Uint())
		if m := d.Len(1); m > 0 {
			n.from[j] = make([]int, m)
			for i := range n.from[j] {
				n.from[j][i] = int(d.Int())
			}
		}
	}
	if d.Err != nil {
		return fmt.Errorf("the cluster ids are %w", d.Err)
	}
	*s = n
	return nil
}
