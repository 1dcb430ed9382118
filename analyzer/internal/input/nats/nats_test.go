package nats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/bus/bustest"
	"github.com/geostream/geostream/shared/logs/logtest"
)

// publish stores lines n0..n0+count-1 ("line <i>") in the stream, making
// the stream if need be.
func publish(t *testing.T, url string, n0, count int) {
	t.Helper()
	js, done := testJS(t, url)
	defer done()
	if _, err := js.CreateOrUpdateStream(t.Context(), jetstream.StreamConfig{Name: bus.Stream, Subjects: []string{bus.Subjects},
		Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	settle := func() {
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(30 * time.Second):
			t.Fatal("publishing took too long")
		}
	}
	for i := n0; i < n0+count; i++ {
		if _, err := js.PublishAsync(bus.SubjectPrefix+".test", fmt.Appendf(nil, "line %d", i)); err != nil {
			t.Fatal(err)
		}
		if (i-n0)%1000 == 999 { // within the client's window of outstanding publications, however busy the machine
			settle()
		}
	}
	settle()
}

func consume(t *testing.T, url string, mod ...func(*Options)) *Consumer {
	t.Helper()
	o := Options{Conn: bus.Options{URL: url}, Once: true}
	for _, m := range mod {
		m(&o)
	}
	c, err := Consume(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readAll reads until EOF (or n lines), checking that sequences rise.
func readAll(t *testing.T, c *Consumer, n int) (lines []string, seqs []uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for n < 0 || len(lines) < n {
		l, err := c.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d lines: %v", len(lines), err)
		}
		if len(seqs) > 0 && l.Seq <= seqs[len(seqs)-1] {
			t.Fatalf("seq %d after %d", l.Seq, seqs[len(seqs)-1])
		}
		lines, seqs = append(lines, string(l.Data)), append(seqs, l.Seq)
	}
	return lines, seqs
}

func wantLines(t *testing.T, got []string, from, to int) {
	t.Helper()
	if len(got) != to-from {
		t.Fatalf("read %d lines, want %d (lines %d..%d)", len(got), to-from, from, to-1)
	}
	for i, l := range got {
		if want := fmt.Sprintf("line %d", from+i); l != want {
			t.Fatalf("line %d is %q, want %q", i, l, want)
		}
	}
}

// testJS connects the test itself; done closes the connection.
func testJS(t *testing.T, url string) (js jetstream.JetStream, done func()) {
	t.Helper()
	nc, err := natsio.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	js, err = jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js, nc.Close
}

func consumerInfo(t *testing.T, url, name string) *jetstream.ConsumerInfo {
	t.Helper()
	js, done := testJS(t, url)
	defer done()
	c, err := js.Consumer(t.Context(), bus.Stream, name)
	if err != nil {
		t.Fatal(err)
	}
	return c.CachedInfo()
}

func TestConsumeReadsWhatWasPublished(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 5000)
	c := consume(t, s.URL(), func(o *Options) { o.Durable = "all" })
	lines, seqs := readAll(t, c, -1)
	wantLines(t, lines, 0, 5000)
	c.Ack(seqs[len(seqs)-1])
	if err := c.Disconnect(t.Context()); err != nil {
		t.Fatal(err)
	}
	if info := consumerInfo(t, s.URL(), "all"); info.AckFloor.Stream != 5000 || info.NumAckPending != 0 {
		t.Fatalf("after acking everything: ack floor %d, %d pending", info.AckFloor.Stream, info.NumAckPending)
	}
	if st := c.Stats(); st.Taken != 5000 || st.Acked != 5000 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
	s.Stop()
	goleak.VerifyNone(t, ignore)
}

// TestDurableResumesAtItsAck: a consumer that read further than it acked
// and went away is sent, when it comes back under the same name, exactly
// the lines after its ack, at once.
func TestDurableResumesAtItsAck(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 3000)
	c := consume(t, s.URL(), func(o *Options) { o.Durable = "d"; o.Once = false })
	_, seqs := readAll(t, c, 2000)
	c.Ack(seqs[1199]) // lines 0..1199 done; 1200..1999 read, not done
	if err := c.Disconnect(t.Context()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var log logtest.Buffer
	c2 := consume(t, s.URL(), func(o *Options) { // a durable that exists resumes, and says so
		o.Durable, o.Start, o.AckWait, o.Logger = "d", StartNew, time.Hour, slog.New(slog.NewTextHandler(&log, nil))
	})
	lines, _ := readAll(t, c2, -1)
	wantLines(t, lines, 1200, 3000)
	if l := log.String(); !strings.Contains(l, "--nats-start is for a new consumer") || !strings.Contains(l, "keeps the ack wait") {
		t.Errorf("the options a durable ignores are not named:\n%s", l)
	}
	if d := time.Since(start); d > DefaultAckWait/2 {
		t.Fatalf("resumed after %v: waited for the ack wait", d)
	}
	c2.Disconnect(t.Context())
}

func TestStartNewAndTime(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 100)
	c := consume(t, s.URL(), func(o *Options) { o.Start = StartNew; o.Once = false })
	mid := time.Now()
	publish(t, s.URL(), 100, 50)
	lines, _ := readAll(t, c, 50)
	wantLines(t, lines, 100, 150)
	c.Disconnect(t.Context())

	c = consume(t, s.URL(), func(o *Options) { o.Start, o.StartTime = StartTime, mid })
	lines, _ = readAll(t, c, -1)
	wantLines(t, lines, 100, 150)
	c.Disconnect(t.Context())

	c = consume(t, s.URL())
	lines, _ = readAll(t, c, -1)
	wantLines(t, lines, 0, 150)
	c.Disconnect(t.Context())
}

