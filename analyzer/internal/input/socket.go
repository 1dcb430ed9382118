package input

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
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
	backoffJitter      = 0.5
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
	Logger             *slog.Logger
	Now                func() time.Time
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

// RefusedError is a connection the scraper refused, or one that cannot
// work as configured; trying again would not help. Flag names the
// analyzer flag to change.
type RefusedError struct {
	Addr   string
	Reason string
	Flag   string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("scraper at %s: %s (%s)", e.Addr, e.Reason, e.Flag)
}

// socket is the Source Dial returns.
type socket struct {
	o   SocketOptions
	log *slog.Logger

	mu   sync.Mutex // guards conn for Close from another goroutine
	conn net.Conn
	done bool

	r        *wire.Reader
	pending  []byte // an older scraper's first line, read while looking for a hello,
	pendErr  error  // and its error (ErrLineTooLong)
	hasPend  bool
	hello    *wire.Hello // this connection's hello, until its first line goes out
	finite   bool        // the scraper said its stream ends
	lines    int         // lines of this connection
	attempt  int
	backoff  backoff.Backoff
	stopConn func() bool // ends the AfterFunc that closes conn on ctx's end
}

// Dial returns a Source that reads from the scraper at o.Addr, connecting
// on the first Next and reconnecting with capped, jittered exponential
// backoff whenever a connection fails or ends. Network errors are retried;
// a refusal (a wrong or missing token, TLS on one side only, a certificate
// that does not match) ends the input with a *RefusedError that names the
// flag to fix.
func Dial(o SocketOptions) Source {
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
	return &socket{o: o, log: o.Logger.With("addr", o.Addr), backoff: backoff.Exponential(o.MinBackoff, o.MaxBackoff, backoffJitter)}
}

