// Package stream reads geostream lines — from a scraper's socket, with
// reconnects, or from a capture file — and decodes them into chunks of
// tweets for the pipeline. The functions here block until their input ends
// or their context is cancelled; the caller owns the goroutine they run in
// and the channel they send on (which they never close).
package stream

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/geostream/geostream/shared/tweet"
	"github.com/geostream/geostream/shared/wire"
)

// Defaults for Options fields left zero.
const (
	DefaultChunk       = 512
	DefaultMinBackoff  = 100 * time.Millisecond
	DefaultMaxBackoff  = 5 * time.Second
	DefaultDialTimeout = 5 * time.Second
)

// TooLong is the Notice of a Lines entry standing for a line that was over
// the length limit (its Kind is KindMalformed).
const TooLong = "too_long"

// Chunk is a run of decoded lines in input order: tweets, notices and
// malformed lines (Kind tells them apart). Arrival is when it was read.
type Chunk struct {
	Lines []tweet.Tweet
	// Tokens holds Options.Tokenize of each located tweet's text (nil
	// without a Tokenize), index for index with Lines.
	Tokens  [][]string
	Arrival time.Time
}

// Options configures reading.
type Options struct {
	Addr       string // host:port of a scraper
	Token      string // sent as "AUTH <token>" when set
	TLS        *tls.Config
	MaxLine    int
	Chunk      int
	Once       bool // stop (nil error) when the first connection ends instead of reconnecting
	MinBackoff time.Duration
	MaxBackoff time.Duration
	Logger     *slog.Logger
	Now        func() time.Time
	// Connects, if set, counts successful connections.
	Connects *atomic.Int64
	// Tokenize, if set, is applied to each located tweet's text here, in
	// the reader's goroutine, to take work off the pipeline's. It must be
	// safe for concurrent use.
	Tokenize func(string) []string
	// Locate, if set, is applied to every tweet here, in the reader's
	// goroutine, before Tokenize: it may place an unlocated tweet (from its
	// author's profile or its text) or drop a location. Only this goroutine
	// calls it.
	Locate func(*tweet.Tweet)
	// OnState, if set, is told when Connect's connection comes up and when
	// it is lost, in the reader's goroutine (for a status display).
	OnState func(State)
}

// State is the state of Connect's connection to the scraper.
type State string

// The states OnState reports.
const (
	StateConnected    State = "connected"
	StateReconnecting State = "reconnecting"
)

