// Package xapi is the live source: the X API v2 filtered stream (rules
// managed with go-twitter) or the sample stream, read line by line with
// geostream's own reader, reconnecting as X documents.
package xapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/backoff"
	"github.com/geostream/geostream/shared/bbox"
	"github.com/geostream/geostream/shared/wire"
)

// DefaultAPIURL is X's API host.
const DefaultAPIURL = "https://api.x.com"

// Fields asked of the stream: what location, text, time and language need.
var Fields = url.Values{
	"tweet.fields": {"created_at,geo,lang,author_id,entities,public_metrics,referenced_tweets,note_tweet"},
	"expansions":   {"geo.place_id,author_id"},
	"place.fields": {"geo,full_name,country_code,place_type,name"},
	"user.fields":  {"username,location"},
}

// ErrAuth is returned when X refuses the token (401/403): retrying cannot help.
var ErrAuth = errors.New("xapi: X refused the bearer token")

// Backoff timings, from X's "Handling disconnections" guide, and the stall
// timeout.
const (
	NetStep      = 250 * time.Millisecond // network errors: +250 ms each time
	NetMax       = 16 * time.Second
	HTTPStart    = 5 * time.Second // HTTP errors: double from 5 s
	HTTPMax      = 320 * time.Second
	RateStart    = 60 * time.Second // 429: double from a minute
	RateMax      = 15 * time.Minute
	DefaultStall = 30 * time.Second // keep-alives come every ~20 s
	// Jitter lengthens every wait by a random share below it, so that
	// scrapers cut at once do not reconnect in step; waits are never
	// shorter than X's schedule.
	Jitter = 0.2
)

// backoffs are the three schedules X documents. All three start again once
// a connection has delivered data (a line or a keep-alive): an HTTP 200
// alone proves nothing, as a stream accepted and dropped at once would
// otherwise be retried every 250 ms.
type backoffs struct{ net, http, rate backoff.Backoff }

func newBackoffs() backoffs {
	return backoffs{
		net:  backoff.Linear(NetStep, NetMax, Jitter),
		http: backoff.Exponential(HTTPStart, HTTPMax, Jitter),
		rate: backoff.Exponential(RateStart, RateMax, Jitter),
	}
}

func (b *backoffs) reset() {
	b.net.Reset()
	b.http.Reset()
	b.rate.Reset()
}

// Options configures a Source.
type Options struct {
	APIURL  string
	Token   string
	Sample  bool
	Box     *bbox.Box // client-side location filter
	Langs   []string  // client-side language filter
	MaxLine int
	Stall   time.Duration
	Client  *http.Client
	Logger  *slog.Logger
	// Now and Sleep default to the real clock; tests replace them.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Stats are the source's counters.
type Stats struct {
	Lines       int64 // data lines passed on
	KeepAlives  int64 // keep-alive newlines
	Filtered    int64 // lines dropped by the client-side filters
	TooLong     int64 // lines over MaxLine, skipped
	Cut         int64 // partial lines at a broken connection
	Connections int64 // successful connections
	Disconnects int64 // operational-disconnect messages from X
}

// counters are Stats, safe to read while the source runs.
type counters struct {
	lines, keepAlives, filtered, tooLong, cut, connections, disconnects atomic.Int64
}

// Source reads the stream. Next and Close are called from one goroutine;
// Stats from any.
type Source struct {
	opts    Options
	log     *slog.Logger
	backoff backoffs
	fresh   bool // connected, no data yet: the backoff is not reset
	body    io.ReadCloser
	cancel  context.CancelFunc // ends the current connection
	r       *wire.Reader
	watch   *time.Timer
	dec     source.Decoder
	mu      sync.Mutex // guards cancel against the watchdog
	n       counters
}

// Stats returns the counters so far.
func (s *Source) Stats() Stats {
	return Stats{
		Lines: s.n.lines.Load(), KeepAlives: s.n.keepAlives.Load(), Filtered: s.n.filtered.Load(),
		TooLong: s.n.tooLong.Load(), Cut: s.n.cut.Load(), Connections: s.n.connections.Load(),
		Disconnects: s.n.disconnects.Load(),
	}
}

// New returns a Source; it connects on the first Next.
func New(opts Options) *Source {
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	if opts.Stall <= 0 {
		opts.Stall = DefaultStall
	}
	if opts.Client == nil {
		opts.Client = &http.Client{} // no timeout: the stall watchdog guards reads
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = source.Sleep
	}
	return &Source{opts: opts, log: opts.Logger, backoff: newBackoffs()}
}

func (s *Source) endpoint() string {
	path := "/2/tweets/search/stream"
	if s.opts.Sample {
		path = "/2/tweets/sample/stream"
	}
	return s.opts.APIURL + path + "?" + Fields.Encode()
}

// connect opens the stream, waiting out failures with X's backoff. It
// returns ErrAuth for 401/403 and ctx.Err() when cancelled.
func (s *Source) connect(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		connCtx, cancel := context.WithCancel(ctx)
		req, err := http.NewRequestWithContext(connCtx, http.MethodGet, s.endpoint(), nil)
		if err != nil {
			cancel()
			return fmt.Errorf("xapi: building request: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+s.opts.Token)
		req.Header.Set("User-Agent", "geostream")
		resp, err := s.opts.Client.Do(req)
		var wait time.Duration
		switch {
		case err != nil:
			cancel()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			wait = s.backoff.net.Next()
			s.log.Warn("cannot reach the X API; retrying", "err", scrub(err, s.opts.Token), "in", wait)
		case resp.StatusCode == http.StatusOK:
			s.fresh = true // the backoff resets on the first data, not here
			s.mu.Lock()
			s.body, s.cancel = resp.Body, cancel
			s.mu.Unlock()
			s.r = wire.NewReader(&watchdog{s: s, rc: resp.Body}, s.opts.MaxLine)
			s.n.connections.Add(1)
			s.log.Info("connected to the X stream", "sample", s.opts.Sample)
			return nil
		default:
			detail := readDetail(resp.Body)
			resp.Body.Close()
			cancel()
			switch resp.StatusCode {
			case http.StatusUnauthorized:
				return fmt.Errorf("%w (HTTP 401): set X_BEARER_TOKEN (or TWITTER_BEARER_TOKEN) to your app's bearer token", ErrAuth)
			case http.StatusForbidden:
				return fmt.Errorf("%w (HTTP 403): this app's access level does not include this stream%s", ErrAuth, detail)
			case http.StatusTooManyRequests:
				wait = s.backoff.rate.Next()
				if reset, err := strconv.ParseInt(resp.Header.Get("x-rate-limit-reset"), 10, 64); err == nil {
					if until := time.Unix(reset, 0).Sub(s.opts.Now()); until > wait {
						wait = until
					}
				}
				s.log.Warn("rate limited by X (HTTP 429); waiting", "in", wait, "detail", detail)
			case http.StatusConflict:
				wait = s.backoff.http.Next()
				s.log.Warn("X says this app already has its allowed stream connections open (HTTP 409); close the other one", "in", wait)
			default:
				wait = s.backoff.http.Next()
				s.log.Warn("X API error; retrying", "status", resp.StatusCode, "detail", detail, "in", wait)
			}
		}
		if err := s.opts.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func readDetail(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 2048))
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return ""
	}
	return ": " + string(b)
}

// scrub removes the token from an error's text, should it ever appear.
func scrub(err error, token string) string {
	msg := err.Error()
	if token != "" {
		msg = string(bytes.ReplaceAll([]byte(msg), []byte(token), []byte("[token]")))
	}
	return msg
}

// watchdog ends the connection when no byte arrives for the stall timeout
// (cancelling the request: closing an HTTP body waits for a pending Read).
type watchdog struct {
	s  *Source
	rc io.ReadCloser
}

func (w *watchdog) Read(p []byte) (int, error) {
	if w.s.watch == nil {
		w.s.watch = time.AfterFunc(w.s.opts.Stall, func() { w.s.stalled() })
	} else {
		w.s.watch.Reset(w.s.opts.Stall)
	}
	return w.rc.Read(p)
}

// stalled runs on the watchdog's timer goroutine.
func (s *Source) stalled() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *Source) drop() {
	if s.watch != nil {
		s.watch.Stop()
	}
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	s.mu.Unlock()
	if s.body != nil {
		s.body.Close()
	}
	s.body, s.r = nil, nil
}

