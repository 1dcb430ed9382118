// Package mastodon is a live source that needs only a free account's
// token: a Mastodon instance's streaming API over a WebSocket
// (/api/v1/streaming). It follows one public stream (public, public:local,
// public:remote, or a hashtag) and serves the Status of each "update" event
// (a JSON document inside the event's JSON string) as one line. Deletions,
// edits and other events are skipped and counted.
//
// When the connection breaks it dials again with a doubling, jittered
// backoff; the streaming API has no cursor, so posts made while it is down
// are missed. A refused token ends the source at once with ErrAuth.
package mastodon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/scraper/internal/source/wsfeed"
	"github.com/geostream/geostream/shared/tweet"
	"github.com/geostream/geostream/shared/wire"
	"github.com/valyala/fastjson"
)

// Streams are the public streams a Source may follow; the hashtag ones
// need a Tag.
var Streams = []string{"public", "public:local", "public:remote", "hashtag", "hashtag:local"}

// ErrAuth is returned when the instance refuses the token: retrying cannot
// help.
var ErrAuth = errors.New("mastodon: the instance refused the access token")

// tokenHelp says what to do about a refused token.
const tokenHelp = "set MASTODON_TOKEN to an access token of this instance with the read:statuses scope"

// DiscoveryTimeout bounds the look-up of the instance's streaming host.
const DiscoveryTimeout = 10 * time.Second

// Options configures a Source.
type Options struct {
	// Instance is the instance's address, e.g. https://mastodon.social.
	Instance string
	// StreamingURL is the streaming server's address if known; empty asks
	// the instance (configuration.urls.streaming of /api/v2/instance) and
	// falls back to the instance itself.
	StreamingURL string
	// Token is a user access token (read:statuses); it is never logged.
	Token string
	// Stream is one of Streams; Tag names the hashtag of a hashtag stream.
	Stream, Tag string
	// Langs and Track filter statuses here (see source.NewFilter).
	Langs, Track []string
	// MaxLine is the longest event in bytes [wire.DefaultMaxLine].
	MaxLine int
	// StatsInterval is how often to log the counters (0: never).
	StatsInterval time.Duration
	Logger        *slog.Logger
	// Feed tunes the connection (Ping, Stall, Backoff, Client, and the
	// clock); the source sets the rest. Its Client also asks the instance
	// where its streaming server is.
	Feed wsfeed.Options
}

// Validate checks the options.
func (o *Options) Validate() error {
	for _, s := range []string{o.Instance, o.StreamingURL} {
		if s == "" {
			continue
		}
		if u, err := url.Parse(s); err != nil || u.Host == "" || !oneOf(u.Scheme, "http", "https", "ws", "wss") {
			return fmt.Errorf("mastodon: %q is not an http(s):// or ws(s):// URL", s)
		}
	}
	if o.Instance == "" && o.StreamingURL == "" {
		return errors.New("mastodon: no instance")
	}
	if o.Token == "" {
		return errors.New("mastodon: no access token")
	}
	if !oneOf(o.Stream, Streams...) {
		return fmt.Errorf("mastodon: stream %q: want one of %s", o.Stream, strings.Join(Streams, ", "))
	}
	hashtag := strings.HasPrefix(o.Stream, "hashtag")
	if hashtag != (strings.TrimPrefix(o.Tag, "#") != "") {
		return errors.New("mastodon: a hashtag stream needs a tag, and only a hashtag stream takes one")
	}
	if o.MaxLine < 0 || o.StatsInterval < 0 {
		return errors.New("mastodon: MaxLine and StatsInterval must not be negative")
	}
	return nil
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// Stats are the source's counters.
type Stats struct {
	Statuses    int64 // statuses served
	Deletes     int64 // deletions skipped
	Edits       int64 // status.update events skipped
	OtherEvents int64 // notifications, announcements, ... skipped
	Errors      int64 // error messages from the server
	Filtered    int64 // statuses dropped by --lang / --track
	Malformed   int64 // messages that are not events, or updates without a Status
	TooLong     int64 // messages over MaxLine, skipped
	Connections int64 // handshakes that succeeded
	Failures    int64 // attempts that failed, and connections that broke
	Stalls      int64 // connections dropped for silence
}

// LogValue makes Stats one log group.
func (s Stats) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("statuses", s.Statuses), slog.Int64("deletes", s.Deletes), slog.Int64("edits", s.Edits),
		slog.Int64("other_events", s.OtherEvents), slog.Int64("errors", s.Errors), slog.Int64("filtered", s.Filtered),
		slog.Int64("malformed", s.Malformed), slog.Int64("too_long", s.TooLong), slog.Int64("connections", s.Connections),
		slog.Int64("failures", s.Failures), slog.Int64("stalls", s.Stalls))
}

