// Package heap keeps the analyzer's heap near what it holds. Go's
// collector lets the heap grow by as much again as it held after the last
// collection (GOGC=100) before it collects: for a window of a million
// posts, hundreds of megabytes that hold nothing. A Governor instead sets
// the collector's percent from the live heap so that the heap grows by a
// fixed headroom, and by Go's default while the live heap is smaller than
// that: a small window costs the collector no more than it did, and a
// large one costs it more collections, each of which marks the same live
// heap, for memory that stays at what the window holds plus the headroom.
// With the percent it sets a soft memory limit a little above that heap,
// so that the runtime gives the pages it frees back to the system soon,
// not minutes later.
package heap

import (
	"context"
	"math"
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

// Limit returns the soft memory limit for a live heap of live bytes and a
// headroom of headroom bytes: the heap Percent lets grow, and a quarter of
// the live heap more for what the runtime holds beside its objects (spans
// in part free, its own records). It is math.MaxInt64, no limit, while
// Percent is Go's default.
func Limit(live, headroom uint64) int64 {
	p := Percent(live, headroom)
	if p == MaxPercent {
		return math.MaxInt64
	}
	return int64(live + live*uint64(p)/100 + live/4)
}

// Governor sets the collector's percent and the soft memory limit from the
// live heap, every time Step is called (Run calls it on every tick).
type Governor struct {
	// Headroom is how many bytes the heap may grow past its live bytes
	// before the next collection.
	Headroom uint64
	// Live returns the live heap after the last collection, and Beside
	// what the runtime holds now beside its objects and its free pages
	// (spans in part free, its own records, stacks); Set sets the
	// collector's percent and SetLimit the soft memory limit, each
	// returning the one before. nil means the runtime's (runtime/metrics,
	// debug.SetGCPercent and debug.SetMemoryLimit).
	Live     func() uint64
	Beside   func() uint64
	Set      func(int) int
	SetLimit func(int64) int64

	last      int    // the percent set last (0: none yet)
	lastLimit int64  // the limit set last
	lastLive  uint64 // the live heap at the last Step
	initial   int    // the percent before the first Set
	initLimit int64  // the limit before the first SetLimit
}

// Step sets the percent and the limit for the live heap now and returns
// them. The limit is never under the heap the percent lets grow and what
// the runtime holds beside it now, so that it cannot make the collector
// run more often than the percent does (a live heap that shrinks inside
// spans it leaves in part free); and while the live heap grows by more
// than the headroom from one Step to the next (a checkpoint restored, a
// replay's first window), there is none: it would lag behind.
func (g *Governor) Step() (percent int, limit int64) {
	live, beside := g.Live, g.Beside
	if live == nil {
		live = liveHeap
	}
	if beside == nil {
		beside = besideNow
	}
	l := live()
	p, lim := Percent(l, g.Headroom), Limit(l, g.Headroom)
	switch {
	case lim == math.MaxInt64:
	case g.last != 0 && l > g.lastLive+g.Headroom:
		lim = math.MaxInt64
	default:
		lim = max(lim, int64(l+l*uint64(p)/100+beside()))
	}
	g.lastLive = l
	if g.last == 0 {
		g.initial, g.initLimit = g.set(p), g.setLimit(lim)
	} else {
		if p != g.last {
			g.set(p)
		}
		if lim != g.lastLimit {
			g.setLimit(lim)
		}
	}
	g.last, g.lastLimit = p, lim
	return p, lim
}

// Run calls Step on every tick until ctx is done, then sets the percent
// and the limit back to what they were before the first Step.
func (g *Governor) Run(ctx context.Context, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			if g.last != 0 {
				g.set(g.initial)
				g.setLimit(g.initLimit)
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

// setLimit sets the soft memory limit by SetLimit, or the runtime's.
func (g *Governor) setLimit(l int64) int64 {
	if g.SetLimit != nil {
		return g.SetLimit(l)
	}
	return debug.SetMemoryLimit(l)
}

// Every is how often the analyzer's governor looks at the live heap.
const Every = 500 * time.Millisecond

// besideNow returns what the runtime holds now beside its heap objects,
// the free pages it keeps and those it has given back.
func besideNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	for _, v := range s {
		if v.Value.Kind() != metrics.KindUint64 {
			return 0
		}
	}
	return s[0].Value.Uint64() - s[1].Value.Uint64() - s[2].Value.Uint64() - s[3].Value.Uint64()
}

// liveHeap returns the heap marked live by the last collection.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
