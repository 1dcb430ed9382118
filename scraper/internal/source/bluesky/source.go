// Package bluesky is a live source that needs no account: Bluesky's
// Jetstream, the network's events as JSON over a WebSocket. It asks for
// posts only (wantedCollections=app.bsky.feed.post) and serves each new
// post as one line, as Jetstream sent it. Identity and account events,
// deletions, updates and other collections are skipped and counted.
//
// When the connection breaks it dials again with a doubling, jittered
// backoff, resuming at a cursor a few seconds before the last event seen
// (Jetstream's cursor is an event's time_us); the events sent again are
// recognised and dropped, so a cut loses nothing and repeats nothing while
// the server still holds the events.
//
// With Options.Profiles, each post's author's public profile is looked up
// (see package profile) and added to the post's line as one more
// top-level field, "profile"; a post waits for it at most a second, and
// posts go out in the order they came.
package bluesky

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/scraper/internal/source/bluesky/profile"
	"github.com/geostream/geostream/scraper/internal/source/wsfeed"
	"github.com/geostream/geostream/shared/tweet"
	"github.com/geostream/geostream/shared/wire"
)

// DefaultURL is a public Jetstream instance run by Bluesky.
const DefaultURL = "wss://jetstream2.us-east.bsky.network/subscribe"

// DefaultRewind is how far before the last event seen a resume starts.
const DefaultRewind = 5 * time.Second

// Options configures a Source.
type Options struct {
	// URL is the Jetstream subscribe endpoint [DefaultURL]; its own query
	// parameters are kept.
	URL string
	// Compress asks for zstd-compressed messages, decoded with Dictionary
	// (Jetstream's published one: see EmbeddedDictionary).
	Compress   bool
	Dictionary []byte
	// Langs and Track filter posts here (see source.NewFilter).
	Langs, Track []string
	// Rewind is how far before the last event a resume starts [DefaultRewind].
	Rewind time.Duration
	// MaxLine is the longest event in bytes [wire.DefaultMaxLine]; longer
	// ones are skipped and counted.
	MaxLine int
	// StatsInterval is how often to log the counters (0: never).
	StatsInterval time.Duration
	Logger        *slog.Logger
	// Feed tunes the connection (Ping, Stall, Backoff, Client, and the
	// clock); the source sets the rest.
	Feed wsfeed.Options
	// Profiles, if set, looks up each post's author's profile and adds it
	// to the line (nil: no lookups).
	Profiles *profile.Options
}

// Validate checks the options.
func (o *Options) Validate() error {
	if o.URL != "" {
		u, err := url.Parse(o.URL)
		if err != nil || u.Host == "" || u.Scheme != "ws" && u.Scheme != "wss" {
			return fmt.Errorf("bluesky: %q is not a ws:// or wss:// URL", o.URL)
		}
	}
	if o.Compress {
		if _, err := CheckDictionary(o.Dictionary); err != nil {
			return fmt.Errorf("bluesky: --compress needs Jetstream's zstd dictionary: %w", err)
		}
	}
	if o.Rewind < 0 || o.MaxLine < 0 || o.StatsInterval < 0 {
		return errors.New("bluesky: Rewind, MaxLine and StatsInterval must not be negative")
	}
	if o.Profiles != nil {
		return o.Profiles.Validate()
	}
	return nil
}

// Stats are the source's counters.
type Stats struct {
	Posts            int64 // posts served
	Identity         int64 // identity events skipped
	Account          int64 // account events skipped
	Deletes          int64 // post deletions skipped
	Updates          int64 // post updates skipped
	OtherCollections int64 // likes, reposts, follows, ... skipped
	OtherKinds       int64 // events of other kinds skipped
	Filtered         int64 // posts dropped by --lang / --track
	Duplicates       int64 // events sent again after a resume, dropped
	Malformed        int64 // messages that are not Jetstream events (or zstd frames that do not decode)
	TooLong          int64 // messages over MaxLine, skipped
	Connections      int64 // handshakes that succeeded
	Resumes          int64 // of which resumed from a cursor
	Failures         int64 // attempts that failed, and connections that broke
	Stalls           int64 // connections dropped for silence
	// Profiles counts the posts by what became of their author's profile
	// (zero without Options.Profiles).
	Profiles profile.Stats
}

