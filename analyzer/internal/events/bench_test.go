package events

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// BenchmarkObserve is the detector on windows like those of BenchmarkIngest
// in analyzer/e2e: 200 posts a second, nine in ten on the map, in 60 cities,
// on 10 topics of 40 words and chatter of 400, with a burst now and then.
func BenchmarkObserve(b *testing.B) {
	s := newStream(1)
	topics := make([][]string, 10)
	for i := range topics {
		for j := range 40 {
			topics[i] = append(topics[i], fmt.Sprintf("t%dw%d", i, j))
		}
	}
	var cities []place
	for i := range 60 {
		cities = append(cities, place{lon: float64(i*6 - 180), lat: float64(i%12*10 - 55)})
	}
	span := 30 * time.Minute
	for at := t0; at.Before(t0.Add(span)); at = at.Add(5 * time.Millisecond) {
		topic := s.rng.IntN(10)
		var pl *place
		if s.rng.IntN(10) != 0 {
			pl = &cities[topic*6+s.rng.IntN(3)]
		}
		words := make([]string, 0, 8)
		for range 5 {
			words = append(words, topics[topic][int(40*math.Pow(s.rng.Float64(), 1.6))])
		}
		for range 3 {
			words = append(words, s.vocab[s.rng.IntN(len(s.vocab))])
		}
		s.post(at, topic, pl, words...)
	}
	for i := range 6 {
		s.burst(t0.Add(time.Duration(5+4*i)*time.Minute), time.Minute, 60, 3, &cities[50+i], 0.5, fmt.Sprintf("news%d", i), "breaking")
	}
	var windows []*model.Result
	for end := t0.Add(slide); !end.After(t0.Add(span)); end = end.Add(slide) {
		windows = append(windows, s.window(end))
	}
	points := 0
	for _, w := range windows {
		points += len(w.Points)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, err := New(DefaultOptions(slide, window))
		if err != nil {
			b.Fatal(err)
		}
		for _, w := range windows {
			d.Observe(w)
		}
		if d.Stats().Flagged < 6 {
			b.Fatalf("flagged %d events, want the 6 bursts", d.Stats().Flagged)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*points), "ns/point")
}
