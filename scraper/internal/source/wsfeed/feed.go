// Package wsfeed reads the messages of a live WebSocket feed that may
// break. It dials with a doubling, jittered backoff, keeps the connection
// alive with pings, takes a connection that stays silent (not even a ping or
// a pong) for too long for dead, and dials again. The Bluesky and Mastodon
// sources are built on it; what a message means, and where to resume, is
// theirs to say (Options.URL is asked again before every dial).
package wsfeed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/backoff"
	"github.com/geostream/geostream/shared/wire"
)

// Reconnection timings: waits double from BackoffFirst to BackoffMax, each
// lengthened by up to Jitter of itself, and start again once a connection
// has delivered a message.
const (
	BackoffFirst = 250 * time.Millisecond
	BackoffMax   = 30 * time.Second
	Jitter       = 0.2
	// DefaultPing is how often the client pings the server.
	DefaultPing = 30 * time.Second
	// DefaultStall is how long a connection may go without a frame of any
	// kind (a message, a ping, a pong) while a message is awaited: three
	// pings unanswered.
	DefaultStall = 90 * time.Second
	// DialTimeout bounds one handshake.
	DialTimeout = 30 * time.Second
)

// ErrRefused is returned when the server refuses the credentials (HTTP 401
// or 403 at the handshake): retrying cannot help.
var ErrRefused = errors.New("wsfeed: the server refused the credentials")

// ErrRejected is returned when the server rejects the request itself (HTTP
// 400 or 404 at the handshake: an unknown stream, a wrong path): retrying
// cannot help either.
var ErrRejected = errors.New("wsfeed: the server rejected the request")

// errTooLong marks a message over MaxMessage, skipped.
var errTooLong = errors.New("wsfeed: message too long")

// Options configures a Feed.
type Options struct {
	// URL returns the ws:// or wss:// address to dial; it is called before
	// every attempt, so a source can resume from a cursor.
	URL func() string
	// Header is sent with every handshake (an Authorization header); it is
	// never logged.
	Header http.Header
	// Secret is removed from every error and log line, should a server
	// echo it.
	Secret string
	// Name is what the logs call the feed ("Jetstream").
	Name string
	// Announce makes Next return a Message with Connected set after each
	// handshake, before that connection's first message: a source that
	// must catch up on what it missed (Mastodon) does so at once, not at
	// the next message, which on a quiet stream may be long in coming.
	Announce bool
	// MaxMessage is the longest message in bytes [wire.DefaultMaxLine];
	// longer ones are read to their end, skipped and counted.
	MaxMessage int
	// Ping [DefaultPing] and Stall [DefaultStall]: see the constants.
	Ping, Stall time.Duration
	// Backoff is the schedule of waits between attempts; the zero value is
	// BackoffFirst doubling to BackoffMax with Jitter.
	Backoff backoff.Backoff
	// Client makes the handshakes [a client without a timeout].
	Client *http.Client
	Logger *slog.Logger
	// Sleep waits between attempts; tests replace it [source.Sleep].
	Sleep func(ctx context.Context, d time.Duration) error
	// LogStats, if set, is called every StatsInterval as messages arrive
	// (no goroutine: a silent feed logs nothing). Now is the clock for it.
	LogStats      func()
	StatsInterval time.Duration
	Now           func() time.Time
}

// Validate checks the options.
func (o *Options) Validate() error {
	if o.URL == nil {
		return errors.New("wsfeed: no URL")
	}
	u, err := url.Parse(o.URL())
	if err != nil {
		return fmt.Errorf("wsfeed: parsing the URL: %w", err)
	}
	if s := u.Scheme; s != "ws" && s != "wss" && s != "http" && s != "https" || u.Host == "" {
		return fmt.Errorf("wsfeed: %q is not a ws:// or wss:// URL", u.Redacted())
	}
	if o.MaxMessage < 0 || o.Ping < 0 || o.Stall < 0 || o.StatsInterval < 0 {
		return errors.New("wsfeed: MaxMessage, Ping, Stall and StatsInterval must not be negative")
	}
	return nil
}

