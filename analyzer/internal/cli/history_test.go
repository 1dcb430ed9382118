package cli

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/shared/backoff"
)

// lines is a Source of n lines that each take a tick of its clock to
// read, and an Acker.
type lines struct {
	n, read int
	clock   *time.Time
	acked   uint64
}

func (l *lines) Next(context.Context) (input.Line, error) {
	if l.read == l.n {
		return input.Line{}, io.EOF
	}
	l.read++
	*l.clock = l.clock.Add(time.Millisecond)
	return input.Line{Data: []byte("x"), Seq: uint64(l.read)}, nil
}
func (l *lines) Buffered() bool { return false }
func (l *lines) Close() error   { return nil }
func (l *lines) Ack(seq uint64) { l.acked = seq }

// TestPacedSourceKeepsItsShare: a rebuild's reader pauses after every
// chunk for as long as the chunk took, times (1-share)/share, so it is
// busy share of the time; acks reach its consumer.
func TestPacedSourceKeepsItsShare(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	src := &lines{n: 1000, clock: &clock}
	var slept time.Duration
	p := &pacedSource{Source: src, acker: src, share: 0.25, chunk: 100, now: func() time.Time { return clock },
		sleep: func(_ context.Context, d time.Duration) error { slept += d; clock = clock.Add(d); return nil }}
	begun := clock
	n := 0
	for {
		if _, err := p.Next(t.Context()); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1000 {
		t.Fatalf("read %d lines", n)
	}
	busy := clock.Sub(begun) - slept
	if share := float64(busy) / float64(clock.Sub(begun)); share < 0.24 || share > 0.27 {
		t.Fatalf("busy %.2f of the time, want 0.25 (slept %v, busy %v)", share, slept, busy)
	}
	p.Ack(7)
	if src.acked != 7 {
		t.Fatalf("acked %d", src.acked)
	}
}

// TestPacedSourceStopsWithItsContext: a pause ends with the rebuild.
func TestPacedSourceStopsWithItsContext(t *testing.T) {
	clock := time.Now()
	src := &lines{n: 10, clock: &clock}
	p := &pacedSource{Source: src, acker: src, share: 0.01, chunk: 1, now: func() time.Time { return clock }, sleep: backoff.Sleep}
	ctx, cancel := context.WithCancel(t.Context())
	if _, err := p.Next(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := p.Next(ctx); err != context.Canceled {
		t.Fatalf("after cancel: %v", err)
	}
}
