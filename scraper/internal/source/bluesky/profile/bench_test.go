package profile

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkAskCached is the cost of one post's profile when its author is
// in the cache: Ask and Wait.
func BenchmarkAskCached(b *testing.B) {
	f, url := newFake(b)
	const authors = 1000
	for i := range authors {
		f.add(did(i), fmt.Sprintf("a%d.bsky.social", i), "Some One 📍 Porto", "Photographer and cyclist.")
	}
	l := newLookup(b, url, newClock(), Options{Linger: time.Millisecond})
	for i := 0; i < authors; i += MaxBatch {
		var ts []*Ticket
		for j := i; j < i+MaxBatch; j++ {
			ts = append(ts, l.Ask(did(j)))
		}
		wait(b, ts...)
	}
	dids := make([]string, authors)
	for i := range dids {
		dids[i] = did(i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if frag, _ := l.Ask(dids[i%authors]).Wait(ctx); frag == nil {
			b.Fatal("not cached")
		}
	}
}
