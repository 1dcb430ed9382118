package pipeline

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/analyzer/internal/window"
)

// ackSource numbers its lines from 1 and checks, at every Ack, that each
// line it acks is in a window the outputs have written.
type ackSource struct {
	t     *testing.T
	lines []input.Line
	i     int
	rec   *recorder
	acks  []uint64
	// With stopAt, Next blocks after that many lines until ctx ends, and
	// the first Ack calls cancel: an interrupt while the stream is quiet.
	stopAt int
	cancel func()
}

func (s *ackSource) Next(ctx context.Context) (input.Line, error) {
	if s.stopAt > 0 && s.i == s.stopAt {
		<-ctx.Done()
		return input.Line{}, ctx.Err()
	}
	if s.i == len(s.lines) {
		return input.Line{}, io.EOF
	}
	s.i++
	return s.lines[s.i-1], nil
}

func (s *ackSource) Buffered() bool { return s.i < len(s.lines) && s.i != s.stopAt }
func (s *ackSource) Close() error   { return nil }

func (s *ackSource) Ack(seq uint64) {
	if len(s.acks) > 0 && seq <= s.acks[len(s.acks)-1] {
		s.t.Errorf("Ack(%d) after Ack(%d)", seq, s.acks[len(s.acks)-1])
	}
	if seq > uint64(s.i) {
		s.t.Errorf("Ack(%d) with only %d lines read", seq, s.i)
	}
	written := map[string]bool{}
	s.rec.mu.Lock()
	for _, r := range s.rec.results {
		for _, p := range r.Points {
			written[p.ID()] = true
		}
	}
	s.rec.mu.Unlock()
	for n := uint64(1); n <= seq; n++ {
		if !written[strconv.FormatUint(n, 10)] {
			s.t.Errorf("Ack(%d) acks line %d, which no written window holds", seq, n)
			break
		}
	}
	s.acks = append(s.acks, seq)
	if s.cancel != nil {
		s.cancel()
	}
}

var ackT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// tweetsAt makes one numbered tweet per offset (seconds from ackT0), its
// id its line number.
func tweetsAt(offsets ...float64) []input.Line {
	var ls []input.Line
	for i, off := range offsets {
		at := ackT0.Add(time.Duration(off * float64(time.Second))).Format(time.RFC3339)
		ls = append(ls, input.Line{Seq: uint64(i + 1), Arrival: ackT0,
			Data: fmt.Appendf(nil, `{"id":"%d","created_at":"%s","lon":1,"lat":2,"text":"x"}`, i+1, at)})
	}
	return ls
}

func runAcks(t *testing.T, lines []input.Line) *ackSource {
	t.Helper()
	src := run(t, context.Background(), &ackSource{t: t, lines: lines})
	if len(src.acks) == 0 || src.acks[len(src.acks)-1] != uint64(len(lines)) {
		t.Fatalf("acks %v: the end of the run should ack all %d lines", src.acks, len(lines))
	}
	return src
}

func run(t *testing.T, ctx context.Context, src *ackSource) *ackSource {
	t.Helper()
	rec := &recorder{}
	src.rec = rec
	p := New(Options{Source: src, Clock: ClockEvent, Lateness: 5 * time.Second,
		Window: window.Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}}, nil, rec)
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return src
}

func halfSeconds(n int) []float64 {
	var offs []float64
	for i := range n {
		offs = append(offs, float64(i)/2)
	}
	return offs
}

// TestAckOnlyWrittenLines: lines are acked once their window is written,
// a slide at a time, and all of them by the end.
func TestAckOnlyWrittenLines(t *testing.T) {
	src := runAcks(t, tweetsAt(halfSeconds(360)...))
	if len(src.acks) < 7 {
		t.Fatalf("acks %v: want about one per 20 s slide", src.acks)
	}
}

// TestAckOnInterrupt: an interrupted run acks what the windows it flushes
// hold: every line it took in, and none it did not read.
func TestAckOnInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := run(t, ctx, &ackSource{t: t, lines: tweetsAt(halfSeconds(360)...), cancel: cancel, stopAt: 200})
	if len(src.acks) < 2 || src.acks[len(src.acks)-1] != 200 {
		t.Fatalf("acks %v after 200 lines and an interrupt", src.acks)
	}
}

