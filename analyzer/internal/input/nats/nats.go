// Package nats is the analyzer's input from a NATS JetStream stream (the
// one the scraper's --publish fills): a pull consumer, durable if it has a
// name, read as an input.Source.
//
// The Consumer is also a pipeline.Acker: it acks (AckAll) a line only
// when the pipeline says it is done with it, so that a consumer that is
// stopped or killed, started again under the same durable name, is sent
// again exactly the lines it had not finished. On resuming it asks the
// server to deliver again from its ack floor (rather than waiting for the
// ack wait to run out), and lines are taken in stream order only: a
// redelivery of a line already taken is dropped, and when deliveries were
// lost on the way (a connection that broke) the consumer is rewound to
// its ack floor, so that no line is skipped and none is taken twice.
//
// One analyzer at a time reads a durable consumer (see claim.go): a second
// one under the same name is refused and told how to share the stream.
package nats

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/wire"
)

// Where a new consumer starts.
const (
	StartFirst = "first" // the oldest line the stream holds
	StartNew   = "new"   // lines published from now on
	StartTime  = "time"  // lines stored at or after Options.StartTime
)

// Defaults for Options.
const (
	DefaultAckWait  = 5 * time.Minute
	DefaultPrefetch = 4096
	// DefaultWait is how long a Consumer waits for the stream to appear.
	DefaultWait = time.Second
	// DefaultFlushTimeout bounds Disconnect's wait for its acks to arrive
	// when its context has no deadline.
	DefaultFlushTimeout = 10 * time.Second
)

// ErrNoStream is returned by Consume with Once when the stream does not
// exist.
var ErrNoStream = errors.New("nats: no such stream")

