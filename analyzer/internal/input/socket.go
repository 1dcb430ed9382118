package input

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geostream/geostream/shared/backoff"
	"github.com/geostream/geostream/shared/wire"
)

// Defaults for SocketOptions fields left zero. Waits between attempts
// double from MinBackoff to MaxBackoff, each lengthened by up to half of
// itself, so that analyzers cut off together do not come back in step.
const (
	DefaultMinBackoff  = 100 * time.Millisecond
	DefaultMaxBackoff  = 5 * time.Second
	DefaultDialTimeout = 5 * time.Second
	// DefaultHelloTimeout is how long a peer may take to say hello
	// before it is taken for something other than a scraper.
	DefaultHelloTimeout = 5 * time.Second
	backoffJitter       = 0.5
)

// SocketOptions configures Dial.
type SocketOptions struct {
	Addr    string // host:port of a scraper
	Token   string // sent as "AUTH <token>" when set
	TLS     *tls.Config
	MaxLine int
	// Once ends the input (io.EOF) when the first connection that
	// delivered lines ends, instead of reconnecting. OnceIfFinite does so
	// only when the scraper's hello says its stream ends (a replay, a
	// generator with --count).
	Once, OnceIfFinite bool
	MinBackoff         time.Duration
	MaxBackoff         time.Duration
	// HelloTimeout [DefaultHelloTimeout]: see the constant.
	HelloTimeout time.Duration
	// Resolver looks up the host of Addr (nil: the system's).
	Resolver *net.Resolver
	Logger   *slog.Logger
	Now      func() time.Time
	// Connects, if set, counts connections made.
	Connects *atomic.Int64
	// OnState, if set, is told when a connection comes up and when it is
	// lost, in the goroutine that reads (for a status display).
	OnState func(State)
}

// State is the state of the connection to the scraper, for OnState.
type State string

// The states OnState reports.
const (
	StateConnected    State = "connected"
	StateReconnecting State = "reconnecting"
)

// socket is the Source Dial returns.
type socket struct {
	o   SocketOptions
	log *slog.Logger

	mu   sync.Mutex // guards conn for Close from another goroutine
	conn net.Conn
	done bool

	r         *wire.Reader
	pending   []byte // an older scraper's first line, read while looking for a hello,
	pendErr   error  // and its error (ErrLineTooLong)
	hasPend   bool
	hello     *wire.Hello // this connection's hello, until its first line goes out
	finite    bool        // the scraper said its stream ends
	lines     int         // lines of this connection
	attempt   int
	backoff   backoff.Backoff
	checked   bool        // Addr was checked
	connected bool        // a connection has come up
	stopConn  func() bool // ends the AfterFunc that closes conn on ctx's end
}

// Dial returns a Source that reads from the scraper at o.Addr, connecting
// on the first Next and reconnecting with capped, jittered exponential
// backoff whenever a connection fails or ends. Network errors are retried;
// a refusal (a wrong or missing token, TLS on one side only, a certificate
// that does not match) ends the input with a *RefusedError that names the
// flag to fix, and an address that cannot work (no port, an unknown host)
// with an *AddrError. Until a first connection has come up, a peer that is
// not a scraper ends the input with a *NoScraperError, and so does finding
// no scraper at all with Once; otherwise the first failure is logged with
// what to do about it, and each retry after it in a short line.
func Dial(o SocketOptions) Source {
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.HelloTimeout <= 0 {
		o.HelloTimeout = DefaultHelloTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &socket{o: o, log: o.Logger.With("addr", o.Addr), backoff: backoff.Exponential(o.MinBackoff, o.MaxBackoff, backoffJitter)}
}

func (s *socket) Next(ctx context.Context) (Line, error) {
	for {
		if err := ctx.Err(); err != nil {
			return Line{}, err
		}
		if s.r == nil {
			if !s.checked {
				if err := CheckAddr(s.o.Addr); err != nil {
					return Line{}, err
				}
				s.checked = true
			}
			if err := s.connect(ctx); err != nil {
				if ctx.Err() != nil {
					return Line{}, ctx.Err()
				}
				if s.fatal(err) {
					return Line{}, err
				}
				if err := s.wait(ctx, err, 0); err != nil {
					return Line{}, err
				}
				continue
			}
		}
		var data []byte
		var err error
		if s.hasPend {
			data, err, s.hasPend = s.pending, s.pendErr, false
		} else {
			data, err = s.r.Next()
		}
		switch {
		case err == nil || errors.Is(err, wire.ErrLineTooLong):
			s.lines++
			l := Line{Data: data, TooLong: err != nil, Arrival: s.o.Now(), Hello: s.hello}
			s.hello = nil
			return l, nil
		}
		// The connection ended.
		n := s.lines
		s.hangUp()
		if ctx.Err() != nil {
			return Line{}, ctx.Err()
		}
		if n > 0 && (s.o.Once || s.o.OnceIfFinite && s.finite) {
			s.log.Info("scraper closed the stream", "lines", n)
			return Line{}, io.EOF
		}
		if err == io.EOF {
			err = nil
		}
		if werr := s.wait(ctx, err, n); werr != nil {
			return Line{}, werr
		}
	}
}

// fatal reports whether a failed connection ends the input: a refusal,
// an address that cannot work, and until a first connection has come up,
// a peer that is not a scraper, or no scraper at all with Once.
func (s *socket) fatal(err error) bool {
	var refused *RefusedError
	var addr *AddrError
	var none *NoScraperError
	switch {
	case errors.As(err, &refused), errors.As(err, &addr):
		return true
	case errors.As(err, &none) && !s.connected:
		return none.Listening || s.o.Once
	}
	return false
}

// wait sleeps before the next attempt, logging why: a scraper not found
// yet is explained once, then told in a short line a retry.
func (s *socket) wait(ctx context.Context, err error, lines int) error {
	if s.o.OnState != nil {
		s.o.OnState(StateReconnecting)
	}
	s.attempt++
	if lines > 0 {
		s.backoff.Reset()
		s.attempt = 1
	}
	d := s.backoff.Next().Round(time.Millisecond)
	var none *NoScraperError
	switch {
	case !s.connected && s.attempt == 1:
		s.log.Warn(err.Error()+"; retrying", "in", d)
	case !s.connected:
		s.log.Info("still no scraper; retrying", "in", d, "attempt", s.attempt)
	case errors.As(err, &none):
		s.log.Warn("connection to scraper lost; reconnecting", "why", none.Reason, "in", d, "attempt", s.attempt)
	case err != nil:
		s.log.Warn("connection to scraper lost; reconnecting", "err", err, "lines", lines, "in", d, "attempt", s.attempt)
	default:
		s.log.Warn("scraper closed the connection; reconnecting", "lines", lines, "in", d)
	}
	return backoff.Sleep(ctx, d)
}

// hangUp closes the current connection.
func (s *socket) hangUp() {
	if s.stopConn != nil {
		s.stopConn()
		s.stopConn = nil
	}
	s.mu.Lock()
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	s.mu.Unlock()
	s.r, s.hello, s.hasPend = nil, nil, false
}

func (s *socket) Buffered() bool { return s.r != nil && s.r.Buffered() > 0 }

func (s *socket) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	if s.conn != nil {
		s.conn.Close()
	}
	return nil
}