// Next returns the next data line. Keep-alives are skipped; a stream that
// ends, errs, stalls or sends an operational-disconnect message is
// reconnected. A line that the client-side filters decoded carries its
// Tweet. It returns ctx.Err() when ctx ends and ErrAuth when the token is
// refused.
func (s *Source) Next(ctx context.Context) (source.Line, error) {
	for {
		if s.r == nil {
			if err := s.connect(ctx); err != nil {
				return source.Line{}, err
			}
		}
		line, err := s.r.Next()
		if s.fresh && (err == nil && !s.r.Unterminated || errors.Is(err, wire.ErrLineTooLong)) {
			s.fresh = false // the stream delivers: start the schedules again
			s.backoff.reset()
		}
		switch {
		case err == nil && s.r.Unterminated:
			s.n.cut.Add(1) // the connection broke mid-line: not a whole message
			continue
		case err == nil:
			if len(bytes.TrimSpace(line)) == 0 {
				s.n.keepAlives.Add(1)
				continue
			}
			if isDisconnect(line) {
				s.log.Warn("X closed the stream for operational reasons; reconnecting", "message", string(line))
				s.n.disconnects.Add(1)
				s.drop()
				continue
			}
			l := source.Line{Data: append([]byte(nil), line...)}
			if !filter(&s.dec, &l, s.opts.Box, s.opts.Langs) {
				s.n.filtered.Add(1)
				continue
			}
			s.n.lines.Add(1)
			return l, nil
		case errors.Is(err, wire.ErrLineTooLong):
			s.n.tooLong.Add(1)
			continue
		}
		s.drop()
		if ctx.Err() != nil {
			return source.Line{}, ctx.Err()
		}
		wait := s.backoff.net.Next()
		if err == io.EOF {
			s.log.Warn("the X stream ended; reconnecting", "in", wait)
		} else {
			s.log.Warn("the X stream broke or stalled; reconnecting", "err", scrub(err, s.opts.Token), "in", wait)
		}
		if err := s.opts.Sleep(ctx, wait); err != nil {
			return source.Line{}, err
		}
	}
}

// isDisconnect spots v2 operational-disconnect messages.
func isDisconnect(line []byte) bool {
	return bytes.HasPrefix(line, []byte(`{"errors"`)) && bytes.Contains(line, []byte("operational-disconnect"))
}

// Close closes the stream.
func (s *Source) Close() error {
	s.drop()
	return nil
}