type counters struct {
	statuses, deletes, edits, otherEvents, errors, filtered, malformed atomic.Int64
}

// Source reads one stream of an instance. Next and Close are called from
// one goroutine; Stats from any.
type Source struct {
	opts    Options
	log     *slog.Logger
	feed    *wsfeed.Feed
	stream  string // the streaming server's ws(s):// base, once known
	p       fastjson.Parser
	dec     tweet.Decoder
	tw      tweet.Tweet // the last status served: Line.Tweet points here
	payload []byte
	filter  source.Filter
	n       counters
}

// New returns a Source for valid options; it looks up the streaming server
// and connects on the first Next.
func New(opts Options) (*Source, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.MaxLine == 0 {
		opts.MaxLine = wire.DefaultMaxLine
	}
	if opts.Feed.Client == nil {
		opts.Feed.Client = &http.Client{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Tag = strings.TrimPrefix(opts.Tag, "#")
	s := &Source{opts: opts, log: opts.Logger, filter: source.NewFilter(opts.Langs, opts.Track)}
	if opts.StreamingURL != "" {
		s.stream = wsScheme(opts.StreamingURL)
	}
	header := http.Header{}
	header.Set("Authorization", "Bearer "+opts.Token)
	header.Set("User-Agent", "geostream")
	fo := opts.Feed
	fo.URL, fo.Header, fo.Secret, fo.Name = s.url, header, opts.Token, "Mastodon"
	fo.MaxMessage, fo.Logger = opts.MaxLine, opts.Logger
	fo.StatsInterval, fo.LogStats = opts.StatsInterval, func() { s.log.Info("mastodon stats", "stats", s.Stats()) }
	feed, err := wsfeed.New(fo)
	if err != nil {
		return nil, err
	}
	s.feed = feed
	return s, nil
}

// url is the streaming endpoint for the stream.
func (s *Source) url() string {
	base := s.stream
	if base == "" {
		base = wsScheme(s.opts.Instance)
	}
	q := url.Values{"stream": {s.opts.Stream}}
	if s.opts.Tag != "" {
		q.Set("tag", s.opts.Tag)
	}
	return strings.TrimRight(base, "/") + "/api/v1/streaming?" + q.Encode()
}

// wsScheme gives an http(s) address the matching ws(s) scheme.
func wsScheme(s string) string {
	switch {
	case strings.HasPrefix(s, "https://"):
		return "wss://" + s[len("https://"):]
	case strings.HasPrefix(s, "http://"):
		return "ws://" + s[len("http://"):]
	}
	return s
}

// discover asks the instance where its streaming server is. A failure is
// logged, and the instance's own host is used.
func (s *Source) discover(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, DiscoveryTimeout)
	defer cancel()
	base := strings.TrimRight(s.opts.Instance, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.Replace(strings.Replace(base, "wss://", "https://", 1), "ws://", "http://", 1)+"/api/v2/instance", nil)
	if err != nil {
		return
	}
	req.Header.Set("User-Agent", "geostream")
	resp, err := s.opts.Feed.Client.Do(req)
	if err != nil {
		s.log.Warn("cannot ask the instance for its streaming server; using the instance itself", "err", err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	v, err := fastjson.ParseBytes(b)
	if resp.StatusCode != http.StatusOK || err != nil {
		s.log.Warn("the instance did not say where its streaming server is; using the instance itself", "status", resp.StatusCode)
		return
	}
	if u := string(v.GetStringBytes("configuration", "urls", "streaming")); u != "" {
		if pu, err := url.Parse(u); err == nil && pu.Host != "" {
			s.stream = wsScheme(u)
			s.log.Info("streaming server", "url", s.stream)
		}
	}
}

// Stats returns the counters so far.
func (s *Source) Stats() Stats {
	f := s.feed.Stats()
	return Stats{Statuses: s.n.statuses.Load(), Deletes: s.n.deletes.Load(), Edits: s.n.edits.Load(),
		OtherEvents: s.n.otherEvents.Load(), Errors: s.n.errors.Load(), Filtered: s.n.filtered.Load(),
		Malformed: s.n.malformed.Load(), TooLong: f.TooLong, Connections: f.Connections, Failures: f.Failures, Stalls: f.Stalls}
}

// Next returns the Status of the next update as a line, with its decoded
// Tweet, which is valid until the next call. It returns ctx.Err() when ctx
// ends, an error wrapping ErrAuth when the token is refused, and one
// wrapping wsfeed.ErrRejected when the instance rejects the stream.
func (s *Source) Next(ctx context.Context) (source.Line, error) {
	if s.stream == "" {
		s.discover(ctx)
		if s.stream == "" {
			s.stream = wsScheme(s.opts.Instance)
		}
	}
	for {
		m, err := s.feed.Next(ctx)
		if errors.Is(err, wsfeed.ErrRefused) {
			detail := strings.TrimPrefix(err.Error(), wsfeed.ErrRefused.Error()+" ")
			return source.Line{}, fmt.Errorf("%w %s; %s", ErrAuth, detail, tokenHelp)
		}
		if err != nil {
			return source.Line{}, err
		}
		l, ok, err := s.event(m.Data)
		if err != nil {
			return source.Line{}, err
		}
		if ok {
			return l, nil
		}
	}
}

// event reads one streaming message: a line for an update, nothing (and a
// count) for anything else, an error if the server refuses us in-band.
func (s *Source) event(data []byte) (source.Line, bool, error) {
	v, err := s.p.ParseBytes(data)
	if err != nil || v.Type() != fastjson.TypeObject {
		s.n.malformed.Add(1)
		return source.Line{}, false, nil
	}
	switch string(v.GetStringBytes("event")) {
	case "update":
	case "delete":
		s.n.deletes.Add(1)
		return source.Line{}, false, nil
	case "status.update":
		s.n.edits.Add(1)
		return source.Line{}, false, nil
	case "":
		if !v.Exists("error") {
			s.n.malformed.Add(1)
			return source.Line{}, false, nil
		}
		return source.Line{}, false, s.serverError(v)
	default:
		s.n.otherEvents.Add(1)
		return source.Line{}, false, nil
	}
	// The payload is a Status as a JSON string; take an object too.
	p := v.Get("payload")
	switch {
	case p == nil:
		s.n.malformed.Add(1)
		return source.Line{}, false, nil
	case p.Type() == fastjson.TypeString:
		s.payload = append(s.payload[:0], p.GetStringBytes()...)
	case p.Type() == fastjson.TypeObject:
		s.payload = p.MarshalTo(s.payload[:0])
	default:
		s.n.malformed.Add(1)
		return source.Line{}, false, nil
	}
	tw, err := s.dec.Decode(s.payload)
	if err != nil || tw.Kind != tweet.KindTweet {
		s.n.malformed.Add(1)
		return source.Line{}, false, nil
	}
	if !s.filter.Keep(&tw) {
		s.n.filtered.Add(1)
		return source.Line{}, false, nil
	}
	s.n.statuses.Add(1)
	s.tw = tw
	return source.Line{Data: wsfeed.Line(s.payload), Tweet: &s.tw}, true, nil
}

// serverError handles {"error":"...","status":N}: a refused token ends the
// source, a rejected stream too; anything else is logged and counted.
func (s *Source) serverError(v *fastjson.Value) error {
	s.n.errors.Add(1)
	msg := strings.ReplaceAll(string(v.GetStringBytes("error")), s.opts.Token, "[token]")
	switch status := v.GetInt("status"); status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w (%d: %s); %s", ErrAuth, status, msg, tokenHelp)
	case http.StatusBadRequest, http.StatusNotFound:
		return fmt.Errorf("%w (%d: %s)", wsfeed.ErrRejected, status, msg)
	default:
		s.log.Warn("the instance sent an error", "status", status, "error", msg)
		return nil
	}
}

// Close closes the connection.
func (s *Source) Close() error { return s.feed.Close() }