// TestServerRestartLosesNothing: the server goes away while lines are
// being read and comes back; the consumer reconnects, rewinds to its ack
// and every line comes exactly once, in order; acks after the rewind are
// taken by the server.
func TestServerRestartLosesNothing(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 20000)
	c := consume(t, s.URL(), func(o *Options) { o.Durable = "r"; o.Prefetch = 256 })
	first, seqs := readAll(t, c, 5000)
	c.Ack(seqs[3999])
	s.Restart()
	rest, seqs2 := readAll(t, c, -1)
	if seqs2[0] != seqs[len(seqs)-1]+1 {
		t.Fatalf("after the restart, seq %d came after %d", seqs2[0], seqs[len(seqs)-1])
	}
	wantLines(t, append(first, rest...), 0, 20000)
	c.Ack(seqs2[len(seqs2)-1])
	if err := c.Disconnect(t.Context()); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	if st.Reconnect == 0 || st.Rewinds == 0 {
		t.Fatalf("stats %+v: the restart was not seen", st)
	}
	if info := consumerInfo(t, s.URL(), "r"); info.AckFloor.Stream != 20000 || info.NumAckPending != 0 {
		t.Fatalf("after acking everything: ack floor %d, %d pending", info.AckFloor.Stream, info.NumAckPending)
	}
}

// TestRedeliveryIsDropped: lines the server sends again when their ack
// wait runs out are not taken twice.
func TestRedeliveryIsDropped(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 10)
	c := consume(t, s.URL(), func(o *Options) { o.Durable = "w"; o.AckWait = 200 * time.Millisecond; o.Once = false })
	_, seqs := readAll(t, c, 10)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { _, err := c.Next(ctx); done <- err }()
	deadline := time.Now().Add(20 * time.Second)
	for c.Stats().Dropped < 10 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling the count with a deadline
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Next returned %v, want only the cancel", err)
	}
	if st := c.Stats(); st.Dropped < 10 || st.Taken != 10 {
		t.Fatalf("stats %+v", st)
	}
	c.Ack(seqs[9])
	c.Disconnect(t.Context())
	if info := consumerInfo(t, s.URL(), "w"); info.AckFloor.Stream != 10 {
		t.Fatalf("ack floor %d", info.AckFloor.Stream)
	}
}

func TestOnce(t *testing.T) {
	s := bustest.Run(t)
	if _, err := Consume(t.Context(), Options{Conn: bus.Options{URL: s.URL()}, Once: true}); !errors.Is(err, ErrNoStream) {
		t.Fatalf("no stream: %v", err)
	}
	publish(t, s.URL(), 0, 0)
	c := consume(t, s.URL())
	if _, err := c.Next(t.Context()); err != io.EOF {
		t.Fatalf("an empty stream: %v", err)
	}
	c.Disconnect(t.Context())
}

