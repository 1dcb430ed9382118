// Package mastodon is a live source that needs only a free account's
// token: a Mastodon instance's streaming API over a WebSocket
// (/api/v1/streaming). It follows one public stream (public, public:local,
// public:remote, or a hashtag) and serves the Status of each "update" event
// (a JSON document inside the event's JSON string) as one line. Deletions,
// edits and other events are skipped and counted.
//
// When the connection breaks it dials again with a doubling, jittered
// backoff. The streaming API has no cursor, so once the new connection is
// up the source asks the instance's REST timeline for the same stream for
// what was posted since the last status it served (min_id, oldest first,
// up to Backfill statuses) and serves those before the stream goes on;
// statuses served twice are dropped. An instance numbers a remote status
// by the time it was posted, not the time it arrived, so one that arrived
// late by federation during the gap, numbered before the newest served, is
// not fetched. A refused token ends the source at once with ErrAuth.
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

// DiscoveryTimeout bounds the look-up of the instance's streaming host,
// and each request for the statuses missed while disconnected.
const DiscoveryTimeout = 10 * time.Second

// DefaultBackfill is how many missed statuses a reconnection fetches at
// most: ten requests of the timeline's largest page.
const DefaultBackfill = 400

// backfillPage is the timeline API's largest page.
const backfillPage = 40

// recentIDs is how many served statuses are remembered to drop repeats.
const recentIDs = 4096

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
	// Backfill is how many statuses posted while the connection was down
	// are fetched from the REST timeline after it is back
	// [DefaultBackfill]; negative fetches none.
	Backfill int
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
	TooLong     int64 // messages (or fetched statuses) over MaxLine, skipped
	Connections int64 // handshakes that succeeded
	Failures    int64 // attempts that failed, and connections that broke
	Stalls      int64 // connections dropped for silence
	Backfilled  int64 // statuses served from the REST timeline after a reconnection
	Duplicates  int64 // statuses served before, dropped
	// BackfillFailures counts timeline requests that failed: the statuses
	// of that gap are missed.
	BackfillFailures int64
}

// LogValue makes Stats one log group.
func (s Stats) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("statuses", s.Statuses), slog.Int64("deletes", s.Deletes), slog.Int64("edits", s.Edits),
		slog.Int64("other_events", s.OtherEvents), slog.Int64("errors", s.Errors), slog.Int64("filtered", s.Filtered),
		slog.Int64("malformed", s.Malformed), slog.Int64("too_long", s.TooLong), slog.Int64("connections", s.Connections),
		slog.Int64("failures", s.Failures), slog.Int64("stalls", s.Stalls), slog.Int64("backfilled", s.Backfilled),
		slog.Int64("duplicates", s.Duplicates), slog.Int64("backfill_failures", s.BackfillFailures))
}

