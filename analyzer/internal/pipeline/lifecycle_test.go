package pipeline

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"

	"github.com/geostream/geostream/analyzer/internal/window"
)

var testWindow = window.Config{Batch: 10 * time.Second, Window: 20 * time.Second, Slide: 10 * time.Second}

// lines returns n compact tweets a second apart.
func lines(n int) string {
	var b strings.Builder
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		b.WriteString(`{"id":"` + time.Duration(i).String() + `","created_at":"` + t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339) +
			`","lon":1,"lat":2,"text":"x"}` + "\n")
	}
	return b.String()
}

// settle waits until the number of goroutines is back to at most n.
func settle(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

func TestCancelStopsCleanly(t *testing.T) {
	before := runtime.NumGoroutine()
	pr, pw := io.Pipe() // an input that never ends
	defer pw.Close()
	go func() { pw.Write([]byte(lines(50))) }() // owned by the test: ends when Run stops reading
	rec := &recorder{}
	p := New(Options{Source: fileSource(t, pr, nil), Clock: ClockEvent, Window: testWindow}, nil, rec)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for p.Stats().Counts.Tweets < 50 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // poll: the lines are read
	}
	cancel()
	pr.CloseWithError(context.Canceled) // a pipe read does not see ctx
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if !rec.closed {
		t.Fatal("outputs not closed")
	}
	pw.Close()
	settle(t, before)
}

// failing is an output whose second Write fails.
type failing struct {
	writes int
	closed atomic.Bool
}

func (f *failing) Write(*model.Result) error {
	f.writes++
	if f.writes == 2 {
		return errors.New("disk full")
	}
	return nil
}
func (f *failing) Close() error { f.closed.Store(true); return nil }

func TestFailingOutputStopsTheRun(t *testing.T) {
	before := runtime.NumGoroutine()
	out := &failing{}
	other := &recorder{}
	p := New(Options{Source: fileSource(t, strings.NewReader(lines(200)), nil), Clock: ClockEvent, Window: testWindow}, nil, out, other)
	err := p.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Run: %v, want the output's error", err)
	}
	if out.writes != 2 || !out.closed.Load() || !other.closed {
		t.Fatalf("writes %d, closed %v and %v: want the run to stop at the failure and close every output", out.writes, out.closed.Load(), other.closed)
	}
	settle(t, before)
}

// spawning is a model that trains in goroutines started by the pipeline's
// spawn, each released only when the outputs close.
type spawning struct {
	spawn    func(func())
	release  chan struct{}
	finished atomic.Int64
	started  int
}

func (s *spawning) SetSpawn(f func(func())) { s.spawn = f }
func (s *spawning) Prepare(*model.Point)    {}
func (s *spawning) Decay(int64)             {}
func (s *spawning) Forget([]*model.Point)   {}
func (s *spawning) Assign([]*model.Point, time.Time) []model.ClusterSummary {
	return nil
}
func (s *spawning) Train([]*model.Point, time.Time) {
	s.started++
	s.spawn(func() {
		<-s.release
		s.finished.Add(1)
	})
}

type releaser struct{ ch chan struct{} }

func (r releaser) Write(*model.Result) error { return nil }
func (r releaser) Close() error              { close(r.ch); return nil }

func TestRunWaitsForTheModelsGoroutines(t *testing.T) {
	m := &spawning{release: make(chan struct{})}
	p := New(Options{Source: fileSource(t, strings.NewReader(lines(60)), nil), Clock: ClockEvent, Window: testWindow}, m, releaser{m.release})
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m.started == 0 || m.finished.Load() != int64(m.started) {
		t.Fatalf("Run returned with %d of %d model goroutines finished", m.finished.Load(), m.started)
	}
}

func TestNotACaptureIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want bool
	}{
		{"binary junk", strings.Repeat("\x89PNG\x00 binary junk\n", 300), true},
		{"a few lines of text", "hello\nworld\n", true},
		{"junk, then tweets", strings.Repeat("junk\n", 50) + lines(10), false},
		{"empty", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := New(Options{Source: fileSource(t, strings.NewReader(tc.in), nil), Capture: true, Clock: ClockEvent, Window: testWindow}, nil)
			err := p.Run(context.Background())
			var nc *NotCaptureError
			if errors.As(err, &nc) != tc.want {
				t.Fatalf("Run: %v", err)
			}
		})
	}
}

// TestLastLiveWindowEndsNow: the partial window written at the end of a
// wall-clock run is named by the time the run ended, not by a slide to
// come.
func TestLastLiveWindowEndsNow(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 7, 0, time.UTC) // 7 s into a batch
	clock := func() time.Time { return now }
	rec := &recorder{}
	p := New(Options{Source: fileSource(t, strings.NewReader(lines(3)), clock), Clock: ClockWall, Now: clock, Window: testWindow}, nil, rec)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.results) == 0 {
		t.Fatal("no window")
	}
	for _, r := range rec.results {
		if r.End.After(now) {
			t.Fatalf("a window ends at %v, after the run ended at %v", r.End, now)
		}
	}
}
