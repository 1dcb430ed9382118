package mastodon

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/geostream/geostream/scraper/internal/source/wsfeed"
)

// Streams are the public streams a Source may follow; the hashtag ones
// need a Tag.
var Streams = []string{"public", "public:local", "public:remote", "hashtag", "hashtag:local"}

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
	// BackfillMaxWait is the longest the backfill waits when the instance
	// limits its requests [DefaultBackfillMaxWait]: the stream is not read
	// meanwhile, and a gap that would take longer is given up.
	BackfillMaxWait time.Duration
	// StatsInterval is how often to log the counters (0: never).
	StatsInterval time.Duration
	Logger        *slog.Logger
	// Feed tunes the connection (Ping, Stall, Backoff, Client, and the
	// clock); the source sets the rest. Its Client also asks the instance
	// where its streaming server is, and its Sleep and Now time the waits
	// a rate-limited backfill makes.
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
	if o.MaxLine < 0 || o.StatsInterval < 0 || o.BackfillMaxWait < 0 {
		return errors.New("mastodon: MaxLine, StatsInterval and BackfillMaxWait must not be negative")
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