// TestStopAt: a reader of the history stops at the line another consumer
// has reached, though the stream holds more and Once is not set, and
// Last says where a consumer stands.
func TestStopAt(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 10)
	live := consume(t, s.URL(), func(o *Options) { o.Durable = "live"; o.Once = false })
	defer live.Disconnect(t.Context())
	if live.Last() != 0 {
		t.Fatalf("Last before reading: %d", live.Last())
	}
	_, seqs := readAll(t, live, 6)
	if live.Last() != seqs[5] {
		t.Fatalf("Last %d, want %d", live.Last(), seqs[5])
	}
	hist := consume(t, s.URL(), func(o *Options) { o.Once = false; o.StopAt = live.Last() })
	defer hist.Disconnect(t.Context())
	lines, _ := readAll(t, hist, -1)
	if len(lines) != 6 || lines[0] != "line 0" || lines[5] != "line 5" {
		t.Fatalf("read %q, want lines 0 to 5", lines)
	}
	if _, err := hist.Next(t.Context()); err != io.EOF {
		t.Fatalf("after the stop: %v", err)
	}
}

func TestTooLong(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 3)
	c := consume(t, s.URL(), func(o *Options) { o.MaxLine = 5 })
	defer c.Disconnect(t.Context())
	for range 3 {
		l, err := c.Next(t.Context())
		if err != nil || !l.TooLong || l.Data != nil || l.Seq == 0 {
			t.Fatalf("%+v %v", l, err)
		}
	}
}

func TestCloseStopsNext(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 1)
	c := consume(t, s.URL(), func(o *Options) { o.Once = false })
	readAll(t, c, 1)
	done := make(chan error, 1)
	go func() { _, err := c.Next(context.Background()); done <- err }()
	c.Close()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Fatalf("Next after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not stop a blocked Next")
	}
	c.Disconnect(t.Context())
}

// TestCloseWhileRewinding: Close while a rewind waits for a server that is
// away ends the rewind, without a panic, and Next returns io.EOF.
func TestCloseWhileRewinding(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 10)
	c := consume(t, s.URL(), func(o *Options) { o.Once = false; o.Durable = "d" })
	readAll(t, c, 10)
	s.Stop()
	done := make(chan error, 1)
	go func() { done <- c.restart(context.Background(), "test") }() // ends when Close is seen
	c.Close()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Fatalf("the rewind ended with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not end a rewind against a server that is away")
	}
	if _, err := c.Next(context.Background()); err != io.EOF {
		t.Fatalf("Next after Close: %v", err)
	}
	s.Restart()
	c.Disconnect(t.Context())
}

// TestDeletedConsumerEndsReading: a consumer deleted on the server (by an
// operator, or an ephemeral one the server dropped) ends Next with an
// error that says so, instead of a wait for lines that never come.
func TestDeletedConsumerEndsReading(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 10)
	c := consume(t, s.URL(), func(o *Options) { o.Once = false; o.Durable = "gone" })
	readAll(t, c, 10)
	js, done := testJS(t, s.URL())
	defer done()
	if err := js.DeleteConsumer(t.Context(), bus.Stream, "gone"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := c.Next(ctx)
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "deleted") {
		t.Fatalf("Next after the consumer was deleted: %v", err)
	}
	c.Disconnect(t.Context())
}

