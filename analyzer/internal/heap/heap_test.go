package heap

import (
	"context"
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

// TestGovernorFollowsTheLiveHeap: Run sets the percent as the live heap
// grows and shrinks, only when it changes, and sets back the percent it
// found when its context ends.
func TestGovernorFollowsTheLiveHeap(t *testing.T) {
	lives := []uint64{10 * mb, 200 * mb, 200 * mb, 400 * mb, 50 * mb}
	var set []int
	current := 77 // the percent before the governor
	g := &Governor{Headroom: 100 * mb,
		Live: func() uint64 { l := lives[0]; lives = lives[1:]; return l },
		Set:  func(p int) int { set = append(set, p); before := current; current = p; return before },
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
	if current != 77 {
		t.Fatalf("left the percent at %d", current)
	}
}

// TestGovernorOnTheRuntime: with the runtime's own live heap and percent,
// a headroom larger than the heap keeps Go's default, and the percent is
// set back after.
func TestGovernorOnTheRuntime(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	runtime.GC()
	if liveHeap() == 0 {
		t.Fatal("no live heap read")
	}
	g := &Governor{Headroom: 1 << 40}
	if p := g.Step(); p != 100 {
		t.Fatalf("percent %d for a heap far under its headroom", p)
	}
	g = &Governor{Headroom: 1}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g.Run(ctx, nil)
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("the percent was left at %d", p)
	}
	if g.Step() != MinPercent || debug.SetGCPercent(100) != MinPercent {
		t.Fatal("a heap far over its headroom is not collected at the floor")
	}
}
