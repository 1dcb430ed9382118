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
	"github.com/geostream/geostream/shared/bbox"
	"github.com/geostream/geostream/shared/tweet"
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

// Backoff timings, from X's "Handling disconnections" guide.
const (
	NetStep      = 250 * time.Millisecond // network errors: +250 ms each time
	NetMax       = 16 * time.Second
	HTTPStart    = 5 * time.Second // HTTP errors: double from 5 s
	HTTPMax      = 320 * time.Second
	RateStart    = 60 * time.Second // 429: double from a minute
	RateMax      = 15 * time.Minute
	DefaultStall = 30 * time.Second // keep-alives come every ~20 s
)

// Backoff tracks the three kinds of waits; a successful connection resets it.
type Backoff struct{ net, http, rate time.Duration }

// Kind of failure.
type Kind int

const (
	Network Kind = iota
	HTTP
	RateLimited
)

// Next returns how long to wait after a failure of kind k.
func (b *Backoff) Next(k Kind) time.Duration {
	switch k {
	case Network:
		b.net = min(b.net+NetStep, NetMax)
		return b.net
	case HTTP:
		if b.http == 0 {
			b.http = HTTPStart
		} else {
			b.http = min(2*b.http, HTTPMax)
		}
		return b.http
	default:
		if b.rate == 0 {
			b.rate = RateStart
		} else {
			b.rate = min(2*b.rate, RateMax)
		}
		return b.rate
	}
}

// Reset forgets past failures.
func (b *Backoff) Reset() { *b = Backoff{} }

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
	Lines, KeepAlives, Filtered, TooLong, Cut, Reconnects, Disconnects atomic.Int64
}

// Source reads the stream. It is used from one goroutine.
type Source struct {
	opts    Options
	log     *slog.Logger
	backoff Backoff
	body    io.ReadCloser
	cancel  context.CancelFunc // ends the current connection
	r       *wire.Reader
	watch   *time.Timer
	dec     tweet.Decoder
	mu      sync.Mutex // guards cancel against the watchdog
	Stats   Stats
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
	return &Source{opts: opts, log: opts.Logger}
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
			wait = s.backoff.Next(Network)
			s.log.Warn("cannot reach the X API; retrying", "err", scrub(err, s.opts.Token), "in", wait)
		case resp.StatusCode == http.StatusOK:
			s.backoff.Reset()
			s.mu.Lock()
			s.body, s.cancel = resp.Body, cancel
			s.mu.Unlock()
			s.r = wire.NewReader(&watchdog{s: s, rc: resp.Body}, s.opts.MaxLine)
			s.Stats.Reconnects.Add(1)
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
				wait = s.backoff.Next(RateLimited)
				if reset, err := strconv.ParseInt(resp.Header.Get("x-rate-limit-reset"), 10, 64); err == nil {
					if until := time.Unix(reset, 0).Sub(s.opts.Now()); until > wait {
						wait = until
					}
				}
				s.log.Warn("rate limited by X (HTTP 429); waiting", "in", wait, "detail", detail)
			case http.StatusConflict:
				wait = s.backoff.Next(HTTP)
				s.log.Warn("X says this app already has its allowed stream connections open (HTTP 409); close the other one", "in", wait)
			default:
				wait = s.backoff.Next(HTTP)
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
// reconnected. It returns ctx.Err() when ctx ends and ErrAuth when the
// token is refused.
func (s *Source) Next(ctx context.Context) (source.Line, error) {
	for {
		if s.r == nil {
			if err := s.connect(ctx); err != nil {
				return source.Line{}, err
			}
		}
		line, err := s.r.Next()
		switch {
		case err == nil && s.r.Unterminated:
			s.Stats.Cut.Add(1) // the connection broke mid-line: not a whole message
			continue
		case err == nil:
			if len(bytes.TrimSpace(line)) == 0 {
				s.Stats.KeepAlives.Add(1)
				continue
			}
			if isDisconnect(line) {
				s.log.Warn("X closed the stream for operational reasons; reconnecting", "message", string(line))
				s.Stats.Disconnects.Add(1)
				s.drop()
				continue
			}
			if !filter(&s.dec, line, s.opts.Box, s.opts.Langs) {
				s.Stats.Filtered.Add(1)
				continue
			}
			s.Stats.Lines.Add(1)
			return source.Line{Data: append([]byte(nil), line...)}, nil
		case errors.Is(err, wire.ErrLineTooLong):
			s.Stats.TooLong.Add(1)
			continue
		}
		s.drop()
		if ctx.Err() != nil {
			return source.Line{}, ctx.Err()
		}
		wait := s.backoff.Next(Network)
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