// Message is one message of the feed. Data is valid until the next call of
// Next: copy what is kept.
type Message struct {
	Binary bool
	Data   []byte
	// Connected, with Options.Announce, marks a new connection instead of
	// a message: Binary and Data are unset.
	Connected bool
}

// Stats are a Feed's counters.
type Stats struct {
	Connections int64 // handshakes that succeeded
	Failures    int64 // attempts that failed, and connections that broke
	Stalls      int64 // connections dropped for silence
	TooLong     int64 // messages over MaxMessage, skipped
}

// Feed reads one feed. Next, Reconnect and Close are called from one
// goroutine; Stats from any. A Feed owns one goroutine per connection, the
// pinger, which Close (or a broken connection) stops and waits for.
type Feed struct {
	opts    Options
	log     *slog.Logger
	backoff backoff.Backoff
	fresh   bool // connected, nothing Delivered yet: the backoff is not reset
	tries   int  // failed attempts since the last connection
	conn    *websocket.Conn
	cancel  context.CancelFunc // ends the connection's pinger
	pinger  sync.WaitGroup
	watch   *time.Timer // the stall watchdog, armed while a message is awaited
	buf     bytes.Buffer
	due     time.Time  // when LogStats is next called
	mu      sync.Mutex // guards conn and cancel against the watchdog
	n       struct{ connections, failures, stalls, tooLong atomic.Int64 }
}

