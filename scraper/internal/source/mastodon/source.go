package mastodon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/scraper/internal/source/wsfeed"
	"github.com/geostream/geostream/shared/tweet"
	"github.com/geostream/geostream/shared/wire"
)

// ErrAuth is returned when the instance refuses the token: retrying cannot
// help.
var ErrAuth = errors.New("mastodon: the instance refused the access token")

// tokenHelp says what to do about a refused token.
const tokenHelp = "set MASTODON_TOKEN to an access token of this instance with the read:statuses scope"

// DiscoveryTimeout bounds the look-up of the instance's streaming host,
// and each request for the statuses missed while disconnected.
const DiscoveryTimeout = 10 * time.Second

// recentIDs is how many served statuses are remembered to drop repeats.
const recentIDs = 4096

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
	// limitedUntil is when the instance, which limits its requests, may
	// be asked for a timeline again.
	limitedUntil time.Time
	recent       map[string]struct{}
	ring         []string // recent's ids, oldest overwritten first
	ringAt       int
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
	if opts.BackfillMaxWait == 0 {
		opts.BackfillMaxWait = DefaultBackfillMaxWait
	}
	if opts.Feed.Sleep == nil {
		opts.Feed.Sleep = source.Sleep
	}
	if opts.Feed.Now == nil {
		opts.Feed.Now = time.Now
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

func (s *Source) now() time.Time { return s.opts.Feed.Now() }

func (s *Source) sleep(ctx context.Context, d time.Duration) error { return s.opts.Feed.Sleep(ctx, d) }

// Close closes the connection.
func (s *Source) Close() error { return s.feed.Close() }
