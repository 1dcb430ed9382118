package dmm

import (
	"fmt"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/features"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
	"github.com/geostream/geostream/analyzer/internal/spherical"
	"github.com/geostream/geostream/shared/tweet"
)

// benchBatches makes batches of posts like short English tweets: each of
// topics topics has its words and a few cities, and every post also takes
// everyday words shared by all (see synthStream).
func benchBatches(topics, batches, perBatch int) [][]*model.Point {
	var places [][2]float64
	for i := range 40 {
		places = append(places, [2]float64{-120 + float64(i%10)*5, 30 + float64(i/10)*4})
	}
	cities := make([][]int, topics)
	for t := range cities {
		cities[t] = []int{t % 40, (t * 7) % 40, (t * 13) % 40}
	}
	s := newSynthStream(uint64(topics), topics, 10, 4, 1, cities, places)
	out := make([][]*model.Point, batches)
	for b := range out {
		for range perBatch {
			toks, lon, lat, _ := s.next()
			out[b] = append(out[b], modeltest.WithTokens(&model.Point{Lon: lon, Lat: lat, Located: tweet.GeoPoint, Cluster: -1}, toks))
		}
	}
	return out
}

// BenchmarkTrain measures Train (with the Forget of the batch leaving the
// window) per post, with the default options, on streams that keep about
// 15, 100 and 300 clusters alive in a window of six batches (the clusters
// metric is the mean); beside it, Update of the spherical k-means model
// with k set to that number, on the same posts. cpu-ns/post is the process's CPU time, steadier than the wall
// clock on a busy machine.
func BenchmarkTrain(b *testing.B) {
	const window = 6
	// Topics and batch sizes that keep about 15, 100 and 300 clusters.
	for _, c := range []struct{ clusters, topics, perBatch int }{{15, 10, 1000}, {100, 110, 1000}, {300, 500, 6000}} {
		topics, perBatch := c.topics, c.perBatch
		batches := benchBatches(topics, 3*window, perBatch)
		b.Run(fmt.Sprintf("dmm/clusters=%d", c.clusters), func(b *testing.B) {
			m, err := New(DefaultOptions())
			if err != nil {
				b.Fatal(err)
			}
			for _, batch := range batches {
				for _, p := range batch {
					m.Featurize(p)
				}
			}
			// Fill the window first.
			next := 0
			step := func() {
				if next >= window {
					m.Forget(batches[(next-window)%len(batches)])
				}
				m.Train(batches[next%len(batches)])
				next++
			}
			for range 2 * len(batches) {
				step()
			}
			clusters := 0
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime()
			for range b.N {
				step()
				clusters += m.Len()
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*perBatch), "ns/post")
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N*perBatch), "cpu-ns/post")
			b.ReportMetric(float64(clusters)/float64(b.N), "clusters")
			b.ReportMetric(0, "ns/op")
		})
		b.Run(fmt.Sprintf("spherical/k=%d", c.clusters), func(b *testing.B) {
			fx := features.Sparse{Buckets: spherical.DefaultBuckets, Hashtag: DefaultHashtagWeight}
			pts := make([][]spherical.Point, len(batches))
			for i, batch := range batches {
				for _, p := range batch {
					terms, vec := fx.Vector(p.Lon, p.Lat, p.AppendTokens(nil))
					sp := spherical.Point{Terms: terms}
					copy(sp.Geo[:], vec[len(vec)-3:])
					pts[i] = append(pts[i], sp)
				}
			}
			m, err := spherical.New(spherical.Options{K: c.clusters, Decay: 0.6, Text: 1, Geo: 2, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			for _, batch := range pts {
				m.Update(batch)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime()
			for i := range b.N {
				m.Update(pts[i%len(pts)])
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*perBatch), "ns/post")
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N*perBatch), "cpu-ns/post")
			b.ReportMetric(float64(c.clusters), "clusters")
			b.ReportMetric(0, "ns/op")
		})
	}
}