// New returns a Feed for valid options; it connects on the first Next.
func New(opts Options) (*Feed, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.MaxMessage == 0 {
		opts.MaxMessage = wire.DefaultMaxLine
	}
	if opts.Ping == 0 {
		opts.Ping = DefaultPing
	}
	if opts.Stall == 0 {
		opts.Stall = DefaultStall
	}
	if opts.Backoff.First == 0 && opts.Backoff.Max == 0 {
		opts.Backoff = backoff.Exponential(BackoffFirst, BackoffMax, Jitter)
	}
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Sleep == nil {
		opts.Sleep = source.Sleep
	}
	if opts.Name == "" {
		opts.Name = "feed"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := &Feed{opts: opts, log: opts.Logger, backoff: opts.Backoff}
	if opts.LogStats != nil && opts.StatsInterval > 0 {
		f.due = opts.Now().Add(opts.StatsInterval)
	}
	f.watch = time.AfterFunc(time.Hour, f.stalled)
	f.watch.Stop()
	return f, nil
}

// Stats returns the counters so far.
func (f *Feed) Stats() Stats {
	return Stats{Connections: f.n.connections.Load(), Failures: f.n.failures.Load(),
		Stalls: f.n.stalls.Load(), TooLong: f.n.tooLong.Load()}
}

// Next returns the next message, connecting first if need be and
// reconnecting, with backoff, whenever the connection breaks, closes or
// stalls. It returns ctx.Err() when ctx ends, and an error wrapping
// ErrRefused or ErrRejected when retrying cannot help.
func (f *Feed) Next(ctx context.Context) (Message, error) {
	for {
		if f.conn == nil {
			if err := f.connect(ctx); err != nil {
				return Message{}, err
			}
			if f.opts.Announce {
				return Message{Connected: true}, nil
			}
		}
		m, err := f.read(ctx)
		switch {
		case err == nil:
			f.stats()
			return m, nil
		case errors.Is(err, errTooLong):
			f.n.tooLong.Add(1)
			continue
		}
		f.drop()
		if ctx.Err() != nil {
			return Message{}, ctx.Err()
		}
		f.n.failures.Add(1)
		wait := f.backoff.Next()
		f.log.Warn("the "+f.opts.Name+" connection broke; reconnecting", "err", f.scrub(err),
			"close_status", int(websocket.CloseStatus(err)), "in", wait)
		if err := f.opts.Sleep(ctx, wait); err != nil {
			return Message{}, err
		}
	}
}

// stats calls LogStats when it is due.
func (f *Feed) stats() {
	if f.due.IsZero() {
		return
	}
	if now := f.opts.Now(); !now.Before(f.due) {
		f.due = now.Add(f.opts.StatsInterval)
		f.opts.LogStats()
	}
}

// Line returns a copy of a JSON message as one line: compacted if it
// holds line breaks.
func Line(msg []byte) []byte {
	if bytes.IndexByte(msg, '\n') < 0 && bytes.IndexByte(msg, '\r') < 0 {
		return bytes.Clone(msg)
	}
	var out bytes.Buffer
	if json.Compact(&out, msg) != nil {
		return bytes.ReplaceAll(bytes.ReplaceAll(msg, []byte("\r"), []byte(" ")), []byte("\n"), []byte(" "))
	}
	return out.Bytes()
}

// Delivered tells the feed that the connection gave a message the source
// could use: the backoff starts again from its first step at the next
// break. Until a source says so, a server that accepts and then sends
// only errors, junk or messages too long, or closes at once, is dialled
// less and less often.
func (f *Feed) Delivered() {
	if f.fresh {
		f.fresh = false
		f.backoff.Reset()
	}
}

// Reconnect drops the connection; the next Next dials again at once.
func (f *Feed) Reconnect() { f.drop() }

// Close closes the connection and waits for its pinger.
func (f *Feed) Close() error {
	f.drop()
	return nil
}

// connect dials until a handshake succeeds, waiting out failures.
func (f *Feed) connect(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		dctx, cancel := context.WithTimeout(ctx, DialTimeout)
		conn, resp, err := websocket.Dial(dctx, f.opts.URL(), &websocket.DialOptions{
			HTTPClient:     f.opts.Client,
			HTTPHeader:     f.opts.Header,
			OnPingReceived: func(context.Context, []byte) bool { f.alive(); return true },
			OnPongReceived: func(context.Context, []byte) { f.alive() },
		})
		cancel()
		if err == nil {
			f.tries = 0
			f.up(conn)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		switch status {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%w (HTTP %d%s)", ErrRefused, status, f.detail(resp))
		case http.StatusBadRequest, http.StatusNotFound:
			return fmt.Errorf("%w (HTTP %d%s)", ErrRejected, status, f.detail(resp))
		}
		f.n.failures.Add(1)
		f.tries++
		wait := f.backoff.Next().Round(time.Millisecond)
		why := f.reason(err, resp)
		switch {
		case f.n.connections.Load() > 0:
			f.log.Warn("cannot connect to "+f.opts.Name+"; retrying", "why", why, "in", wait)
		case f.tries == 1:
			f.log.Warn("cannot reach "+f.opts.Name+" at "+f.host()+": "+why+"; retrying until it answers", "in", wait)
		default:
			f.log.Info("still cannot reach "+f.opts.Name+"; retrying", "why", why, "in", wait)
		}
		if err := f.opts.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// up takes a new connection in hand and starts its pinger. The
// connection lives until it breaks or is dropped, whatever the contexts of
// the calls that read it.
func (f *Feed) up(conn *websocket.Conn) {
	conn.SetReadLimit(-1) // read lets a long message through to skip it, not close
	cctx, cancel := context.WithCancel(context.Background())
	f.mu.Lock()
	f.conn, f.cancel = conn, cancel
	f.mu.Unlock()
	f.fresh = true
	f.n.connections.Add(1)
	f.pinger.Add(1)
	go f.ping(cctx, conn)
	f.log.Info("connected to " + f.opts.Name)
}

// ping pings the server every Ping until the connection ends. A pong
// arrives through a read, so one awaited while no message is being read
// may time out: the watchdog, not the pinger, judges a connection.
func (f *Feed) ping(ctx context.Context, conn *websocket.Conn) {
	defer f.pinger.Done()
	t := time.NewTicker(f.opts.Ping)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, f.opts.Ping)
			_ = conn.Ping(pctx) // the watchdog judges the answer
			cancel()
		}
	}
}

// skipFactor × MaxMessage, and at least minSkip bytes, is how much of a
// message too long is read past to skip it before the connection is
// dropped instead.
const (
	skipFactor = 16
	minSkip    = 16 << 20
)