// LogValue makes Stats one log group.
func (s Stats) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("posts", s.Posts), slog.Int64("identity", s.Identity), slog.Int64("account", s.Account),
		slog.Int64("deletes", s.Deletes), slog.Int64("updates", s.Updates), slog.Int64("other_collections", s.OtherCollections),
		slog.Int64("other_kinds", s.OtherKinds), slog.Int64("filtered", s.Filtered), slog.Int64("duplicates", s.Duplicates),
		slog.Int64("malformed", s.Malformed), slog.Int64("too_long", s.TooLong), slog.Int64("connections", s.Connections),
		slog.Int64("resumes", s.Resumes), slog.Int64("failures", s.Failures), slog.Int64("stalls", s.Stalls),
		slog.Any("profiles", s.Profiles))
}

type counters struct {
	posts, identity, account, deletes, updates, otherCollections, otherKinds,
	filtered, duplicates, malformed, tooLong, resumes atomic.Int64
}

// Source reads Jetstream. Next and Close are called from one goroutine;
// Stats from any.
type Source struct {
	opts Options
	log  *slog.Logger
	feed *wsfeed.Feed
	zd   *zstd.Decoder
	// inflated counts the frames decoded, unknownDict those before the
	// first that named a dictionary other than ours.
	inflated, unknownDict int
	zbuf                  []byte
	dec                   tweet.Decoder
	tw                    tweet.Tweet // the last post served: Line.Tweet points here
	filter                source.Filter
	recent                *recent
	last                  int64 // the newest time_us seen: where a resume starts
	from                  int64 // the last of those a resume was counted for
	base                  url.URL
	n                     counters

	// With profiles: a goroutine reads Jetstream (next) into items, from
	// Next's first call until Close; Next waits for each post's profile.
	profiles *profile.Lookup
	items    chan item
	stop     context.CancelFunc
	pumped   chan struct{} // closed when the goroutine has returned
	ended    error         // the error that ended the items
	out      tweet.Tweet   // the last post served with profiles
	outDec   tweet.Decoder
}

// item is a post read from Jetstream, waiting for its author's profile, or
// the error that ended the reading.
type item struct {
	data   []byte
	tw     tweet.Tweet
	ticket *profile.Ticket
	err    error
}

