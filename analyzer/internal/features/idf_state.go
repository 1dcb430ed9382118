package features

import (
	"errors"
	"fmt"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
)

// EncodeState appends the estimator's counts to e, for a model's
// checkpoint: the buckets that hold a count, each as its distance from the
// previous one and the count.
func (f *IDF) EncodeState(e *checkpoint.Encoder) {
	e.Float64(f.docs)
	e.Float64(f.HalfAt)
	e.Uint(uint64(len(f.counts)))
	n := 0
	for _, c := range f.counts {
		if c != 0 {
			n++
		}
	}
	e.Uint(uint64(n))
	last := -1
	for i, c := range f.counts {
		if c != 0 {
			e.Uint(uint64(i - last))
			e.Float32(c)
			last = i
		}
	}
}

// DecodeState reads what EncodeState wrote into a new estimator the size
// of f; f does not change.
func (f *IDF) DecodeState(d *checkpoint.Decoder) (*IDF, error) {
	docs, half := d.Float64(), d.Float64()
	if size := d.Uint(); d.Err == nil && size != uint64(len(f.counts)) {
		return nil, fmt.Errorf("the word frequencies have %d buckets, not %d", size, len(f.counts))
	}
	counts := make([]float32, len(f.counts))
	at := -1
	for range d.Len(5) {
		step := d.Uint()
		if step == 0 || step > uint64(len(counts)-at-1) {
			return nil, fmt.Errorf("the word frequencies are %w", checkpoint.ErrDamaged)
		}
		at += int(step)
		counts[at] = d.Float32()
	}
	if d.Err != nil {
		return nil, fmt.Errorf("the word frequencies are %w", d.Err)
	}
	return &IDF{counts: counts, docs: docs, HalfAt: half, seen: map[uint32]struct{}{}}, nil
}

// EncodeIDF appends whether a model weighs words by f (nil: it does not)
// and, if it does, f's state.
func EncodeIDF(e *checkpoint.Encoder, f *IDF) {
	e.Bool(f != nil)
	if f != nil {
		f.EncodeState(e)
	}
}

// DecodeIDF reads what EncodeIDF wrote into a model whose estimator is f
// (nil: none), returning the estimator loaded; a state saved with an
// estimator where f is nil, or without one where it is not, is refused.
func DecodeIDF(d *checkpoint.Decoder, f *IDF) (*IDF, error) {
	if d.Bool() != (f != nil) {
		return nil, errors.New("the state was saved with another --idf")
	}
	if f == nil {
		return nil, nil
	}
	return f.DecodeState(d)
}