func TestValidate(t *testing.T) {
	ok := Options{Conn: bus.Options{URL: "nats://127.0.0.1:4222"}}
	for _, c := range []struct {
		name string
		mod  func(*Options)
		ok   bool
	}{
		{"fine", func(*Options) {}, true},
		{"new", func(o *Options) { o.Start = StartNew }, true},
		{"a time without one", func(o *Options) { o.Start = StartTime }, false},
		{"unknown start", func(o *Options) { o.Start = "last" }, false},
		{"a dotted durable", func(o *Options) { o.Durable = "a.b" }, false},
		{"negative wait", func(o *Options) { o.AckWait = -1 }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := ok
			c.mod(&o)
			if err := o.Validate(); (err == nil) != c.ok {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

// TestTakeAfterRewind: after a rewind, held lines get the new deliveries'
// ack subjects in order, what the server no longer sends counts as acked,
// and new lines are taken once the held ones have come again.
func TestTakeAfterRewind(t *testing.T) {
	c := &Consumer{held: []held{{5, "a5"}, {6, "a6"}, {7, "a7"}}, last: 7, rewound: true, firstBack: true}
	for _, step := range []struct {
		seq     uint64
		taken   bool
		rewound bool
		fresh   uint64
		held    string
	}{
		{6, false, true, 6, "[{6 b6} {7 a7}]"}, // 5 was acked: the server starts at 6
		{7, false, false, 7, "[{6 b6} {7 b7}]"},
		{8, true, false, 7, "[{6 b6} {7 b7} {8 b8}]"},
		{8, false, false, 7, "[{6 b6} {7 b7} {8 b8}]"}, // an ack wait's redelivery
	} {
		taken := c.take(step.seq, fmt.Sprintf("b%d", step.seq))
		if taken != step.taken || c.rewound != step.rewound || c.fresh != step.fresh || fmt.Sprint(c.held) != step.held {
			t.Fatalf("take(%d): taken %v, rewound %v, fresh %d, held %v; want %+v", step.seq, taken, c.rewound, c.fresh, c.held, step)
		}
	}
}

// TestDurableReadByOne: a second analyzer under a durable name that one
// reads is refused, told how to run several, and the one reading says so;
// another name is free, and so is the name once its reader has gone.
func TestDurableReadByOne(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 10)
	var log logtest.Buffer
	first := consume(t, s.URL(), func(o *Options) {
		o.Durable, o.Once, o.Logger = "shared", false, slog.New(slog.NewTextHandler(&log, nil))
	})
	if lines, _ := readAll(t, first, 5); len(lines) != 5 {
		t.Fatalf("read %d lines", len(lines))
	}
	_, err := Consume(t.Context(), Options{Conn: bus.Options{URL: s.URL()}, Durable: "shared"})
	if !errors.Is(err, ErrDurableInUse) {
		t.Fatalf("a second reader of one durable: %v", err)
	}
	for _, want := range []string{"--nats-partitions", "--nats-subject", "--nats-durable", "shared-0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %s: %v", want, err)
		}
	}
	if !strings.Contains(log.String(), "another analyzer asked to read this NATS consumer") {
		t.Errorf("the reader does not say it was asked:\n%s", log.String())
	}
	other := consume(t, s.URL(), func(o *Options) { o.Durable = "other" })
	if lines, _ := readAll(t, other, -1); len(lines) != 10 {
		t.Fatalf("another name read %d lines", len(lines))
	}
	other.Disconnect(t.Context())
	if err := first.Disconnect(t.Context()); err != nil {
		t.Fatal(err)
	}
	next := consume(t, s.URL(), func(o *Options) { o.Durable = "shared" })
	if lines, _ := readAll(t, next, -1); len(lines) != 10 {
		t.Fatalf("the name after its reader left read %d lines", len(lines))
	}
	next.Disconnect(t.Context())
}

// TestDurableKilledReaderIsNoObstacle: a reader whose process ended without
// a word (its connection just closed) does not keep its successor out.
func TestDurableKilledReaderIsNoObstacle(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 10)
	dead := consume(t, s.URL(), func(o *Options) { o.Durable = "d"; o.Once = false })
	readAll(t, dead, 3)
	dead.nc.Close() // as a kill would leave it: no Disconnect
	c := consume(t, s.URL(), func(o *Options) { o.Durable = "d" })
	if lines, _ := readAll(t, c, -1); len(lines) != 10 {
		t.Fatalf("read %d lines after the kill", len(lines))
	}
	c.Disconnect(t.Context())
}

// TestDurableTwoAtOnce: of two analyzers that start under one name at the
// same moment, exactly one reads.
func TestDurableTwoAtOnce(t *testing.T) {
	s := bustest.Run(t)
	publish(t, s.URL(), 0, 10)
	errs := make(chan error, 2)
	cons := make(chan *Consumer, 2)
	for range 2 {
		go func() { // ends with Consume
			c, err := Consume(t.Context(), Options{Conn: bus.Options{URL: s.URL()}, Durable: "race", Once: true, ClaimWait: 2 * time.Second})
			errs <- err
			cons <- c
		}()
	}
	refused := 0
	for range 2 {
		if err := <-errs; errors.Is(err, ErrDurableInUse) {
			refused++
		} else if err != nil {
			t.Fatal(err)
		}
		if c := <-cons; c != nil {
			defer c.Disconnect(t.Context())
		}
	}
	if refused != 1 {
		t.Fatalf("%d of two refused, want one", refused)
	}
}