// New returns a Source for valid options; it connects on the first Next.
func New(opts Options) (*Source, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.URL == "" {
		opts.URL = DefaultURL
	}
	if opts.Rewind == 0 {
		opts.Rewind = DefaultRewind
	}
	if opts.MaxLine == 0 {
		opts.MaxLine = wire.DefaultMaxLine
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	base, _ := url.Parse(opts.URL) // checked by Validate
	s := &Source{opts: opts, log: opts.Logger, filter: source.NewFilter(opts.Langs, opts.Track),
		recent: newRecent(2 * opts.Rewind.Microseconds()), base: *base}
	if opts.Compress {
		zd, err := newDecoder(opts.Dictionary, opts.MaxLine)
		if err != nil {
			return nil, err
		}
		s.zd = zd
	}
	fo := opts.Feed
	fo.URL, fo.Name, fo.MaxMessage, fo.Logger = s.url, "Jetstream", opts.MaxLine, opts.Logger
	fo.StatsInterval, fo.LogStats = opts.StatsInterval, func() { s.log.Info("bluesky stats", "stats", s.Stats()) }
	feed, err := wsfeed.New(fo)
	if err != nil {
		return nil, err
	}
	s.feed = feed
	if opts.Profiles != nil {
		po := *opts.Profiles
		if po.Logger == nil {
			po.Logger = opts.Logger
		}
		if s.profiles, err = profile.New(po); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// url is the address of the next attempt: posts only, compressed if asked,
// from a cursor Rewind before the last event seen once there is one.
func (s *Source) url() string {
	u := s.base
	q := u.Query()
	q.Set("wantedCollections", tweet.BlueskyPostCollection)
	if s.opts.Compress {
		q.Set("compress", "true")
	}
	if s.last > 0 {
		cursor := s.last - s.opts.Rewind.Microseconds()
		q.Set("cursor", strconv.FormatInt(cursor, 10))
		if s.last != s.from { // one resume, however many attempts it takes
			s.from = s.last
			s.n.resumes.Add(1)
			s.log.Info("resuming Jetstream", "cursor", cursor, "behind_last_event", s.opts.Rewind)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Stats returns the counters so far.
func (s *Source) Stats() Stats {
	f := s.feed.Stats()
	st := Stats{Posts: s.n.posts.Load(), Identity: s.n.identity.Load(), Account: s.n.account.Load(),
		Deletes: s.n.deletes.Load(), Updates: s.n.updates.Load(), OtherCollections: s.n.otherCollections.Load(),
		OtherKinds: s.n.otherKinds.Load(), Filtered: s.n.filtered.Load(), Duplicates: s.n.duplicates.Load(),
		Malformed: s.n.malformed.Load(), TooLong: s.n.tooLong.Load() + f.TooLong, Connections: f.Connections,
		Resumes: s.n.resumes.Load(), Failures: f.Failures, Stalls: f.Stalls}
	if s.profiles != nil {
		st.Profiles = s.profiles.Stats()
	}
	return st
}

// ErrWrongDictionary ends a source whose zstd frames were all made with
// another dictionary than the one it was given.
var ErrWrongDictionary = errors.New("bluesky: wrong zstd dictionary")

// wrongDictAfter is how many such frames, with none decoded, end it.
const wrongDictAfter = 10

// maxAhead is how far past this machine's clock an event's time_us may be
// and still move the resume cursor.
const maxAhead = time.Minute

// Next returns the next new post as Jetstream sent it (made one line if it
// was not), with its author's profile added when Options.Profiles is set,
// and its decoded Tweet, which is valid until the next call. It returns
// ctx.Err() when ctx ends.
func (s *Source) Next(ctx context.Context) (source.Line, error) {
	if s.profiles == nil {
		l, _, err := s.next(ctx)
		return l, err
	}
	if s.items == nil {
		s.start()
	}
	if s.ended != nil {
		return source.Line{}, s.ended
	}
	var it item
	select {
	case it = <-s.items:
	case <-ctx.Done():
		return source.Line{}, ctx.Err()
	}
	if it.err != nil {
		s.ended = it.err
		return source.Line{}, it.err
	}
	frag, err := it.ticket.Wait(ctx)
	if err != nil {
		return source.Line{}, err
	}
	s.out = it.tw
	if frag != nil {
		if data, ok := withProfile(it.data, frag); ok {
			if tw, err := s.outDec.Decode(data); err == nil && tw.Kind == tweet.KindTweet {
				it.data, s.out = data, tw
			}
		}
	}
	return source.Line{Data: it.data, Tweet: &s.out}, nil
}

// maxWaiting bounds the posts read ahead of Next while their profiles are
// looked up: more than a second's worth of the whole network's posts.
const maxWaiting = 1024

// start starts the goroutine that reads Jetstream ahead of Next, and the
// lookups; Close stops both.
func (s *Source) start() {
	ctx, stop := context.WithCancel(context.Background())
	s.items, s.stop, s.pumped = make(chan item, maxWaiting), stop, make(chan struct{})
	s.profiles.Start()
	go s.pump(ctx)
}

// pump reads posts and asks for their authors' profiles, in order, until
// reading fails or ctx ends.
func (s *Source) pump(ctx context.Context) {
	defer close(s.pumped)
	for {
		l, did, err := s.next(ctx)
		it := item{err: err}
		if err == nil {
			it.data, it.tw, it.ticket = l.Data, *l.Tweet, s.profiles.Ask(did)
		}
		select {
		case s.items <- it:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// withProfile returns line, a JSON object, with frag added as its last
// field; ok is false if line does not end with the object's brace.
func withProfile(line, frag []byte) ([]byte, bool) {
	end := len(bytes.TrimRight(line, " \t\r\n"))
	if end == 0 || line[end-1] != '}' {
		return line, false
	}
	out := make([]byte, 0, end+len(frag))
	out = append(out, line[:end-1]...)
	out = append(out, frag...)
	return append(out, '}'), true
}

// next reads the next new post and its author's DID.
func (s *Source) next(ctx context.Context) (source.Line, string, error) {
	for {
		m, err := s.feed.Next(ctx)
		if err != nil {
			return source.Line{}, "", err
		}
		data := m.Data
		if m.Binary {
			if data, err = s.inflate(data); err != nil {
				if errors.Is(err, zstd.ErrUnknownDictionary) && s.inflated == 0 {
					if s.unknownDict++; s.unknownDict == wrongDictAfter {
						return source.Line{}, "", fmt.Errorf("%w: the first %d frames need a dictionary other than the one given; "+
							"scripts/fetch-jetstream-dict.sh fetches Jetstream's, or give it with --zstd-dict", ErrWrongDictionary, wrongDictAfter)
					}
				}
				continue
			}
			s.inflated++
		}
		tw, ev, err := s.dec.DecodeJetstream(data)
		if err != nil {
			s.n.malformed.Add(1)
			continue
		}
		s.feed.Delivered() // an event: the connection works
		if s.recent.seen(&ev) {
			s.n.duplicates.Add(1)
			continue
		}
		if ev.TimeUS <= time.Now().Add(maxAhead).UnixMicro() { // a clock far ahead would put the cursor there for good
			s.last = max(s.last, ev.TimeUS)
		}
		if tw.Kind != tweet.KindTweet {
			s.skipped(tw.Notice)
			continue
		}
		if !s.filter.Keep(&tw) {
			s.n.filtered.Add(1)
			continue
		}
		s.n.posts.Add(1)
		s.tw = tw
		return source.Line{Data: wsfeed.Line(data), Tweet: &s.tw}, ev.DID, nil
	}
}

// inflate decodes a zstd message; one that does not decode is counted.
func (s *Source) inflate(b []byte) ([]byte, error) {
	if s.zd == nil {
		s.n.malformed.Add(1) // a binary message unasked for
		return nil, errors.New("bluesky: binary message without --compress")
	}
	out, err := s.zd.DecodeAll(b, s.zbuf[:0])
	if err == nil && len(out) > s.opts.MaxLine {
		err = zstd.ErrDecoderSizeExceeded
	}
	if err != nil {
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
			s.n.tooLong.Add(1)
		} else {
			s.n.malformed.Add(1)
		}
		return nil, err
	}
	if cap(out) <= 4*s.opts.MaxLine {
		s.zbuf = out // reused for the next message, unless a huge one grew it
	}
	return out, nil
}

func (s *Source) skipped(notice string) {
	switch notice {
	case tweet.NoticeIdentity:
		s.n.identity.Add(1)
	case tweet.NoticeAccount:
		s.n.account.Add(1)
	case tweet.NoticeDelete:
		s.n.deletes.Add(1)
	case tweet.NoticeUpdate:
		s.n.updates.Add(1)
	case tweet.NoticeOtherCollection:
		s.n.otherCollections.Add(1)
	default:
		s.n.otherKinds.Add(1)
	}
}

// Close stops the reading and the lookups, and closes the connection.
func (s *Source) Close() error {
	if s.stop != nil {
		s.stop()
		<-s.pumped
		s.stop = nil
	}
	if s.profiles != nil {
		s.profiles.Close()
	}
	err := s.feed.Close()
	if s.zd != nil {
		s.zd.Close()
		s.zd = nil
	}
	return err
}
