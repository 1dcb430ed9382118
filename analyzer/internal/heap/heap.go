// Package heap keeps the analyzer's heap near what it holds. Go's
// collector lets the heap grow by as much again as it held after the last
// collection (GOGC=100) before it collects: for a window of a million
// posts, hundreds of megabytes that hold nothing. A Governor instead sets
// the collector's percent from the live heap so that the heap grows by a
// fixed headroom, and by Go's default while the live heap is smaller than
// that: a small window costs the collector no more than it did, and a
// large one costs it more collections, each of which marks the same live
// heap, for memory that stays at what the window holds plus the headroom.
package heap

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The collector's percent stays within these: Go's default above, and
// below a floor that keeps a huge heap from being collected without end.
const (
	MaxPercent = 100
	MinPercent = 10
)

// Percent returns the collector's percent for a live heap of live bytes
// and a headroom of headroom bytes: 100·headroom/live, within MinPercent
// and MaxPercent.
func Percent(live, headroom uint64) int {
	if live == 0 || headroom >= live {
		return MaxPercent
	}
	p := int(headroom * 100 / live)
	return max(p, MinPercent)
}

// Governor sets the collector's percent from the live heap, every time
// Step is called (Run calls it on every tick).
type Governor struct {
	// Headroom is how many bytes the heap may grow past its live bytes
	// before the next collection.
	Headroom uint64
	// Live returns the live heap after the last collection, and Set sets
	// the collector's percent and returns the one before; nil means the
	// runtime's (runtime/metrics' /gc/heap/live:bytes, and
	// debug.SetGCPercent).
	Live func() uint64
	Set  func(int) int

	last    int // the percent set last (0: none yet)
	initial int // the percent before the first Set
}

// Step sets the percent for the live heap now and returns it.
func (g *Governor) Step() int {
	live := g.Live
	if live == nil {
		live = liveHeap
	}
	p := Percent(live(), g.Headroom)
	if p != g.last {
		before := g.set(p)
		if g.last == 0 {
			g.initial = before
		}
		g.last = p
	}
	return p
}

// Run calls Step on every tick until ctx is done, then sets the percent
// back to what it was before the first Step.
func (g *Governor) Run(ctx context.Context, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			if g.last != 0 {
				g.set(g.initial)
				g.last = 0
			}
			return
		case <-tick:
			g.Step()
		}
	}
}

// set sets the collector's percent by Set, or the runtime's.
func (g *Governor) set(p int) int {
	if g.Set != nil {
		return g.Set(p)
	}
	return debug.SetGCPercent(p)
}

// Every is how often the analyzer's governor looks at the live heap.
const Every = 500 * time.Millisecond

// liveHeap returns the heap marked live by the last collection.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