// Options configures a Consumer.
type Options struct {
	// Conn says how to reach the server.
	Conn bus.Options
	// Stream is the stream to read [bus.Stream], Subject the subjects in
	// it [bus.Subjects] (one partition: geostream.tweets.*.3).
	Stream, Subject string
	// Durable names a consumer that the server keeps, and that resumes
	// where it stopped; "" makes one for this run only. One analyzer at a
	// time reads a durable: Consume refuses a name another one reads
	// (ErrDurableInUse), after waiting ClaimWait [DefaultClaimWait] for
	// it to answer.
	Durable   string
	ClaimWait time.Duration
	// Start says where a new consumer begins: StartFirst (or ""),
	// StartNew or StartTime (at StartTime). A durable that exists resumes.
	Start     string
	StartTime time.Time
	// AckWait is how long the server waits for an ack before it sends a
	// line again [DefaultAckWait]; lines wait for their window, so it is
	// long. MaxAckPending caps the lines delivered and not yet acked
	// (0: no cap).
	AckWait       time.Duration
	MaxAckPending int
	// Prefetch is how many lines are pulled ahead [DefaultPrefetch].
	Prefetch int
	// Once makes Next return io.EOF once the consumer has caught up with
	// the stream, instead of waiting for more.
	Once bool
	// StopAt, if set, makes Next return io.EOF after the line at stream
	// sequence StopAt (or the first line past it): a reader of the
	// stream's history stops where another consumer stands (Last).
	StopAt uint64
	// MaxLine is the longest line; longer ones are TooLong [wire.DefaultMaxLine].
	MaxLine int
	// Now stamps arrivals (nil: time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Validate checks the options.
func (o *Options) Validate() error {
	if err := o.Conn.Validate(); err != nil {
		return err
	}
	switch o.Start {
	case "", StartFirst, StartNew:
	case StartTime:
		if o.StartTime.IsZero() {
			return errors.New("nats: a start time is needed")
		}
	default:
		return fmt.Errorf("nats: start must be first, new or a time, not %q", o.Start)
	}
	if o.AckWait < 0 || o.MaxAckPending < 0 || o.Prefetch < 0 || o.MaxLine < 0 || o.ClaimWait < 0 {
		return errors.New("nats: ack wait, max ack pending, prefetch, max line and claim wait must not be negative")
	}
	for _, c := range o.Durable {
		if c == '.' || c == '*' || c == '>' || c == ' ' || c == '/' || c == '\\' {
			return fmt.Errorf("nats: durable name %q must not hold . * > / \\ or spaces", o.Durable)
		}
	}
	return nil
}

func (o *Options) defaults() {
	if o.Stream == "" {
		o.Stream = bus.Stream
	}
	if o.Subject == "" {
		o.Subject = bus.Subjects
	}
	if o.Start == "" {
		o.Start = StartFirst
	}
	if o.AckWait == 0 {
		o.AckWait = DefaultAckWait
	}
	if o.ClaimWait == 0 {
		o.ClaimWait = DefaultClaimWait
	}
	if o.Prefetch == 0 {
		o.Prefetch = DefaultPrefetch
	}
	if o.MaxLine == 0 {
		o.MaxLine = wire.DefaultMaxLine
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Stats are a Consumer's running totals.
type Stats struct {
	Taken     uint64 // lines handed to Next's caller
	Dropped   uint64 // deliveries of lines already taken
	Rewinds   uint64 // times the consumer was rewound to its ack floor
	Acked     uint64 // stream sequence acked through
	Reconnect uint64 // reconnections seen
}

// Consumer reads a stream as an input.Source. Next, Buffered and Ack are
// for one goroutine at a time (the reader's and the pipeline's take
// turns: Ack is safe beside Next); Close and Stats may be called from any.
type Consumer struct {
	opts   Options
	log    *slog.Logger
	nc     *natsio.Conn
	js     jetstream.JetStream
	cons   jetstream.Consumer
	name   string
	status chan natsio.Status
	fatal  chan error // what ends reading for good: the consumer deleted
	claim  *claim     // the durable this Consumer reads, until Disconnect

	mu     sync.Mutex // guards g and closed against Close
	g      *generation
	closed bool
	done   chan struct{} // closed by Close

	lastD    uint64 // consumer sequence of the last delivery seen
	caughtUp bool   // Once: the last line taken left nothing pending
	stopped  bool   // StopAt: the line at StopAt was taken

	heldMu sync.Mutex // guards held, last and the rewind state between Next and Ack
	held   []held     // lines taken and not acked, in stream order
	last   uint64     // stream sequence of the newest line taken
	// After a rewind the server numbers its deliveries anew, and an ack
	// must carry the new numbers: until the lines held have come again
	// (rewound), acks go no further than fresh, the newest held line
	// whose ack subject is new.
	rewound   bool
	firstBack bool // no delivery yet since the rewind
	fresh     uint64

	taken, dropped, rewinds, acked, reconnects atomic.Uint64
}

// held is a line taken and not yet acked: its stream sequence and the
// subject its ack goes to.
type held struct {
	seq   uint64
	reply string
}

// generation is one run of the client's pull loop; a rewind starts a new
// one and drops what the old one still delivers.
type generation struct {
	cc   jetstream.ConsumeContext
	msgs chan jetstream.Msg
	stop chan struct{}
	once sync.Once
}

// end stops the generation; Close and a rewind may both ask.
func (g *generation) end() {
	g.once.Do(func() {
		close(g.stop)
		if g.cc != nil {
			g.cc.Stop()
		}
	})
}

// Consume connects, finds or makes the consumer and starts pulling. It
// waits for the stream to exist (logging that it does), unless Once is
// set. The Consumer owns the connection: Close stops reading, Disconnect
// (after the last Ack) closes it.
func Consume(ctx context.Context, opts Options) (*Consumer, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.defaults()
	nc, js, err := bus.JetStream(opts.Conn, opts.Logger)
	if err != nil {
		return nil, err
	}
	c := &Consumer{opts: opts, log: opts.Logger, nc: nc, js: js}
	if err := c.setup(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func (c *Consumer) setup(ctx context.Context) error {
	js := c.js
	o := c.opts
	waited := false
	for {
		_, err := js.Stream(ctx, o.Stream)
		if err == nil {
			break
		}
		if !errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("looking up stream %s: %w", o.Stream, err)
		}
		if o.Once {
			return fmt.Errorf("%w: %s (no scraper has published to it)", ErrNoStream, o.Stream)
		}
		if !waited {
			c.log.Info("waiting for the NATS stream: no scraper has published to it yet", "stream", o.Stream)
			waited = true
		}
		select {
		case <-time.After(DefaultWait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := c.consumer(ctx); err != nil {
		return err
	}
	c.status = c.nc.StatusChanged(natsio.CONNECTED)
	c.fatal = make(chan error, 1)
	c.done = make(chan struct{})
	if o.Once {
		info, err := c.cons.Info(ctx)
		if err != nil {
			return fmt.Errorf("reading consumer %s: %w", c.name, err)
		}
		c.caughtUp = info.NumPending == 0 && info.NumAckPending == 0
	}
	return c.pull()
}

// consumer finds the durable consumer or makes one.
func (c *Consumer) consumer(ctx context.Context) error {
	o := c.opts
	if o.Durable != "" {
		cl, err := claimDurable(c.nc, o.Stream, o.Durable, o.ClaimWait, c.log)
		if err != nil {
			return err
		}
		c.claim = cl
		cons, err := c.js.Consumer(ctx, o.Stream, o.Durable)
		switch {
		case err == nil:
			return c.resume(ctx, cons)
		case !errors.Is(err, jetstream.ErrConsumerNotFound):
			return fmt.Errorf("looking up consumer %s: %w", o.Durable, err)
		}
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       o.Durable,
		Description:   "geostream analyzer",
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       o.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: -1,
		FilterSubject: o.Subject,
	}
	if o.MaxAckPending > 0 {
		cfg.MaxAckPending = o.MaxAckPending
	}
	if o.Durable == "" {
		cfg.InactiveThreshold = time.Minute // the server removes it after a crash
	}
	switch o.Start {
	case StartNew:
		cfg.DeliverPolicy = jetstream.DeliverNewPolicy
	case StartTime:
		t := o.StartTime
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &t
	default:
		cfg.DeliverPolicy = jetstream.DeliverAllPolicy
	}
	cons, err := c.js.CreateConsumer(ctx, o.Stream, cfg)
	if err != nil {
		return fmt.Errorf("creating consumer %s: %w", o.Durable, err)
	}
	c.cons, c.name = cons, cons.CachedInfo().Name
	c.log.Info("reading NATS stream", "stream", o.Stream, "subject", o.Subject, "consumer", c.name,
		"durable", o.Durable != "", "start", o.Start, "pending", cons.CachedInfo().NumPending)
	return nil
}

// resume takes up an existing durable consumer where it was last acked.
func (c *Consumer) resume(ctx context.Context, cons jetstream.Consumer) error {
	o := c.opts
	info := cons.CachedInfo()
	if info.Config.FilterSubject != o.Subject {
		return fmt.Errorf("consumer %s reads %q, not %q: give another --nats-durable, or delete it", o.Durable, info.Config.FilterSubject, o.Subject)
	}
	if info.Config.AckPolicy != jetstream.AckAllPolicy {
		return fmt.Errorf("consumer %s acks %v, not all: it was not made by the analyzer", o.Durable, info.Config.AckPolicy)
	}
	if o.Start == StartNew || o.Start == StartTime {
		c.log.Warn("--nats-start is for a new consumer: this one resumes where it was last acked", "consumer", o.Durable, "start", o.Start)
	}
	if o.AckWait != 0 && info.Config.AckWait != o.AckWait {
		c.log.Warn("the consumer keeps the ack wait it was made with", "consumer", o.Durable, "ack_wait", info.Config.AckWait, "asked", o.AckWait)
	}
	c.cons, c.name = cons, info.Name
	if info.NumAckPending > 0 {
		// Lines delivered to a run that did not ack them: have them
		// again now, in order, rather than after the ack wait.
		if err := c.rewind(ctx); err != nil {
			return err
		}
	}
	c.log.Info("resuming NATS consumer", "stream", o.Stream, "consumer", c.name, "acked_through", info.AckFloor.Stream,
		"redelivered", info.NumAckPending, "pending", info.NumPending)
	return nil
}

// rewind has the server deliver again from the consumer's ack floor.
func (c *Consumer) rewind(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := c.js.ResetConsumer(ctx, c.opts.Stream, c.name); err != nil {
		return fmt.Errorf("rewinding consumer %s to its ack floor: %w", c.name, err)
	}
	c.rewinds.Add(1)
	c.lastD = 0 // delivery numbers start again
	c.heldMu.Lock()
	c.rewound, c.firstBack, c.fresh = len(c.held) > 0, true, 0
	c.heldMu.Unlock()
	return nil
}

// pull starts a new generation of the client's pull loop.
func (c *Consumer) pull() error {
	g := &generation{msgs: make(chan jetstream.Msg, c.opts.Prefetch), stop: make(chan struct{})}
	cc, err := c.cons.Consume(func(m jetstream.Msg) {
		select { // runs in the client's goroutine; waits while the pipeline is busy
		case g.msgs <- m:
		case <-g.stop:
		}
	}, jetstream.PullMaxMessages(c.opts.Prefetch), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		switch {
		case gone(err): // the client stops pulling: so must Next
			select {
			case c.fatal <- fmt.Errorf("reading consumer %s: %w (it was deleted on the server: start again to make a new one)", c.name, err):
			default:
			}
		case !errors.Is(err, natsio.ErrConnectionClosed):
			c.log.Warn("reading NATS", "err", err)
		}
	}))
	if err != nil {
		return fmt.Errorf("reading consumer %s: %w", c.name, err)
	}
	g.cc = cc
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		g.end()
		return nil
	}
	c.g = g
	return nil
}

// gone reports whether err says the consumer or its stream no longer
// exists: reading cannot go on.
func gone(err error) bool {
	return errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) ||
		errors.Is(err, jetstream.ErrStreamNotFound)
}

// restart rewinds the consumer to its ack floor with a new pull loop.
func (c *Consumer) restart(ctx context.Context, why string) error {
	c.log.Warn("rewinding the NATS consumer to its last ack", "consumer", c.name, "why", why)
	c.mu.Lock()
	old := c.g
	c.mu.Unlock()
	old.end()
	// Close ends the rewind too: the server may be away for long.
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // ends with rctx
		select {
		case <-c.done:
			cancel()
		case <-rctx.Done():
		}
	}()
	for {
		err := c.rewind(rctx)
		if err == nil {
			break
		}
		select {
		case <-c.done:
			return io.EOF
		default:
		}
		if gone(err) {
			return err
		}
		c.log.Warn("rewinding failed; trying again", "err", err)
		select {
		case <-time.After(time.Second):
		case <-c.done:
			return io.EOF
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return c.pull()
}

// Next returns the next line in stream order. It returns io.EOF once
// caught up if Options.Once is set, and ctx.Err() when ctx ends.
func (c *Consumer) Next(ctx context.Context) (input.Line, error) {
	for {
		c.mu.Lock()
		g, closed := c.g, c.closed
		c.mu.Unlock()
		if closed {
			return input.Line{}, io.EOF
		}
		if c.opts.Once && c.caughtUp && len(g.msgs) == 0 || c.stopped {
			return input.Line{}, io.EOF
		}
		var m jetstream.Msg
		select {
		case m = <-g.msgs:
		case <-c.status:
			c.reconnects.Add(1)
			// Deliveries on their way when the connection broke are lost,
			// and the server counts them delivered: go back to the ack
			// floor and have everything after it again.
			if err := c.restart(ctx, "reconnected"); err != nil {
				return input.Line{}, err
			}
			continue
		case <-g.stop:
			continue // closed, or rewound
		case err := <-c.fatal:
			return input.Line{}, err
		case <-ctx.Done():
			return input.Line{}, ctx.Err()
		}
		meta, err := m.Metadata()
		if err != nil {
			c.log.Warn("a NATS message without JetStream metadata", "err", err)
			continue
		}
		if c.lastD != 0 && meta.Sequence.Consumer > c.lastD+1 {
			if err := c.restart(ctx, "deliveries lost"); err != nil {
				return input.Line{}, err
			}
			continue
		}
		c.lastD = meta.Sequence.Consumer
		seq := meta.Sequence.Stream
		if c.opts.StopAt != 0 && seq > c.opts.StopAt {
			c.stopped = true // the line at StopAt is gone from the stream
			return input.Line{}, io.EOF
		}
		if !c.take(seq, m.Reply()) {
			c.dropped.Add(1) // taken before: an ack wait ran out, or a rewind
			continue
		}
		c.taken.Add(1)
		c.caughtUp = meta.NumPending == 0
		c.stopped = c.opts.StopAt != 0 && seq >= c.opts.StopAt
		l := input.Line{Data: m.Data(), Arrival: c.opts.Now(), Seq: seq}
		if len(l.Data) > c.opts.MaxLine {
			l.Data, l.TooLong = nil, true
		}
		return l, nil
	}
}

// take records a delivery of stream sequence seq and reports whether it
// is a line not taken before.
func (c *Consumer) take(seq uint64, reply string) bool {
	c.heldMu.Lock()
	defer c.heldMu.Unlock()
	if c.rewound {
		if c.firstBack {
			// The server starts again after its ack floor: what is held
			// below that was acked after all.
			c.firstBack = false
			n := 0
			for n < len(c.held) && c.held[n].seq < seq {
				n++
			}
			c.held = append(c.held[:0], c.held[n:]...)
		}
		if i, ok := slices.BinarySearchFunc(c.held, seq, func(h held, s uint64) int { return cmp.Compare(h.seq, s) }); ok {
			c.held[i].reply, c.fresh = reply, seq
		}
		if seq >= c.last {
			c.rewound = false
		}
	}
	if seq <= c.last {
		return false
	}
	c.last = seq
	c.held = append(c.held, held{seq: seq, reply: reply})
	return true
}

// Buffered reports whether a line has arrived and waits to be taken.
func (c *Consumer) Buffered() bool {
	c.mu.Lock()
	g := c.g
	c.mu.Unlock()
	return g != nil && len(g.msgs) > 0
}

// Ack acks every line taken up to stream sequence seq (pipeline.Acker),
// with one AckAll for the newest of them. It may be called after Close.
func (c *Consumer) Ack(seq uint64) {
	c.heldMu.Lock()
	if c.rewound {
		seq = min(seq, c.fresh)
	}
	n := 0
	for n < len(c.held) && c.held[n].seq <= seq {
		n++
	}
	if n == 0 {
		c.heldMu.Unlock()
		return
	}
	h := c.held[n-1]
	c.held = append(c.held[:0], c.held[n:]...)
	c.heldMu.Unlock()
	// As a request: the server answers once it has taken the ack in, so
	// that a run that stops and starts again at once resumes after it
	// (an ack published and flushed may not have reached the consumer's
	// state yet). Acks come once a slide, so the round trip costs nothing.
	if _, err := c.nc.Request(h.reply, []byte("+ACK"), ackTimeout); err != nil {
		c.log.Warn("acking NATS lines; they will come again", "through", h.seq, "err", err)
		return
	}
	c.acked.Store(h.seq)
}

// ackTimeout bounds the wait for the server to confirm an ack.
const ackTimeout = 5 * time.Second

// Close stops reading; a Next blocked in another goroutine returns. The
// connection stays open for Ack until Disconnect.
func (c *Consumer) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.done != nil {
		close(c.done)
	}
	if c.g != nil {
		c.g.end()
	}
	return nil
}

// Disconnect closes the Consumer and, once the acks sent have reached the
// server (or ctx ends; DefaultFlushTimeout without a deadline), the
// connection; a consumer without a durable name is deleted.
func (c *Consumer) Disconnect(ctx context.Context) error {
	c.Close()
	c.claim.release()
	c.nc.RemoveStatusListener(c.status)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultFlushTimeout)
		defer cancel()
	}
	err := c.nc.FlushWithContext(ctx)
	if err != nil {
		err = fmt.Errorf("flushing acks to NATS: %w", err)
	}
	if c.opts.Durable == "" && c.js != nil {
		if derr := c.js.DeleteConsumer(ctx, c.opts.Stream, c.name); derr != nil && !errors.Is(derr, jetstream.ErrConsumerNotFound) {
			c.log.Warn("deleting the NATS consumer", "consumer", c.name, "err", derr)
		}
	}
	c.nc.Close()
	return err
}

// Conn returns the consumer's connection to the server, for publishing
// beside it (the analyzer's events); Disconnect closes it.
func (c *Consumer) Conn() *natsio.Conn { return c.nc }

// Last is the stream sequence of the newest line taken (0: none yet); safe
// from any goroutine.
func (c *Consumer) Last() uint64 {
	c.heldMu.Lock()
	defer c.heldMu.Unlock()
	return c.last
}

// Name is the consumer's name on the server.
func (c *Consumer) Name() string { return c.name }

// Stats returns the running totals; safe from any goroutine.
func (c *Consumer) Stats() Stats {
	return Stats{Taken: c.taken.Load(), Dropped: c.dropped.Load(), Rewinds: c.rewinds.Load(),
		Acked: c.acked.Load(), Reconnect: c.reconnects.Load()}
}
