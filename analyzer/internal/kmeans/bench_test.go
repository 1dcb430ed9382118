package kmeans

import (
	"fmt"
	"testing"
)

// BenchmarkUpdate trains on batches of default-profile-sized points.
func BenchmarkUpdate(b *testing.B) {
	const k, dim = 15, 131
	r := NewRandomState(1)
	for _, n := range []int{1000, 10000} {
		batch := r.Randn(n, dim)
		b.Run(fmt.Sprintf("k=%d/dim=%d/batch=%d", k, dim, n), func(b *testing.B) {
			m, _ := New(r.Randn(k, dim), 1, 0.6, Batches)
			b.ReportAllocs()
			for b.Loop() {
				m.Update(batch)
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "points/s")
		})
	}
}