type counters struct {
	statuses, deletes, edits, otherEvents, errors, filtered, malformed atomic.Int64
	backfilled, duplicates, backfillFailures, tooLong                  atomic.Int64
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

	idp    fastjson.Parser // reads a status's id
	maxID  string          // the newest local status id served
	joined bool            // a connection has been up before
	missed [][]byte        // statuses fetched after a reconnection, oldest first
	recent map[string]struct{}
	ring   []string // recent's ids, oldest overwritten first
	ringAt int
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
	if opts.Backfill == 0 {
		opts.Backfill = DefaultBackfill
	}
	if opts.Feed.Client == nil {
		opts.Feed.Client = &http.Client{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Tag = strings.TrimPrefix(opts.Tag, "#")
	s := &Source{opts: opts, log: opts.Logger, filter: source.NewFilter(opts.Langs, opts.Track),
		recent: make(map[string]struct{}, recentIDs), ring: make([]string, recentIDs)}
	if opts.StreamingURL != "" {
		s.stream = wsScheme(opts.StreamingURL)
	}
	header := http.Header{}
	header.Set("Authorization", "Bearer "+opts.Token)
	header.Set("User-Agent", "geostream")
	fo := opts.Feed
	fo.URL, fo.Header, fo.Secret, fo.Name, fo.Announce = s.url, header, opts.Token, "Mastodon", true
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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.restBase()+"/api/v2/instance", nil)
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

// restBase is the instance's REST address: http(s), no trailing slash.
func (s *Source) restBase() string {
	base := strings.TrimRight(s.opts.Instance, "/")
	return strings.Replace(strings.Replace(base, "wss://", "https://", 1), "ws://", "http://", 1)
}

// Stats returns the counters so far.
func (s *Source) Stats() Stats {
	f := s.feed.Stats()
	return Stats{Statuses: s.n.statuses.Load(), Deletes: s.n.deletes.Load(), Edits: s.n.edits.Load(),
		OtherEvents: s.n.otherEvents.Load(), Errors: s.n.errors.Load(), Filtered: s.n.filtered.Load(),
		Malformed: s.n.malformed.Load(), TooLong: f.TooLong + s.n.tooLong.Load(), Connections: f.Connections, Failures: f.Failures, Stalls: f.Stalls,
		Backfilled: s.n.backfilled.Load(), Duplicates: s.n.duplicates.Load(), BackfillFailures: s.n.backfillFailures.Load()}
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
		if len(s.missed) > 0 {
			st := s.missed[0]
			s.missed = s.missed[1:]
			s.payload = append(s.payload[:0], st...)
			if l, ok := s.status(); ok {
				s.n.backfilled.Add(1)
				return l, nil
			}
			continue
		}
		m, err := s.feed.Next(ctx)
		if errors.Is(err, wsfeed.ErrRefused) {
			detail := strings.TrimPrefix(err.Error(), wsfeed.ErrRefused.Error()+" ")
			return source.Line{}, fmt.Errorf("%w %s; %s", ErrAuth, detail, tokenHelp)
		}
		if err != nil {
			return source.Line{}, err
		}
		if m.Connected {
			again := s.joined
			s.joined = true
			if again && s.maxID != "" && s.opts.Backfill > 0 && s.opts.Instance != "" {
				s.backfill(ctx)
			}
			continue
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
	if v.Exists("event") {
		s.feed.Delivered() // an event: the connection works
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
	l, ok := s.status()
	return l, ok, nil
}

// status serves the Status in s.payload unless it is malformed, filtered
// out or served before.
func (s *Source) status() (source.Line, bool) {
	tw, err := s.dec.Decode(s.payload)
	if err != nil || tw.Kind != tweet.KindTweet {
		s.n.malformed.Add(1)
		return source.Line{}, false
	}
	if _, dup := s.recent[tw.ID]; dup {
		s.n.duplicates.Add(1)
		return source.Line{}, false
	}
	s.remember(tw.ID)
	if id := s.localID(); newer(id, s.maxID) {
		s.maxID = id
	}
	if !s.filter.Keep(&tw) {
		s.n.filtered.Add(1)
		return source.Line{}, false
	}
	s.n.statuses.Add(1)
	s.tw = tw
	return source.Line{Data: wsfeed.Line(s.payload), Tweet: &s.tw}, true
}

// remember keeps id among the recent ones, forgetting the oldest.
func (s *Source) remember(id string) {
	if old := s.ring[s.ringAt]; old != "" {
		delete(s.recent, old)
	}
	s.ring[s.ringAt] = id
	s.recent[id] = struct{}{}
	s.ringAt = (s.ringAt + 1) % len(s.ring)
}

// localID is the instance's own id of the Status in s.payload: a decimal
// number that grows with time, which the timeline pages by.
func (s *Source) localID() string {
	v, err := s.idp.ParseBytes(s.payload)
	if err != nil {
		return ""
	}
	id := string(v.GetStringBytes("id"))
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return ""
		}
	}
	return id
}

// newer reports whether decimal id a is above b ("" is below all).
func newer(a, b string) bool {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// timeline is the REST address of the stream's timeline.
func (s *Source) timeline() string {
	q := url.Values{"limit": {fmt.Sprint(backfillPage)}}
	path := "/api/v1/timelines/public"
	switch s.opts.Stream {
	case "public:local":
		q.Set("local", "true")
	case "public:remote":
		q.Set("remote", "true")
	case "hashtag", "hashtag:local":
		path = "/api/v1/timelines/tag/" + url.PathEscape(s.opts.Tag)
		if s.opts.Stream == "hashtag:local" {
			q.Set("local", "true")
		}
	}
	return s.restBase() + path + "?" + q.Encode()
}

// backfill fetches, oldest first, the statuses of the stream posted since
// the newest one served, into s.missed. A failure is logged and counted:
// the stream goes on without them.
func (s *Source) backfill(ctx context.Context) {
	since, got := s.maxID, 0
	for got < s.opts.Backfill {
		page, n, err := s.page(ctx, since)
		if err != nil {
			if ctx.Err() == nil {
				s.n.backfillFailures.Add(1)
				s.log.Warn("cannot fetch the statuses missed while disconnected; they are lost", "since_id", since, "err", err)
			}
			return
		}
		// A page is newest first: the gap is served oldest first. What is
		// not after since was not asked for (an instance that ignores
		// min_id): it is not served, and a page that does not move since
		// ends the gap.
		from := since
		for i := len(page) - 1; i >= 0 && got < s.opts.Backfill; i-- {
			if !newer(page[i].id, from) {
				continue
			}
			s.missed = append(s.missed, page[i].st)
			got++
			if newer(page[i].id, since) {
				since = page[i].id
			}
		}
		// n counts the statuses skipped as too long too: a full page
		// means there may be more.
		if n < backfillPage || since == from {
			break
		}
	}
	if got >= s.opts.Backfill {
		s.log.Warn("more statuses were posted while disconnected than are fetched; the newest of the gap are lost",
			"fetched", got, "since_id", s.maxID)
	}
	if got > 0 {
		s.log.Info("fetched the statuses missed while disconnected", "statuses", got, "since_id", s.maxID)
	}
}

// missedStatus is one Status of a timeline page and its id.
type missedStatus struct {
	id string
	st []byte
}

// page asks the timeline for the statuses just after min_id; n is how
// many it gave, those skipped as too long included.
func (s *Source) page(ctx context.Context, minID string) (page []missedStatus, n int, err error) {
	ctx, cancel := context.WithTimeout(ctx, DiscoveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.timeline()+"&min_id="+url.QueryEscape(minID), nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.opts.Token)
	req.Header.Set("User-Agent", "geostream")
	resp, err := s.opts.Feed.Client.Do(req)
	if err != nil {
		return nil, 0, errors.New(strings.ReplaceAll(err.Error(), s.opts.Token, "[token]"))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("the timeline answered %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(backfillPage*s.opts.MaxLine)+1))
	if err != nil {
		return nil, 0, err
	}
	out, tooLong, err := parsePage(b, s.opts.MaxLine)
	s.n.tooLong.Add(int64(tooLong)) // as the stream does with a message over MaxLine
	return out, len(out) + tooLong, err
}

// parsePage reads a timeline's answer: a JSON list of Statuses, each kept
// as its JSON with its id, except those over maxLine bytes (counted).
func parsePage(b []byte, maxLine int) ([]missedStatus, int, error) {
	var p fastjson.Parser
	v, err := p.ParseBytes(b)
	if err != nil {
		return nil, 0, fmt.Errorf("the timeline's answer: %w", err)
	}
	arr, err := v.Array()
	if err != nil {
		return nil, 0, fmt.Errorf("the timeline's answer is no list of statuses")
	}
	out := make([]missedStatus, 0, len(arr))
	tooLong := 0
	for _, st := range arr {
		raw := st.MarshalTo(nil)
		if len(raw) > maxLine {
			tooLong++
			continue
		}
		out = append(out, missedStatus{id: string(st.GetStringBytes("id")), st: raw})
	}
	return out, tooLong, nil
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
