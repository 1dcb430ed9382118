package backoff

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSchedules(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		b    Backoff
		want []time.Duration
	}{
		{"linear to a cap", Linear(250*ms, time.Second, 0), []time.Duration{250 * ms, 500 * ms, 750 * ms, time.Second, time.Second}},
		{"doubling to a cap", Exponential(5*time.Second, 30*time.Second, 0),
			[]time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second, 30 * time.Second}},
		{"zero value waits nothing", Backoff{}, []time.Duration{0, 0}},
		{"jitter at its largest", Backoff{First: 100 * ms, Max: time.Second, Jitter: 0.5, Rand: func() float64 { return 0.999999 }},
			[]time.Duration{149_999_950, 299_999_900, 599_999_800, 1_199_999_600, 1_499_999_500}},
		{"jitter at its smallest", Backoff{First: 100 * ms, Max: time.Second, Jitter: 0.5, Rand: func() float64 { return 0 }},
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.b
			for i, want := range tc.want {
				if got := b.Next(); got != want {
					t.Fatalf("wait %d: %v, want %v", i, got, want)
				}
			}
			b.Reset()
			if got := b.Next(); got != tc.want[0] {
				t.Fatalf("after Reset: %v, want %v", got, tc.want[0])
			}
		})
	}
}

func TestJitterStaysInRange(t *testing.T) {
	b := Exponential(time.Second, time.Second, 0.2)
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := b.Next()
		if d < time.Second || d >= 1200*time.Millisecond {
			t.Fatalf("wait %v outside [1s, 1.2s)", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Fatalf("only %d distinct waits in 1000: the jitter is not random", len(seen))
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second {
		t.Fatalf("a cancelled sleep: %v after %v", err, time.Since(start))
	}
}
