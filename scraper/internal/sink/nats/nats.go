// Package nats is the scraper's sink that publishes every line to a NATS
// JetStream stream (bus.Stream, created if missing), so that analyzers
// anywhere can read it, start from an hour ago or resume where they
// stopped.
//
// Publishing is asynchronous and lossless: a Publisher keeps every line
// until the server has acknowledged storing it, publishes again what was
// not acknowledged (a lost connection, a timeout), and fails, so that the
// scraper exits non-zero, when a line could not be stored within
// Options.Timeout. Every line carries a Nats-Msg-Id header, so that the
// stream stores it once however often it is published within the
// stream's duplicate window: a retry, or a scraper restarted on the same
// input. A tweet's id is its tweet id; any other line (a notice, a
// malformed line) is identified by a hash of its bytes and its position
// in the scraper's output, which a deterministic source (replay, synth)
// repeats exactly when it is restarted.
package nats

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/tweet"
)

// Defaults for Options.
const (
	DefaultMaxPending = 8192
	DefaultAckTimeout = 5 * time.Second
	DefaultTimeout    = 30 * time.Second
	DefaultMaxAge     = 24 * time.Hour
	DefaultMaxBytes   = 1 << 30
	// DefaultDuplicates is the stream's duplicate window: how long the
	// server remembers a Nats-Msg-Id (NATS's own default).
	DefaultDuplicates = 2 * time.Minute
)

// ErrNotStored is wrapped by the error of a line the stream did not store
// in time.
var ErrNotStored = errors.New("nats: line not stored")

// Options configures a Publisher.
type Options struct {
	// Conn says how to reach the server.
	Conn bus.Options
	// Subject is what lines are published on, under bus.SubjectPrefix
	// (e.g. geostream.tweets.synth); with Partitions > 1, a partition's
	// number is added as a last token, chosen by a hash of the tweet's id.
	Subject    string
	Partitions int
	// MaxAge, MaxBytes and Duplicates are the stream's limits and
	// duplicate window when it is created [DefaultMaxAge, DefaultMaxBytes,
	// DefaultDuplicates]; the oldest lines go first when a limit is
	// reached. Update names those an existing stream is given too; the
	// others it keeps.
	MaxAge     time.Duration
	MaxBytes   int64
	Duplicates time.Duration
	Update     Limits
	// MaxPending is how many lines may wait for their acknowledgement
	// before Send waits [DefaultMaxPending].
	MaxPending int
	// AckTimeout is how long one publication waits for its
	// acknowledgement before it is published again [DefaultAckTimeout].
	AckTimeout time.Duration
	// Timeout is how long a line may go unstored, however often it is
	// published, before the Publisher gives up [DefaultTimeout].
	Timeout time.Duration
	Logger  *slog.Logger
}

// Validate checks the options.
func (o *Options) Validate() error {
	if err := o.Conn.Validate(); err != nil {
		return err
	}
	if o.Subject == "" || o.Subject != bus.SubjectPrefix && !hasPrefix(o.Subject, bus.SubjectPrefix+".") {
		return fmt.Errorf("nats: subject %q must be under %s", o.Subject, bus.SubjectPrefix)
	}
	for _, c := range o.Subject {
		if c == '*' || c == '>' || c == ' ' {
			return fmt.Errorf("nats: subject %q must not hold wildcards or spaces", o.Subject)
		}
	}
	if o.Partitions < 0 || o.MaxPending < 0 || o.MaxAge < 0 || o.MaxBytes < 0 || o.Duplicates < 0 || o.AckTimeout < 0 || o.Timeout < 0 {
		return errors.New("nats: partitions, limits and timeouts must not be negative")
	}
	if o.MaxAge > 0 && o.Duplicates > o.MaxAge {
		return errors.New("nats: the duplicate window must not be longer than the stream's max age")
	}
	return nil
}

// Limits names the stream's limits: which ones to change.
type Limits struct{ MaxAge, MaxBytes, Duplicates bool }

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

