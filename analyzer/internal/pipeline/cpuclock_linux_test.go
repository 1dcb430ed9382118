package pipeline

import (
	"runtime"
	"testing"
	"time"
)

// TestThreadClockIsThisThreads: the thread's CPU clock reads the calling
// thread, advances while it works, and never faster than the wall clock.
func TestThreadClockIsThisThreads(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	c1, tid1 := threadClock()
	if tid1 == 0 {
		t.Fatal("the thread's CPU clock could not be read")
	}
	c2, tid2 := c1, tid1
	x := 1.0
	for i := 0; c2 < c1+time.Millisecond && i < 1e9; i++ { // work until a millisecond of CPU is counted
		x = x*1.0000001 + 1e-9
		if i%1000 == 0 {
			c2, tid2 = threadClock()
		}
	}
	wall := time.Since(start)
	if tid2 != tid1 || c2 < c1+time.Millisecond || c2-c1 > wall {
		t.Fatalf("thread %d then %d: %v of CPU in %v (x %v)", tid1, tid2, c2-c1, wall, x)
	}
	if readMark().tid != tid1 {
		t.Fatal("readMark read another thread")
	}
}
