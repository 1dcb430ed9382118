package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/scraper/internal/source/mastodon"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/wire"
)

// MastodonOptions are the mastodon command's settings.
type MastodonOptions struct {
	Serve        ServeOptions
	Instance     string
	StreamingURL string
	Stream       string
	Tag          string
	Lang         []string
	Track        []string
	Backfill     int

	token string // from the environment; never logged
}

func newMastodonCmd(d Deps, lo *logOptions, runF func(context.Context, *MastodonOptions) error) *cobra.Command {
	o := &MastodonOptions{}
	cmd := &cobra.Command{
		Use:   "mastodon",
		Short: "Serve live Mastodon posts from an instance's streaming API (a free account's token)",
		Long: `mastodon follows one public stream of a Mastodon instance over its streaming
WebSocket and serves each new status as one line (the Status JSON). It needs
an access token of a free account on that instance, from MASTODON_TOKEN (in
the web interface: Preferences, Development, New application, scope
read:statuses); the token is never logged. When the connection breaks, it is
dialled again and the statuses posted meanwhile are fetched from the
instance's timeline for the same stream (up to --backfill), so that a short
outage loses nothing. Posts carry no coordinates: the
analyzer places them by the author's profile field named for a place
("Location", "📍", "Based in"), then a city named in the bio, then one in the
text. A refused token ends the command at once.`,
		Example: `  export MASTODON_TOKEN=...
  scraper mastodon --instance https://mastodon.social
  scraper mastodon --instance https://mastodon.social --stream public:local
  scraper mastodon --instance https://fosstodon.org --stream hashtag --tag linux --record toots.jsonl.gz`,
		Args: usageArgs(cobra.NoArgs),
		RunE: runE(d, o, func(cmd *cobra.Command, _ []string) error { return o.complete(cmd, d, lo) }, runF, mastodonRun),
	}
	addServeFlags(cmd, &o.Serve, false)
	f := cmd.Flags()
	f.StringVar(&o.Instance, "instance", "", "the instance your token belongs to, e.g. https://mastodon.social (required)")
	f.StringVar(&o.StreamingURL, "streaming-url", "", "its streaming server, if not the one the instance names")
	f.StringVar(&o.Stream, "stream", "public", "stream to follow: "+strings.Join(mastodon.Streams, ", "))
	f.StringVar(&o.Tag, "tag", "", "the hashtag of a hashtag stream")
	f.StringSliceVar(&o.Lang, "lang", nil, "languages to keep, e.g. en,de (comma-separated)")
	f.StringSliceVar(&o.Track, "track", nil, "keywords or phrases to keep (comma-separated; any matches, every word of a phrase)")
	f.IntVar(&o.Backfill, "backfill", mastodon.DefaultBackfill, "after a reconnection, fetch at most this many statuses posted while disconnected (0: none)")
	groupFlags(cmd, cmdhelp.Group{Title: "Mastodon flags", Flags: []string{"instance", "stream", "tag", "streaming-url", "track", "lang", "backfill"}})
	return cmd
}

// complete checks the flags and takes the token from the environment.
func (o *MastodonOptions) complete(cmd *cobra.Command, d Deps, lo *logOptions) error {
	if err := o.Serve.complete(cmd, d, lo); err != nil {
		return err
	}
	o.Serve.hello = wire.Hello{Source: "mastodon", Live: true}
	o.token = d.Getenv("MASTODON_TOKEN")
	if o.token == "" {
		return cmdhelp.Usagef("no access token: set MASTODON_TOKEN to an access token of your account on the instance " +
			"(Preferences, Development, New application, scope read:statuses)")
	}
	if o.Instance == "" {
		return cmdhelp.Usagef("--instance is required: the address of the instance your token belongs to")
	}
	o.Lang, o.Track = splitList(o.Lang), splitList(o.Track)
	if o.Backfill < 0 {
		return cmdhelp.Usagef("--backfill must not be negative")
	}
	if cmd.Flags().Changed("track") && len(o.Track) == 0 {
		return cmdhelp.Usagef("--track has no keywords")
	}
	opts := o.options()
	if err := opts.Validate(); err != nil {
		return cmdhelp.UsageError{Err: err}
	}
	return nil
}

func (o *MastodonOptions) options() mastodon.Options {
	return mastodon.Options{Instance: strings.TrimSpace(o.Instance), StreamingURL: strings.TrimSpace(o.StreamingURL),
		Token: o.token, Stream: o.Stream, Tag: o.Tag, Langs: o.Lang, Track: o.Track, Backfill: backfill(o.Backfill),
		MaxLine: o.Serve.MaxLine, StatsInterval: o.Serve.StatsInterval, Logger: o.Serve.log}
}

// mastodonRun serves the stream until interrupted or refused.
func mastodonRun(ctx context.Context, d Deps, o *MastodonOptions) error {
	src, err := mastodon.New(o.options())
	if err != nil {
		return err
	}
	o.Serve.log.Info("following Mastodon", "instance", o.Instance, "stream", o.Stream, "tag", o.Tag, "lang", o.Lang, "track", o.Track)
	err = serve(ctx, d, src, &o.Serve)
	o.Serve.log.Info("mastodon finished", "stats", src.Stats())
	return err
}

// backfill maps --backfill (0: none) to mastodon.Options.Backfill (0: the
// default, negative: none).
func backfill(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
