// Package backoff computes the waits between reconnection attempts: a first
// wait that grows by a fixed step or doubles, up to a cap, lengthened by
// random jitter so that many clients cut at once do not come back in step.
// The caller resets it once a connection has proved itself (for a stream:
// its first data, not its HTTP status).
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is one schedule of waits. The zero value waits nothing; set First
// and Max (and Step for linear growth). It is not safe for concurrent use.
type Backoff struct {
	// First is the first wait after a Reset.
	First time.Duration
	// Step is added to the wait after each failure; 0 doubles it instead.
	Step time.Duration
	// Max caps the wait before jitter.
	Max time.Duration
	// Jitter lengthens each wait by a random share of it in [0, Jitter):
	// never shortens it, so a documented minimum (X's) is kept.
	Jitter float64
	// Rand returns a number in [0, 1); nil uses math/rand/v2.
	Rand func() float64

	cur time.Duration // the last wait before jitter; 0 after Reset
}

// Linear returns a Backoff waiting step, then 2×step, 3×step ... up to max.
func Linear(step, max time.Duration, jitter float64) Backoff {
	return Backoff{First: step, Step: step, Max: max, Jitter: jitter}
}

// Exponential returns a Backoff waiting first, then doubling up to max.
func Exponential(first, max time.Duration, jitter float64) Backoff {
	return Backoff{First: first, Max: max, Jitter: jitter}
}

// Next returns the wait before the next attempt and grows the schedule.
func (b *Backoff) Next() time.Duration {
	switch {
	case b.cur == 0:
		b.cur = b.First
	case b.Step > 0:
		b.cur += b.Step
	default:
		b.cur *= 2
	}
	b.cur = min(b.cur, b.Max)
	return b.jitter(b.cur)
}

// jitter lengthens d by a random share in [0, Jitter).
func (b *Backoff) jitter(d time.Duration) time.Duration {
	if b.Jitter <= 0 {
		return d
	}
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	return d + time.Duration(float64(d)*b.Jitter*r())
}

// Reset starts the schedule again from First.
func (b *Backoff) Reset() { b.cur = 0 }

// Sleep waits for d, or until ctx ends (returning ctx.Err()).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
