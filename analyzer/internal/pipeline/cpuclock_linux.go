package pipeline

import (
	"syscall"
	"time"
	"unsafe"
)

// clockThreadCPU is CLOCK_THREAD_CPUTIME_ID.
const clockThreadCPU = 3

// threadClock returns the calling thread's CPU time, user and system, and
// the thread's id; tid is 0 if the clock could not be read, or the
// goroutine moved to another thread while it was.
func threadClock() (cpu time.Duration, tid int) {
	before := syscall.Gettid()
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPU, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, 0
	}
	if syscall.Gettid() != before {
		return 0, 0
	}
	return time.Duration(ts.Nano()), before
}
