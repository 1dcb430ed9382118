package pipeline

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/window"
)

// TestPartialWindows: with the event clock, the windows written at the
// end of the input whose span the input did not reach say so; the ones
// the input went past do not.
func TestPartialWindows(t *testing.T) {
	var in strings.Builder
	for s := 0; s < 95; s++ { // a tweet a second from 00:00:00 to 00:01:34
		fmt.Fprintf(&in, `{"id":"%d","created_at":"2026-01-01T00:%02d:%02dZ","lon":1,"lat":2,"text":"x"}`+"\n", s, s/60, s%60)
	}
	rec := &recorder{}
	p := New(Options{Source: fileSource(t, strings.NewReader(in.String()), nil), Clock: ClockEvent, Lateness: time.Second,
		Window: window.Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}}, nil, rec)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rec.results {
		got = append(got, fmt.Sprintf("%s %v", r.End.Format("15:04:05"), r.Partial))
	}
	want := "00:00:20 false, 00:00:40 false, 00:01:00 false, 00:01:20 false, 00:01:40 true"
	if strings.Join(got, ", ") != want {
		t.Fatalf("windows %s, want %s", strings.Join(got, ", "), want)
	}
}

// TestPartialWindowAtShutdown: a wall-clock run stopped mid-slide writes
// its last window as partial, ending when it stopped.
func TestPartialWindowAtShutdown(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 5, 0, time.UTC)
	now := func() time.Time { return t0 }
	in := `{"id":"1","created_at":"2001-01-01T00:00:00Z","lon":1,"lat":2,"text":"x"}` + "\n"
	rec := &recorder{}
	p := New(Options{Source: fileSource(t, strings.NewReader(in), now), Clock: ClockWall, Now: now,
		Window: window.Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}}, nil, rec)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.results) != 1 || !rec.results[0].Partial || !rec.results[0].End.Equal(t0) {
		t.Fatalf("windows %+v, want one partial window ending at %v", rec.results, t0)
	}
}
