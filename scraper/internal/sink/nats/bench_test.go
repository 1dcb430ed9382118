package nats

import (
	"context"
	"testing"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/scraper/internal/source/synth"
	"github.com/geostream/geostream/shared/bus/bustest"
)

// BenchmarkPublish publishes synthetic v2 envelopes (about 1.3 KB, every
// one a new tweet id) to a server in this process; Close waits for every
// ack, inside the timing.
func BenchmarkPublish(b *testing.B) {
	g, err := synth.New(synth.Options{Seed: 1, API: "v2", Count: 200000})
	if err != nil {
		b.Fatal(err)
	}
	var lines []source.Line
	var size int
	for {
		l, err := g.Next(context.Background())
		if err != nil {
			break
		}
		lines = append(lines, source.Line{Data: l.Data})
		size += len(l.Data)
	}
	s := bustest.Run(b)
	p := open(b, s.URL())
	b.SetBytes(int64(size / len(lines)))
	b.ReportAllocs()
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if err := p.Send(ctx, lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if err := p.Close(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
