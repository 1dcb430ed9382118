package nats

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/bus/bustest"
	"github.com/geostream/geostream/shared/tweet"
)

// testLines are n lines of every kind the scraper forwards: tweets, two
// identical notices in a row, a malformed line.
func testLines(n int) [][]byte {
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	var out [][]byte
	for i := 0; len(out) < n; i++ {
		switch i % 50 {
		case 10, 11:
			out = append(out, []byte(`{"limit":{"track":7}}`))
		case 30:
			out = append(out, []byte(`not json {`))
		default:
			tw := tweet.Tweet{ID: fmt.Sprint(1_700_000_000_000_000_000 + i), CreatedAt: t0.Add(time.Duration(i) * time.Second),
				Lon: float64(i%360) - 180, Lat: 10, Geo: tweet.GeoPoint, Text: fmt.Sprintf("tweet %d #t%d", i, i%7)}
			out = append(out, tweet.AppendCompact(nil, &tw))
		}
	}
	return out[:n]
}

func open(t testing.TB, url string, mod ...func(*Options)) *Publisher {
	t.Helper()
	o := Options{Conn: bus.Options{URL: url}, Subject: bus.SubjectPrefix + ".test"}
	for _, m := range mod {
		m(&o)
	}
	p, err := Open(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func send(t testing.TB, p *Publisher, lines [][]byte) {
	t.Helper()
	for _, l := range lines {
		if err := p.Send(t.Context(), source.Line{Data: l}); err != nil {
			t.Fatal(err)
		}
	}
}

// stored reads the whole stream back: every message's data, id and
// subject, in the order stored.
func stored(t *testing.T, url string) (data [][]byte, ids []string, subjects []string) {
	t.Helper()
	for _, m := range bustest.Stored(t, url) {
		data = append(data, m.Data)
		ids = append(ids, m.Header.Get(jetstream.MsgIDHeader))
		subjects = append(subjects, m.Subject)
	}
	return data, ids, subjects
}

func TestPublishStoresEveryLineInOrder(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	s := bustest.Run(t)
	lines := testLines(3000)
	p := open(t, s.URL(), func(o *Options) { o.MaxAge, o.MaxBytes = time.Hour, 64<<20 })
	send(t, p, lines)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, ids, subjects := stored(t, s.URL())
	if len(data) != len(lines) {
		t.Fatalf("stream holds %d lines, sent %d", len(data), len(lines))
	}
	seen := map[string]bool{}
	for i := range lines {
		if !bytes.Equal(data[i], lines[i]) {
			t.Fatalf("line %d stored as %q, sent %q", i, data[i], lines[i])
		}
		if seen[ids[i]] || ids[i] == "" {
			t.Fatalf("line %d has id %q, empty or seen before", i, ids[i])
		}
		seen[ids[i]] = true
		if subjects[i] != bus.SubjectPrefix+".test" {
			t.Fatalf("line %d on subject %q", i, subjects[i])
		}
	}
	if ids[0] != "1700000000000000000" {
		t.Fatalf("a tweet's id is %q, want its tweet id", ids[0])
	}
	if st := p.Stats(); st.Published != 3000 || st.Stored != 3000 || st.Duplicates != 0 {
		t.Fatalf("stats %+v", st)
	}
	// The stream was made as asked.
	nc, _ := natsio.Connect(s.URL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	str, err := js.Stream(t.Context(), bus.Stream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := str.CachedInfo().Config
	if cfg.Storage != jetstream.FileStorage || cfg.MaxAge != time.Hour || cfg.MaxBytes != 64<<20 ||
		cfg.Duplicates != DefaultDuplicates || len(cfg.Subjects) != 1 || cfg.Subjects[0] != bus.Subjects {
		t.Fatalf("stream config %+v", cfg)
	}
	nc.Close()
	s.Stop()
	goleak.VerifyNone(t, ignore) // the publisher left nothing running
}

// TestRestartStoresNoDuplicates: a scraper restarted on the same input
// publishes its lines again, and the stream keeps one of each.
func TestRestartStoresNoDuplicates(t *testing.T) {
	s := bustest.Run(t)
	lines := testLines(2000)
	p1 := open(t, s.URL())
	send(t, p1, lines[:1200]) // then killed: what it published is stored
	if err := p1.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	p2 := open(t, s.URL())
	send(t, p2, lines)
	if err := p2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, _, _ := stored(t, s.URL())
	if len(data) != len(lines) {
		t.Fatalf("stream holds %d lines after a restart, want %d", len(data), len(lines))
	}
	for i := range lines {
		if !bytes.Equal(data[i], lines[i]) {
			t.Fatalf("line %d stored as %q, sent %q", i, data[i], lines[i])
		}
	}
	if st := p2.Stats(); st.Duplicates != 1200 || st.Stored != 800 {
		t.Fatalf("restarted publisher: %+v, want 1200 duplicates and 800 stored", st)
	}
}

// TestServerRestartLosesNothing: the server goes away in the middle and
// comes back; the publisher reconnects, publishes again what was not
// acknowledged and the stream holds every line once.
func TestServerRestartLosesNothing(t *testing.T) {
	s := bustest.Run(t)
	lines := testLines(20000)
	p := open(t, s.URL(), func(o *Options) { o.AckTimeout = time.Second })
	send(t, p, lines[:10000])
	s.Restart()
	send(t, p, lines[10000:])
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, ids, _ := stored(t, s.URL())
	if len(data) != len(lines) {
		t.Fatalf("stream holds %d lines, sent %d", len(data), len(lines))
	}
	want := map[string]bool{}
	for i, l := range lines {
		want[msgID(decode(l), l, uint64(i))] = true
	}
	for _, id := range ids {
		if !want[id] {
			t.Fatalf("stored %q twice or never sent it", id)
		}
		delete(want, id)
	}
}

func decode(l []byte) *tweet.Tweet {
	var d source.Decoder
	line := source.Line{Data: l}
	return line.Decode(&d)
}

// TestUndeliverableFails: with the server gone for good, the publisher
// gives up after its timeout with an error, so the scraper exits
// non-zero.
func TestUndeliverableFails(t *testing.T) {
	s := bustest.Run(t)
	p := open(t, s.URL(), func(o *Options) {
		o.Timeout, o.AckTimeout, o.MaxPending = 500*time.Millisecond, 200*time.Millisecond, 16
	})
	s.Stop()
	start := time.Now()
	var err error
	for _, l := range testLines(1000) {
		if err = p.Send(t.Context(), source.Line{Data: l}); err != nil {
			break
		}
	}
	cerr := p.Close(context.Background())
	if err == nil {
		err = cerr
	}
	if !errors.Is(err, ErrNotStored) {
		t.Fatalf("got %v, want ErrNotStored", err)
	}
	if cerr == nil {
		t.Fatal("Close said nothing of the lines it could not deliver")
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("gave up after %v", d)
	}
}

func TestExistingStream(t *testing.T) {
	s := bustest.Run(t)
	nc, _ := natsio.Connect(s.URL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.CreateStream(t.Context(), jetstream.StreamConfig{Name: bus.Stream, Subjects: []string{"geostream.tweets.other"},
		Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), Options{Conn: bus.Options{URL: s.URL()}, Subject: bus.SubjectPrefix + ".test"})
	if err == nil || !strings.Contains(err.Error(), "not geostream.tweets.test") {
		t.Fatalf("a stream that does not store the subject: %v", err)
	}
	if _, err := js.UpdateStream(t.Context(), jetstream.StreamConfig{Name: bus.Stream, Subjects: []string{bus.Subjects},
		Storage: jetstream.MemoryStorage, MaxAge: time.Minute}); err != nil {
		t.Fatal(err)
	}
	p := open(t, s.URL())
	p.Close(context.Background())
	str, _ := js.Stream(t.Context(), bus.Stream)
	if cfg := str.CachedInfo().Config; cfg.MaxAge != time.Minute || cfg.Storage != jetstream.MemoryStorage {
		t.Fatalf("an existing stream was changed: %+v", cfg)
	}
	p = open(t, s.URL(), func(o *Options) {
		o.Update = Limits{MaxAge: true, Duplicates: true}
		o.MaxAge, o.Duplicates, o.MaxBytes = 2*time.Hour, time.Minute, 1<<20
	})
	p.Close(context.Background())
	str, _ = js.Stream(t.Context(), bus.Stream)
	if cfg := str.CachedInfo().Config; cfg.MaxAge != 2*time.Hour || cfg.Duplicates != time.Minute || cfg.MaxBytes != -1 {
		t.Fatalf("limits not updated as asked (max age, duplicates; not max bytes): %+v", cfg)
	}
	// One limit given: the others stay as the stream has them.
	p = open(t, s.URL(), func(o *Options) { o.Update = Limits{MaxBytes: true}; o.MaxBytes = 8 << 20 })
	p.Close(context.Background())
	str, _ = js.Stream(t.Context(), bus.Stream)
	if cfg := str.CachedInfo().Config; cfg.MaxBytes != 8<<20 || cfg.MaxAge != 2*time.Hour || cfg.Duplicates != time.Minute {
		t.Fatalf("one limit given changed the others: %+v", cfg)
	}
}

func TestPartitions(t *testing.T) {
	s := bustest.Run(t)
	p := open(t, s.URL(), func(o *Options) { o.Partitions = 4 })
	lines := testLines(400)
	send(t, p, lines)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, ids, subjects := stored(t, s.URL())
	count := map[string]int{}
	for i, sub := range subjects {
		want := fmt.Sprintf("%s.test.%d", bus.SubjectPrefix, Partition(ids[i], 4))
		if sub != want {
			t.Fatalf("line %d on %s, want %s", i, sub, want)
		}
		count[sub]++
	}
	if len(count) != 4 {
		t.Fatalf("partitions used: %v", count)
	}
}

func TestMsgID(t *testing.T) {
	notice := []byte(`{"limit":{"track":7}}`)
	for _, c := range []struct {
		name string
		tw   tweet.Tweet
		data []byte
		n    uint64
		want string
	}{
		{"a tweet is its id", tweet.Tweet{Kind: tweet.KindTweet, ID: "42"}, []byte(`{"id":"42"}`), 9, "42"},
		{"a tweet's id whatever its position", tweet.Tweet{Kind: tweet.KindTweet, ID: "42"}, []byte(`{"id":"42"}`), 10, "42"},
		// FNV-1a, 64 bits, of the notice's bytes (computed apart).
		{"a notice is its hash and position", tweet.Tweet{Kind: tweet.KindNotice}, notice, 3, "line-476ce22d39677554-3"},
		{"the same notice later is another line", tweet.Tweet{Kind: tweet.KindNotice}, notice, 4, "line-476ce22d39677554-4"},
		{"a tweet without an id", tweet.Tweet{Kind: tweet.KindTweet}, notice, 3, "line-476ce22d39677554-3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := msgID(&c.tw, c.data, c.n); got != c.want {
				t.Fatalf("msgID = %q, want %q", got, c.want)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	for _, c := range []struct {
		pattern, subject string
		want             bool
	}{
		{"geostream.tweets.>", "geostream.tweets.synth", true},
		{"geostream.tweets.>", "geostream.tweets", false},
		{"geostream.tweets.>", "geostream.tweets.synth.3", true},
		{"geostream.tweets.*", "geostream.tweets.synth", true},
		{"geostream.tweets.*", "geostream.tweets.synth.3", false},
		{"geostream.tweets.synth", "geostream.tweets.synth", true},
		{"geostream.tweets.synth", "geostream.tweets.synthx", false},
		{"geostream.*.synth", "geostream.tweets.synth", true},
		{">", "a", true},
		{"a.b", "a", false},
	} {
		if got := matches(c.pattern, c.subject); got != c.want {
			t.Errorf("matches(%q, %q) = %v", c.pattern, c.subject, got)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Options{Conn: bus.Options{URL: "nats://127.0.0.1:4222"}, Subject: "geostream.tweets.synth"}
	for _, c := range []struct {
		name string
		mod  func(*Options)
		ok   bool
	}{
		{"fine", func(*Options) {}, true},
		{"outside the stream", func(o *Options) { o.Subject = "tweets.synth" }, false},
		{"a wildcard", func(o *Options) { o.Subject = "geostream.tweets.*" }, false},
		{"negative limits", func(o *Options) { o.MaxBytes = -1 }, false},
		{"window over the age", func(o *Options) { o.MaxAge, o.Duplicates = time.Minute, time.Hour }, false},
		{"no url", func(o *Options) { o.Conn.URL = "" }, false},
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

// FuzzMatches checks the subject matcher against a plain reading of the
// rules: tokens split on dots, * one token, a last > the rest (at least
// one token).
func FuzzMatches(f *testing.F) {
	for _, s := range [][2]string{{"geostream.tweets.>", "geostream.tweets.synth"}, {"a.*.c", "a.b.c"}, {">", ""}, {"a..b", "a..b"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, subject string) {
		p, s := strings.Split(pattern, "."), strings.Split(subject, ".")
		if slices.Contains(p, "") || slices.Contains(s, "") {
			return // not a subject NATS takes
		}
		want := true
		for i, tok := range p {
			if tok == ">" && i == len(p)-1 {
				want = len(s) > i && !(len(s) == i+1 && s[i] == "")
				break
			}
			if i >= len(s) || tok != "*" && tok != s[i] {
				want = false
				break
			}
			if i == len(p)-1 && len(s) != len(p) {
				want = false
			}
		}
		if got := matches(pattern, subject); got != want {
			t.Fatalf("matches(%q, %q) = %v, want %v", pattern, subject, got, want)
		}
	})
}

// stalledJS refuses every publication as a client with a full buffer does.
type stalledJS struct{ jetstream.JetStream }

func (stalledJS) PublishMsgAsync(*natsio.Msg, ...jetstream.PublishOpt) (jetstream.PubAckFuture, error) {
	return nil, jetstream.ErrTooManyStalledMsgs
}

// failedFuture is a publication the connection lost.
type failedFuture struct {
	msg *natsio.Msg
	err chan error
}

func (f failedFuture) Ok() <-chan *jetstream.PubAck { return nil }
func (f failedFuture) Err() <-chan error            { return f.err }
func (f failedFuture) Msg() *natsio.Msg             { return f.msg }

// TestInterruptedRetryKeepsTheLine: a line whose publication failed, and
// whose publication again an interrupt cut short, stays queued: Close
// publishes it once more, and it is stored.
func TestInterruptedRetryKeepsTheLine(t *testing.T) {
	s := bustest.Run(t)
	p := open(t, s.URL())
	lines := testLines(3)
	send(t, p, lines[:2])
	for p.head < len(p.queue) { // both acked: the lost line is the head
		if err := p.reap(t.Context(), true); err != nil {
			t.Fatal(err)
		}
	}
	js := p.js
	// The third line's first publication is lost with the connection.
	m := &natsio.Msg{Subject: p.subject("lost"), Data: lines[2], Header: natsio.Header{jetstream.MsgIDHeader: []string{"lost"}}}
	f := failedFuture{msg: m, err: make(chan error, 1)}
	f.err <- natsio.ErrDisconnected
	p.queue = append(p.queue, &pending{msg: m, fut: f, first: time.Now()})
	// Publishing it again meets a full buffer, and then the interrupt.
	p.js = stalledJS{js}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel) // the interrupt, while the retry waits for room
	if err := p.reap(ctx, true); !errors.Is(err, context.Canceled) {
		t.Fatalf("reap: %v", err)
	}
	p.js = js // the connection has room again
	if err := p.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, ids, _ := stored(t, s.URL())
	if !slices.Contains(ids, "lost") || len(ids) != 3 {
		t.Fatalf("stored %v: the line cut short by the interrupt is missing", ids)
	}
}

// TestTooBigForTheServer: a line over the server's largest message is not
// stored, at once: publishing it again cannot help.
func TestTooBigForTheServer(t *testing.T) {
	s := bustest.Run(t)
	p := open(t, s.URL(), func(o *Options) { o.Timeout = time.Hour })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	big := append([]byte(`{"id":"1","created_at":"2026-01-01T00:00:00Z","text":"`), bytes.Repeat([]byte("x"), 2<<20)...)
	big = append(big, `"}`...)
	err := p.Send(ctx, source.Line{Data: big})
	if !errors.Is(err, ErrNotStored) || !errors.Is(err, natsio.ErrMaxPayload) {
		t.Fatalf("a 2 MiB line: %v", err)
	}
	p.Close(t.Context())
}
