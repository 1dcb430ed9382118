//go:build !linux

package pipeline

import "time"

// threadClock is a thread's CPU clock where the system has one: here none
// (tid 0), so the stages are timed by the wall clock.
func threadClock() (cpu time.Duration, tid int) { return 0, 0 }
