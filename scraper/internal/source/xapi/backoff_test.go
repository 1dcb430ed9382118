package xapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// sleepRecorder stands in for the clock: it records each wait, returns at
// once, and ends the run after n waits.
type sleepRecorder struct {
	mu     sync.Mutex
	n      int
	cancel context.CancelFunc
	sleeps []time.Duration
}

func (r *sleepRecorder) Sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sleeps = append(r.sleeps, d)
	if len(r.sleeps) >= r.n {
		r.cancel()
	}
	return ctx.Err()
}

// TestBackoffAgainstDroppingServer runs the source against servers that
// fail every connection in one way and checks the waits between attempts
// follow X's schedule, plus at most Jitter: an accepted stream that ends
// before any data is a network error (250 ms more each time, up to 16 s),
// not a success that resets the backoff.
func TestBackoffAgainstDroppingServer(t *testing.T) {
	hijackClose := func(w http.ResponseWriter, r *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
	}
	accepted := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, body)
		}
	}
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
	}
	network := func(i int) time.Duration { return min(time.Duration(i+1)*250*time.Millisecond, 16*time.Second) }
	doubling := func(from, to time.Duration) func(int) time.Duration {
		return func(i int) time.Duration { return min(from<<i, to) }
	}
	flat := func(d time.Duration) func(int) time.Duration { return func(int) time.Duration { return d } }
	tests := []struct {
		name    string
		handler http.HandlerFunc
		waits   int
		want    func(i int) time.Duration
	}{
		{"accepted, then dropped before any data", accepted(""), 70, network},
		{"dropped before a response", hijackClose, 70, network},
		{"HTTP 503 every time", status(http.StatusServiceUnavailable), 9, doubling(5*time.Second, 320*time.Second)},
		{"HTTP 429 every time", status(http.StatusTooManyRequests), 6, doubling(time.Minute, 15*time.Minute)},
		{"a keep-alive, then dropped: data resets the backoff", accepted("\r\n"), 10, flat(250 * time.Millisecond)},
		{"a tweet, then dropped: data resets the backoff", accepted(tw(1) + "\r\n"), 10, flat(250 * time.Millisecond)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			rec := &sleepRecorder{n: tc.waits, cancel: cancel}
			src := New(Options{APIURL: srv.URL, Token: secret, Sleep: rec.Sleep, MaxLine: 4096})
			defer src.Close()
			for {
				if _, err := src.Next(ctx); err != nil {
					break
				}
			}
			if len(rec.sleeps) != tc.waits {
				t.Fatalf("%d waits before the source gave up, want %d: %v", len(rec.sleeps), tc.waits, rec.sleeps)
			}
			jittered := 0
			for i, got := range rec.sleeps {
				want := tc.want(i)
				if got < want || float64(got) > float64(want)*(1+Jitter) {
					t.Fatalf("wait %d is %v, want %v plus at most %.0f%%; all waits: %v", i, got, want, Jitter*100, rec.sleeps)
				}
				if got != want {
					jittered++
				}
			}
			if jittered == 0 {
				t.Fatalf("no wait was jittered: %v", rec.sleeps)
			}
		})
	}
}