func (o *Options) defaults() {
	if o.MaxPending == 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.AckTimeout == 0 {
		o.AckTimeout = DefaultAckTimeout
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Duplicates == 0 {
		o.Duplicates = min(DefaultDuplicates, o.MaxAge)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Stats are a Publisher's running totals.
type Stats struct {
	Published  uint64 // lines handed to Send
	Stored     uint64 // lines the stream acknowledged as new
	Duplicates uint64 // lines the stream already had (same Nats-Msg-Id)
	Retries    uint64 // publications repeated after a failure
}

// Publisher is a sink.Sink that publishes to JetStream. Send and Close
// are for one goroutine; Stats may be called from any.
type Publisher struct {
	opts Options
	log  *slog.Logger
	nc   *natsio.Conn
	js   jetstream.JetStream
	dec  source.Decoder
	n    uint64 // lines sent, for the ids of lines without a tweet id

	queue []*pending // oldest first
	head  int

	published, stored, duplicates, retries atomic.Uint64
}

// pending is a line published and not yet acknowledged.
type pending struct {
	msg   *natsio.Msg
	fut   jetstream.PubAckFuture
	first time.Time // of the first publication
	err   error     // of the last attempt
}

// Open connects, makes sure the stream exists and returns a Publisher;
// the Publisher owns the connection and closes it in Close.
func Open(ctx context.Context, opts Options) (*Publisher, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.defaults()
	nc, js, err := bus.JetStream(opts.Conn, opts.Logger,
		jetstream.WithPublishAsyncMaxPending(opts.MaxPending+1), // Send waits before the client would
		jetstream.WithPublishAsyncTimeout(opts.AckTimeout))
	if err != nil {
		return nil, err
	}
	p := &Publisher{opts: opts, log: opts.Logger, nc: nc, js: js}
	if err := p.ensureStream(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return p, nil
}

// ensureStream creates the stream if it is missing (file storage, the
// limits of the options) and checks that it stores the subject.
func (p *Publisher) ensureStream(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	o := p.opts
	s, err := p.js.Stream(ctx, bus.Stream)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		cfg := jetstream.StreamConfig{
			Name:        bus.Stream,
			Description: "geostream: lines from scrapers",
			Subjects:    []string{bus.Subjects},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardOld,
			MaxAge:      o.MaxAge,
			MaxBytes:    o.MaxBytes,
			Duplicates:  o.Duplicates,
		}
		if _, err := p.js.CreateStream(ctx, cfg); err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return fmt.Errorf("creating stream %s: %w", bus.Stream, err)
		}
		p.log.Info("created NATS stream", "stream", bus.Stream, "subjects", bus.Subjects,
			"max_age", o.MaxAge, "max_bytes", o.MaxBytes, "duplicate_window", o.Duplicates)
		return nil
	case err != nil:
		return fmt.Errorf("looking up stream %s: %w", bus.Stream, err)
	}
	cfg := s.CachedInfo().Config
	if !stores(cfg.Subjects, o.Subject) {
		return fmt.Errorf("stream %s stores %v, not %s", bus.Stream, cfg.Subjects, o.Subject)
	}
	want := cfg
	if o.Update.MaxAge {
		want.MaxAge = o.MaxAge
	}
	if o.Update.MaxBytes {
		want.MaxBytes = o.MaxBytes
	}
	if o.Update.Duplicates {
		want.Duplicates = o.Duplicates
	}
	if want.MaxAge != cfg.MaxAge || want.MaxBytes != cfg.MaxBytes || want.Duplicates != cfg.Duplicates {
		if _, err := p.js.UpdateStream(ctx, want); err != nil {
			return fmt.Errorf("updating stream %s: %w", bus.Stream, err)
		}
		p.log.Info("updated NATS stream limits", "stream", bus.Stream, "max_age", want.MaxAge, "max_bytes", want.MaxBytes,
			"duplicate_window", want.Duplicates)
		cfg = want
	}
	if cfg.Duplicates <= 0 {
		p.log.Warn("the NATS stream keeps no duplicate window: a restarted scraper stores its lines again", "stream", bus.Stream)
	}
	return nil
}

// stores reports whether a stream with these subjects stores subject (or,
// for a partitioned subject, its partitions).
func stores(subjects []string, subject string) bool {
	for _, s := range subjects {
		if matches(s, subject) || matches(s, subject+".0") {
			return true
		}
	}
	return false
}

// matches reports whether the subject matches the pattern (tokens split
// by dots; * is one token, a last > the rest).
func matches(pattern, subject string) bool {
	for {
		pt, prest, pmore := cut(pattern)
		st, srest, smore := cut(subject)
		switch {
		case pt == ">" && !pmore:
			return st != ""
		case pt != "*" && pt != st:
			return false
		case !pmore || !smore:
			return pmore == smore
		}
		pattern, subject = prest, srest
	}
}

func cut(s string) (tok, rest string, more bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// Send publishes l. It returns once the line is on its way; it waits
// while Options.MaxPending lines are unacknowledged, and fails if the
// oldest of them could not be stored in time.
func (p *Publisher) Send(ctx context.Context, l source.Line) error {
	tw := l.Decode(&p.dec)
	id := msgID(tw, l.Data, p.n)
	p.n++
	m := &natsio.Msg{Subject: p.subject(id), Data: l.Data, Header: natsio.Header{jetstream.MsgIDHeader: []string{id}}}
	p.published.Add(1)
	if err := p.reap(ctx, false); err != nil {
		return err
	}
	for len(p.queue)-p.head >= p.opts.MaxPending {
		if err := p.reap(ctx, true); err != nil {
			return err
		}
	}
	pe := &pending{msg: m, first: time.Now()}
	if err := p.publish(ctx, pe); err != nil {
		return err
	}
	p.queue = append(p.queue, pe)
	return nil
}

// msgID is a line's Nats-Msg-Id: the tweet's id, or for any other line
// (and a tweet without an id) a hash of its bytes and its position n.
func msgID(tw *tweet.Tweet, data []byte, n uint64) string {
	if tw.Kind == tweet.KindTweet && tw.ID != "" {
		return tw.ID
	}
	h := fnv.New64a()
	h.Write(data)
	b := make([]byte, 0, 40)
	b = append(b, "line-"...)
	b = strconv.AppendUint(b, h.Sum64(), 16)
	b = append(b, '-')
	b = strconv.AppendUint(b, n, 10)
	return string(b)
}

// subject is where a line with this id goes.
func (p *Publisher) subject(id string) string {
	if p.opts.Partitions <= 1 {
		return p.opts.Subject
	}
	return p.opts.Subject + "." + strconv.Itoa(Partition(id, p.opts.Partitions))
}

// Partition is the partition, of n, of the line with this Nats-Msg-Id.
func Partition(id string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(n))
}

// publish publishes pe once, waiting and trying again while the client
// refuses (its reconnect buffer full), until pe's time is up.
func (p *Publisher) publish(ctx context.Context, pe *pending) error {
	wait := 10 * time.Millisecond
	for {
		f, err := p.js.PublishMsgAsync(pe.msg)
		if err == nil {
			pe.fut = f
			return nil
		}
		pe.err = err
		if errors.Is(err, natsio.ErrConnectionClosed) || errors.Is(err, natsio.ErrMaxPayload) {
			return p.notStored(pe) // no retry can help
		}
		if time.Since(pe.first) > p.opts.Timeout {
			return p.notStored(pe)
		}
		if err := source.Sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, time.Second)
	}
}

func (p *Publisher) notStored(pe *pending) error {
	return fmt.Errorf("%w within %v (Nats-Msg-Id %s): %w", ErrNotStored, p.opts.Timeout, pe.msg.Header.Get(jetstream.MsgIDHeader), pe.err)
}

// reap takes the acknowledged lines off the front of the queue,
// publishing again those whose publication failed. With block it waits
// for the oldest line's outcome.
func (p *Publisher) reap(ctx context.Context, block bool) error {
	for p.head < len(p.queue) {
		pe := p.queue[p.head]
		if pe.fut == nil { // put back by a retry that did not get through
			if err := p.publish(ctx, pe); err != nil {
				return err
			}
		}
		var ack *jetstream.PubAck
		var err error
		if block {
			select {
			case ack = <-pe.fut.Ok():
			case err = <-pe.fut.Err():
			case <-ctx.Done():
				return ctx.Err()
			}
			block = false
		} else {
			select {
			case ack = <-pe.fut.Ok():
			case err = <-pe.fut.Err():
			default:
				return nil
			}
		}
		p.queue[p.head] = nil
		p.head++
		if p.head > 1024 && p.head*2 > len(p.queue) {
			p.queue = append(p.queue[:0], p.queue[p.head:]...)
			p.head = 0
		}
		if err == nil {
			if ack.Duplicate {
				p.duplicates.Add(1)
			} else {
				p.stored.Add(1)
			}
			continue
		}
		if err := p.retry(ctx, pe, err); err != nil {
			// Not published again (an interrupt, or its time is up): back
			// at the head, so that Close tries once more and counts it.
			pe.fut = nil
			if p.head > 0 {
				p.head--
				p.queue[p.head] = pe
			} else {
				p.queue = append([]*pending{pe}, p.queue...)
			}
			return err
		}
	}
	return nil
}

// retry publishes a line again after err, unless err says it never can be
// stored or its time is up.
func (p *Publisher) retry(ctx context.Context, pe *pending, err error) error {
	pe.err = err
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.Code != 503 {
		// The stream refused it (it is full and refuses new lines, say):
		// publishing again will not help. (503: JetStream is starting.)
		return p.notStored(pe)
	}
	if time.Since(pe.first) > p.opts.Timeout {
		return p.notStored(pe)
	}
	if p.retries.Add(1) == 1 || !errors.Is(err, natsio.ErrDisconnected) {
		p.log.Warn("publishing to NATS again", "err", err)
	}
	pe.msg = &natsio.Msg{Subject: pe.msg.Subject, Data: pe.msg.Data, Header: pe.msg.Header}
	pe.fut = nil
	if err := p.publish(ctx, pe); err != nil {
		return err
	}
	p.queue = append(p.queue, pe)
	return nil
}

// Close waits until every line has been stored (or ctx ends, or a line's
// time is up) and closes the connection. It returns an error if a line
// may not have been stored.
func (p *Publisher) Close(ctx context.Context) error {
	var err error
	for p.head < len(p.queue) {
		if err = p.reap(ctx, true); err != nil {
			break
		}
	}
	left := len(p.queue) - p.head
	p.nc.Close()
	if err != nil {
		return fmt.Errorf("publishing to NATS: %d lines may not have been stored: %w", left, err)
	}
	st := p.Stats()
	p.log.Info("NATS publisher closed", "published", st.Published, "stored", st.Stored, "duplicates", st.Duplicates, "retries", st.Retries)
	return nil
}

// Stats returns the running totals; safe from any goroutine.
func (p *Publisher) Stats() Stats {
	return Stats{Published: p.published.Load(), Stored: p.stored.Load(), Duplicates: p.duplicates.Load(), Retries: p.retries.Load()}
}
