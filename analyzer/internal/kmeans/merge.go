package kmeans

import (
	"errors"
	"fmt"
)

// BatchStats is all that a batch contributes to Spark's update: for each
// cluster, the sum and the number of the batch's points whose nearest
// centre, before the update, is that cluster's. Replicas that hold the
// same model and each see a share of a batch (a partition of the stream)
// can therefore train as one: each Assigns its share, the stats are
// Merged, and each replica Applies the merged stats, which moves every
// replica's model exactly as Update on the whole batch moves one model
// (up to the order in which floating-point sums are added).
type BatchStats struct {
	Sums   [][]float64
	Counts []int
}

// Assign returns the stats of a share of a batch against the current
// centres, leaving the model as it is.
func (m *Model) Assign(share [][]float64) BatchStats {
	s := BatchStats{Sums: make([][]float64, len(m.Centers)), Counts: make([]int, len(m.Centers))}
	for i := range s.Sums {
		s.Sums[i] = make([]float64, len(m.Centers[0]))
	}
	m.assign(share, s.Sums, s.Counts)
	return s
}

// Merge adds o, the stats of another share of the same batch, to s.
func (s *BatchStats) Merge(o BatchStats) error {
	if err := s.check(len(o.Counts), dim(o.Sums)); err != nil {
		return err
	}
	if err := o.check(len(s.Counts), dim(s.Sums)); err != nil {
		return err
	}
	for j := range s.Counts {
		s.Counts[j] += o.Counts[j]
		for d, v := range o.Sums[j] {
			s.Sums[j][d] += v
		}
	}
	return nil
}

func dim(sums [][]float64) int {
	if len(sums) == 0 {
		return 0
	}
	return len(sums[0])
}

func (s *BatchStats) check(k, d int) error {
	if len(s.Counts) != k || len(s.Sums) != k {
		return fmt.Errorf("kmeans: stats for %d clusters, want %d", len(s.Counts), k)
	}
	for j, sum := range s.Sums {
		if len(sum) != d {
			return fmt.Errorf("kmeans: cluster %d's sum has %d dimensions, want %d", j, len(sum), d)
		}
		if s.Counts[j] < 0 {
			return errors.New("kmeans: a negative count")
		}
	}
	return nil
}

// Apply updates the model with the merged stats of a whole batch: Spark's
// update (decay, move, split a dying cluster), as Update would.
func (m *Model) Apply(s BatchStats) error {
	if err := s.check(len(m.Centers), len(m.Centers[0])); err != nil {
		return err
	}
	m.apply(s.Sums, s.Counts)
	return nil
}