// read reads one whole message into the feed's buffer, skipping the rest of
// one over MaxMessage. If ctx ends first, the connection is closed: a
// WebSocket read cannot be abandoned otherwise.
func (f *Feed) read(ctx context.Context) (Message, error) {
	f.watch.Reset(f.opts.Stall)
	defer f.watch.Stop()
	defer context.AfterFunc(ctx, func() { f.kill(nil) })()
	// No context for the read itself: the watchdog and ctx end it by
	// closing the connection (which a context would do too, at a cost).
	typ, r, err := f.conn.Reader(context.Background())
	if err != nil {
		return Message{}, err
	}
	f.buf.Reset()
	lr := &io.LimitedReader{R: aliveReader{f, r}, N: int64(f.opts.MaxMessage) + 1}
	if _, err := f.buf.ReadFrom(lr); err != nil {
		return Message{}, err
	}
	if f.buf.Len() > f.opts.MaxMessage {
		// Skipped to its end, up to a bound: a message that never ends
		// would keep the watchdog fed and the feed stuck.
		limit := max(int64(skipFactor)*int64(f.opts.MaxMessage), minSkip)
		n, err := io.Copy(io.Discard, io.LimitReader(aliveReader{f, r}, limit))
		if err != nil {
			return Message{}, err
		}
		if n == limit {
			return Message{}, fmt.Errorf("a message of more than %d bytes: dropping the connection", limit+int64(f.opts.MaxMessage))
		}
		return Message{}, errTooLong
	}
	return Message{Binary: typ == websocket.MessageBinary, Data: f.buf.Bytes()}, nil
}

// aliveReader rearms the watchdog as a long message arrives.
type aliveReader struct {
	f *Feed
	r io.Reader
}

func (a aliveReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.f.alive()
	}
	return n, err
}

// alive rearms the watchdog: a frame arrived while one was awaited.
func (f *Feed) alive() { f.watch.Reset(f.opts.Stall) }

// stalled runs on the watchdog's goroutine: the connection said nothing
// for Stall.
func (f *Feed) stalled() {
	if f.kill(&f.n.stalls) {
		f.log.Warn("the "+f.opts.Name+" connection went silent; reconnecting", "after", f.opts.Stall)
	}
}

// kill closes the connection, which ends a pending read, and its pinger.
// It runs on the watchdog's goroutine or a context's; it reports whether
// there was a connection, and counts it in why (if not nil) before it
// closes it: the read it ends, and all that follows, sees the count.
func (f *Feed) kill(why *atomic.Int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn == nil {
		return false
	}
	if why != nil {
		why.Add(1)
	}
	f.cancel()
	f.conn.CloseNow()
	return true
}

// drop closes the connection, if any, and waits for its pinger.
func (f *Feed) drop() {
	f.watch.Stop()
	f.mu.Lock()
	conn, cancel := f.conn, f.cancel
	f.conn, f.cancel = nil, nil
	f.mu.Unlock()
	if conn == nil {
		return
	}
	cancel()
	conn.CloseNow()
	f.pinger.Wait()
}

// reason says in a few words why a handshake failed: the HTTP status, or
// what the network said, without the layers of wrapping around it.
func (f *Feed) reason(err error, resp *http.Response) string {
	if resp != nil {
		return "HTTP " + resp.Status
	}
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return "no host " + dns.Name + " is known"
	case errors.As(err, &dns):
		return "looking up " + dns.Name + ": " + dns.Err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "no answer"
	case errors.As(err, &op) && op.Err != nil:
		var sys *os.SyscallError
		if errors.As(op.Err, &sys) {
			return sys.Err.Error()
		}
		return f.scrubString(op.Err.Error())
	}
	return f.scrub(err)
}

// host is the host of the feed's address, for the logs.
func (f *Feed) host() string {
	if u, err := url.Parse(f.opts.URL()); err == nil {
		return u.Host
	}
	return "its address"
}

// detail is what the server said with a refused handshake.
func (f *Feed) detail(resp *http.Response) string {
	if resp == nil || resp.Body == nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if s := strings.TrimSpace(string(b)); s != "" {
		return ": " + f.scrubString(s)
	}
	return ""
}

func (f *Feed) scrub(err error) string { return f.scrubString(err.Error()) }

func (f *Feed) scrubString(s string) string {
	if f.opts.Secret == "" {
		return s
	}
	return strings.ReplaceAll(s, f.opts.Secret, "[token]")
}