// TestAckWaitsForAnEarlyFutureLine: a line dated ahead of the others
// holds the acks below it until its own window is written, though the
// lines after it are done.
func TestAckWaitsForAnEarlyFutureLine(t *testing.T) {
	offs := []float64{1, 2, 3, 95} // line 4 is a minute and a half ahead
	for s := 4.0; s < 150; s++ {
		offs = append(offs, s)
	}
	src := runAcks(t, tweetsAt(offs...))
	var held bool
	for _, a := range src.acks {
		if a == 3 {
			held = true
		}
		if a > 3 && !held {
			t.Fatalf("acks %v", src.acks)
		}
	}
	if !held {
		t.Fatalf("acks %v: none stopped below the early line", src.acks)
	}
}

// TestAckLateLines: a late tweet goes to the oldest open batch, and is
// acked with it.
func TestAckLateLines(t *testing.T) {
	offs := []float64{}
	for s := 0.0; s < 120; s++ {
		offs = append(offs, s)
		if s == 60 {
			offs = append(offs, 3) // 57 s late
		}
	}
	runAcks(t, tweetsAt(offs...))
}

// TestNoAckerNoAcks: a source that numbers lines but is no Acker costs
// nothing and gets nothing.
func TestNoAckerNoAcks(t *testing.T) {
	if newAcks(&struct{ input.Source }{}) != nil {
		t.Fatal("acks for a source that is no Acker")
	}
}

// noticeFirst is a Source whose lines are numbered from 1 and whose acks
// are recorded.
type noticeFirst struct {
	lines []input.Line
	i     int
	acks  []uint64
}

func (s *noticeFirst) Next(ctx context.Context) (input.Line, error) {
	if s.i == len(s.lines) {
		return input.Line{}, io.EOF
	}
	s.i++
	return s.lines[s.i-1], nil
}
func (s *noticeFirst) Buffered() bool { return s.i < len(s.lines) }
func (s *noticeFirst) Close() error   { return nil }
func (s *noticeFirst) Ack(seq uint64) { s.acks = append(s.acks, seq) }

// TestLeadingNoticeDoesNotStartTheClock: with the event clock, a line with
// no time of its own before the first tweet (a Bluesky identity event, a
// stream notice) goes to that tweet's batch. Counted at its arrival today,
// it used to start the clock there: every tweet of the capture was late,
// all in one window, and nothing was acked until the end.
func TestLeadingNoticeDoesNotStartTheClock(t *testing.T) {
	today := ackT0.Add(400 * 24 * time.Hour)
	lines := []input.Line{{Seq: 1, Arrival: today, Data: []byte(`{"delete":{"status":{"id":1}}}`)}}
	for i, l := range tweetsAt(halfSeconds(360)...) {
		l.Seq, l.Arrival = uint64(i+2), today
		lines = append(lines, l)
	}
	src := &noticeFirst{lines: lines}
	rec := &recorder{}
	p := New(Options{Source: src, Clock: ClockEvent, Lateness: 5 * time.Second,
		Window: window.Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}}, nil, rec)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var late, notices, fresh int
	for _, r := range rec.results {
		late += r.Fresh.Late
		notices += r.Fresh.Notices
		fresh += r.Fresh.Tweets
		if r.End.After(ackT0.Add(time.Hour)) {
			t.Fatalf("a window ends at %v: the clock started at the notice's arrival", r.End)
		}
	}
	if late != 0 || notices != 1 || fresh != 360 || len(rec.results) < 9 {
		t.Fatalf("%d windows: %d tweets, %d late, %d notices", len(rec.results), fresh, late, notices)
	}
	if len(src.acks) < 7 || src.acks[len(src.acks)-1] != uint64(len(lines)) {
		t.Fatalf("acks %v: want about one per slide, ending with %d", src.acks, len(lines))
	}
}

// TestOnlyNotices: a stream of nothing but undated lines still counts them,
// at their arrival.
func TestOnlyNotices(t *testing.T) {
	var lines []input.Line
	for i := range 3 {
		lines = append(lines, input.Line{Seq: uint64(i + 1), Arrival: ackT0, Data: []byte(`{"limit":{"track":1}}`)})
	}
	src := &noticeFirst{lines: lines}
	rec := &recorder{}
	p := New(Options{Source: src, Clock: ClockEvent, Window: testWindow}, nil, rec)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	notices := 0
	for _, r := range rec.results {
		notices += r.Fresh.Notices
	}
	if notices != 3 || len(src.acks) == 0 || src.acks[len(src.acks)-1] != 3 {
		t.Fatalf("%d notices in %d windows, acks %v", notices, len(rec.results), src.acks)
	}
}