func (o *Options) defaults() {
	if o.Chunk <= 0 {
		o.Chunk = DefaultChunk
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Stats counts connections.
type Stats struct {
	Connects, Disconnects int
}

// Connect reads from the scraper at opts.Addr until ctx ends, reconnecting
// with capped, jittered exponential backoff whenever the connection fails or
// ends. It returns nil when ctx is cancelled, or, with Once, when the first
// connection that delivered data ends.
func Connect(ctx context.Context, opts Options, out chan<- Chunk) error {
	opts.defaults()
	log := opts.Logger.With("addr", opts.Addr)
	backoff := opts.MinBackoff
	for attempt := 1; ; attempt++ {
		n, err := connectOnce(ctx, &opts, out)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, wire.ErrAuth) {
			return err
		}
		if n > 0 {
			backoff = opts.MinBackoff
			attempt = 1
		}
		if opts.Once && (n > 0 || err == nil) {
			log.Info("scraper closed the stream", "lines", n)
			return nil
		}
		wait := backoff/2 + time.Duration(rand.Int64N(int64(backoff/2)+1))
		if opts.OnState != nil {
			opts.OnState(StateReconnecting)
		}
		if err != nil {
			log.Warn("connection to scraper lost; reconnecting", "err", err, "lines", n, "in", wait.Round(time.Millisecond), "attempt", attempt)
		} else {
			log.Warn("scraper closed the connection; reconnecting", "lines", n, "in", wait.Round(time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil
		}
		backoff = min(backoff*2, opts.MaxBackoff)
	}
}

func connectOnce(ctx context.Context, opts *Options, out chan<- Chunk) (int, error) {
	d := net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}
	var conn net.Conn
	var err error
	if opts.TLS != nil {
		td := tls.Dialer{NetDialer: &d, Config: opts.TLS}
		conn, err = td.DialContext(ctx, "tcp", opts.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", opts.Addr)
	}
	if err != nil {
		return 0, fmt.Errorf("connecting: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	if opts.Token != "" {
		if err := wire.WriteAuth(conn, opts.Token); err != nil {
			return 0, err
		}
	}
	opts.Logger.Info("connected to scraper", "addr", opts.Addr)
	if opts.Connects != nil {
		opts.Connects.Add(1)
	}
	if opts.OnState != nil {
		opts.OnState(StateConnected)
	}
	n, err := Read(ctx, conn, *opts, out)
	if opts.Token != "" && n == 0 && err == nil {
		// A server that wants a token closes at once on a bad one.
		return 0, fmt.Errorf("scraper closed the connection before sending anything (wrong --token?)")
	}
	return n, err
}

// Read decodes lines from r into chunks on out until r ends (nil error) or
// fails. A chunk is sent when it is full or when no more input is buffered,
// so a slow stream is not held back. It returns the number of lines read.
func Read(ctx context.Context, r io.Reader, opts Options, out chan<- Chunk) (int, error) {
	opts.defaults()
	lr := wire.NewReader(r, opts.MaxLine)
	var dec tweet.Decoder
	var lines int
	c := Chunk{Lines: make([]tweet.Tweet, 0, opts.Chunk)}
	send := func() error {
		if len(c.Lines) == 0 {
			return nil
		}
		c.Arrival = opts.Now()
		select {
		case out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		c = Chunk{Lines: make([]tweet.Tweet, 0, opts.Chunk)}
		return nil
	}
	for {
		line, err := lr.Next()
		switch {
		case err == nil:
			lines++
			if len(line) == 0 {
				break // keep-alive
			}
			tw, _ := dec.Decode(line) // Kind says what it was
			if opts.Locate != nil && tw.Kind == tweet.KindTweet {
				opts.Locate(&tw)
			}
			c.Lines = append(c.Lines, tw)
			if opts.Tokenize != nil {
				var toks []string
				if tw.Kind == tweet.KindTweet && tw.Located() {
					toks = opts.Tokenize(tw.Text)
				}
				c.Tokens = append(c.Tokens, toks)
			}
		case errors.Is(err, wire.ErrLineTooLong):
			lines++
			c.Lines = append(c.Lines, tweet.Tweet{Kind: tweet.KindMalformed, Notice: TooLong})
			if opts.Tokenize != nil {
				c.Tokens = append(c.Tokens, nil)
			}
		case err == io.EOF:
			return lines, send()
		default:
			if serr := send(); serr != nil {
				return lines, serr
			}
			if ctx.Err() != nil {
				return lines, nil
			}
			return lines, err
		}
		if len(c.Lines) >= opts.Chunk || lr.Buffered() == 0 {
			if err := send(); err != nil {
				return lines, err
			}
		}
	}
}

// ReadFile reads a capture (plain, gzip or bzip2; "-" is stdin) to its end.
// A file cut short (a truncated gzip) is reported as an error after every
// line before the cut has been sent.
func ReadFile(ctx context.Context, path string, stdin io.Reader, opts Options, out chan<- Chunk) (int, error) {
	var f io.Reader = stdin
	if path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return 0, err
		}
		defer file.Close()
		f = file
	}
	r, err := wire.Decompress(f)
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", path, err)
	}
	n, err := Read(ctx, r, opts, out)
	if err != nil {
		return n, fmt.Errorf("reading %s: %w", path, err)
	}
	return n, nil
}
