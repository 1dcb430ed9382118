package heap

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
	"time"
)

const mb = 1 << 20

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		live, headroom uint64
		want           int
	}{
		{0, 64 * mb, 100},
		{40 * mb, 64 * mb, 100}, // a small window: Go's default
		{64 * mb, 64 * mb, 100},
		{128 * mb, 64 * mb, 50},
		{320 * mb, 64 * mb, 20},
		{640 * mb, 64 * mb, 10},
		{6400 * mb, 64 * mb, 10}, // the floor
		{1 << 40, 0, MinPercent}, // no headroom: the floor
	} {
		if got := Percent(c.live, c.headroom); got != c.want {
			t.Errorf("Percent(%d MB, %d MB) = %d, want %d", c.live/mb, c.headroom/mb, got, c.want)
		}
	}
}

func TestLimit(t *testing.T) {
	for _, c := range []struct {
		live, headroom uint64
		want           int64
	}{
		{0, 64 * mb, math.MaxInt64},
		{40 * mb, 64 * mb, math.MaxInt64}, // Go's default percent: no limit
		{64 * mb, 64 * mb, math.MaxInt64},
		{128 * mb, 64 * mb, (128 + 64 + 32) * mb},
		{400 * mb, 64 * mb, (400 + 64 + 100) * mb},     // 16%: 64 MB
		{6400 * mb, 64 * mb, (6400 + 640 + 1600) * mb}, // the floor, 10%
	} {
		if got := Limit(c.live, c.headroom); got != c.want {
			t.Errorf("Limit(%d MB, %d MB) = %d MB, want %d MB", c.live/mb, c.headroom/mb, got/mb, c.want/mb)
		}
	}
}

// TestGovernorFollowsTheLiveHeap: Run sets the percent and the limit as
// the live heap grows and shrinks, only when they change, and sets back
// the ones it found when its context ends. The limit is lifted while the
// live heap grows by more than the headroom a step, and is never under the
// heap the percent lets grow and what the runtime holds beside it.
func TestGovernorFollowsTheLiveHeap(t *testing.T) {
	lives := []uint64{10 * mb, 200 * mb, 200 * mb, 400 * mb, 400 * mb, 50 * mb}
	besides := []uint64{0, 500 * mb} // asked only when a limit is set: the third and fifth steps
	var set []int
	var limits []int64
	current := 77 // the percent before the governor
	currentLimit := int64(900 * mb)
	g := &Governor{Headroom: 100 * mb,
		Live:   func() uint64 { l := lives[0]; lives = lives[1:]; return l },
		Beside: func() uint64 { b := besides[0]; besides = besides[1:]; return b },
		Set:    func(p int) int { set = append(set, p); before := current; current = p; return before },
		SetLimit: func(l int64) int64 {
			limits = append(limits, l)
			before := currentLimit
			currentLimit = l
			return before
		},
	}
	ticks := len(lives)
	ctx, cancel := context.WithCancel(context.Background())
	tick := make(chan time.Time)
	done := make(chan struct{})
	go func() { defer close(done); g.Run(ctx, tick) }()
	for range ticks {
		tick <- time.Time{}
	}
	cancel()
	<-done
	if want := []int{100, 50, 25, 100, 77}; !slices.Equal(set, want) {
		t.Fatalf("percents set %v, want %v", set, want)
	}
	want := []int64{
		math.MaxInt64,           // 10 MB: Go's default
		(200 + 100 + 50) * mb,   // 200 MB again (at 200 MB, grown by 190: none)
		math.MaxInt64,           // 400 MB: grown by 200
		(400 + 100 + 500) * mb,  // 400 MB again, the runtime holding 500 beside
		math.MaxInt64, 900 * mb, // 50 MB: Go's default; then set back
	}
	if !slices.Equal(limits, want) {
		t.Fatalf("limits set %v, want %v", limits, want)
	}
	if current != 77 || currentLimit != 900*mb {
		t.Fatalf("left the percent at %d and the limit at %d", current, currentLimit)
	}
}

// TestGovernorOnTheRuntime: with the runtime's own live heap, percent and
// limit, a headroom larger than the heap keeps Go's default, and both are
// set back after.
func TestGovernorOnTheRuntime(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	beforeLimit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(beforeLimit)
	runtime.GC()
	live := liveHeap()
	if live == 0 {
		t.Fatal("no live heap read")
	}
	g := &Governor{Headroom: 1 << 40}
	if p, l := g.Step(); p != 100 || l != math.MaxInt64 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Fatalf("percent %d, limit %d for a heap far under its headroom", p, l)
	}
	g = &Governor{Headroom: 1}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g.Run(ctx, nil)
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("the percent was left at %d", p)
	}
	p, l := g.Step()
	if p != MinPercent || debug.SetGCPercent(100) != MinPercent {
		t.Fatal("a heap far over its headroom is not collected at the floor")
	}
	// The limit is set, above the live heap and what the runtime holds
	// beside it.
	if got := debug.SetMemoryLimit(-1); got != l || l == math.MaxInt64 || l < int64(live) || l < int64(besideNow()/2) {
		t.Fatalf("limit %d (the runtime's %d) for a live heap of %d, %d beside", l, got, live, besideNow())
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	g.Run(ctx, nil)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("the limit was left at %d", got)
	}
}