func (s *socket) Next(ctx context.Context) (Line, error) {
	for {
		if err := ctx.Err(); err != nil {
			return Line{}, err
		}
		if s.r == nil {
			if err := s.connect(ctx); err != nil {
				var refused *RefusedError
				if ctx.Err() != nil {
					return Line{}, ctx.Err()
				}
				if errors.As(err, &refused) {
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

// wait sleeps before the next attempt, logging why.
func (s *socket) wait(ctx context.Context, err error, lines int) error {
	if s.o.OnState != nil {
		s.o.OnState(StateReconnecting)
	}
	s.attempt++
	if lines > 0 {
		s.backoff.Reset()
		s.attempt = 1
	}
	d := s.backoff.Next()
	if err != nil {
		s.log.Warn("connection to scraper lost; reconnecting", "err", err, "lines", lines, "in", d.Round(time.Millisecond), "attempt", s.attempt)
	} else {
		s.log.Warn("scraper closed the connection; reconnecting", "lines", lines, "in", d.Round(time.Millisecond))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// connect dials, sends the token, and reads the scraper's hello.
func (s *socket) connect(ctx context.Context) error {
	d := net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", s.o.Addr)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	if s.o.TLS != nil {
		tc := tls.Client(conn, s.tlsConfig())
		hctx, cancel := context.WithTimeout(ctx, DefaultDialTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return s.tlsError(err)
		}
		conn = tc
	}
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		conn.Close()
		return net.ErrClosed
	}
	s.conn = conn
	s.mu.Unlock()
	s.stopConn = context.AfterFunc(ctx, func() { conn.Close() })
	if s.o.Token != "" {
		if err := wire.WriteAuth(conn, s.o.Token); err != nil {
			s.hangUp()
			return err
		}
	}
	s.r = wire.NewReader(conn, s.o.MaxLine)
	s.lines = 0
	if err := s.readHello(); err != nil {
		s.hangUp()
		return err
	}
	s.log.Info("connected to scraper")
	if s.o.Connects != nil {
		s.o.Connects.Add(1)
	}
	if s.o.OnState != nil {
		s.o.OnState(StateConnected)
	}
	return nil
}

// readHello reads the scraper's hello. A scraper with a token first says
// only that it needs one, and what it serves once it has the token; an
// older one says what it serves at once and answers the token with its
// first line of data, and an older one still sends no hello at all: a
// first line that is data is kept for Next.
func (s *socket) readHello() error {
	h, ok, err := s.firstLine()
	if err != nil || !ok {
		return err
	}
	if h.Error != "" {
		return s.refused(h)
	}
	if h.Auth && s.o.Token == "" {
		return &RefusedError{s.o.Addr, "it needs a token", "pass --token or set GEOSTREAM_TOKEN"}
	}
	if h.Auth {
		r, ok, err := s.firstLine()
		if err != nil {
			return err
		}
		if ok && r.Error != "" {
			return s.refused(r)
		}
		if ok {
			h = r
		}
	}
	s.hello, s.finite = nil, h.Finite
	if h.Describes() {
		s.hello = &h
	}
	return nil
}

// firstLine reads a line: ok with its hello if it is one, else it is kept
// for Next (an older scraper sends no hello: its first line is data).
func (s *socket) firstLine() (h wire.Hello, ok bool, err error) {
	data, err := s.r.Next()
	if errors.Is(err, wire.ErrLineTooLong) {
		s.pending, s.pendErr, s.hasPend = nil, err, true // not a hello; Next reports it
		return h, false, nil
	}
	if err != nil {
		if s.o.Token != "" && (err == io.EOF || errors.Is(err, net.ErrClosed)) {
			// An older scraper closes at once on a bad token.
			return h, false, &RefusedError{s.o.Addr, "it closed the connection before sending anything", "check --token or GEOSTREAM_TOKEN"}
		}
		return h, false, err
	}
	h, ok, err = wire.ParseHello(data)
	if err != nil || ok {
		return h, ok, err
	}
	s.pending, s.pendErr, s.hasPend = append(s.pending[:0], data...), nil, true
	return h, false, nil
}

// refused turns a refusing hello into a RefusedError, or a plain error
// for a refusal worth retrying.
func (s *socket) refused(h wire.Hello) error {
	switch h.Error {
	case wire.RefusedNoToken:
		return &RefusedError{s.o.Addr, "it needs a token", "pass --token or set GEOSTREAM_TOKEN"}
	case wire.RefusedBadToken:
		return &RefusedError{s.o.Addr, "it refused the token", "check --token or GEOSTREAM_TOKEN"}
	case wire.RefusedNeedsTLS:
		return &RefusedError{s.o.Addr, "it speaks TLS", "connect with --tls-ca CA.pem"}
	}
	return fmt.Errorf("scraper refused the connection: %s", h.Error) // too many clients: try later
}

// tlsConfig is the TLS configuration for this address: ServerName
// defaults to the host of Addr.
func (s *socket) tlsConfig() *tls.Config {
	c := s.o.TLS.Clone()
	if c.ServerName == "" {
		if host, _, err := net.SplitHostPort(s.o.Addr); err == nil {
			c.ServerName = host
		}
	}
	return c
}

// tlsError explains a failed TLS handshake: a misconfiguration is a
// RefusedError, anything else a network error to retry.
func (s *socket) tlsError(err error) error {
	var rec tls.RecordHeaderError
	var host x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var cert *tls.CertificateVerificationError
	switch {
	case errors.As(err, &rec):
		return &RefusedError{s.o.Addr, "it does not speak TLS", "drop --tls-ca"}
	case errors.As(err, &host):
		return &RefusedError{s.o.Addr, fmt.Sprintf("its certificate is not for %q", host.Host),
			"pass --tls-server-name with a name the certificate holds: " + strings.Join(certNames(host.Certificate), ", ")}
	case errors.As(err, &unknown):
		return &RefusedError{s.o.Addr, "its certificate is not signed by the --tls-ca certificate", "check --tls-ca"}
	case errors.As(err, &cert):
		return &RefusedError{s.o.Addr, "its certificate does not verify: " + cert.Err.Error(), "check --tls-ca and --tls-server-name"}
	}
	return fmt.Errorf("TLS handshake: %w", err)
}

func certNames(c *x509.Certificate) []string {
	if c == nil {
		return nil
	}
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	return names
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
