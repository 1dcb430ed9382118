package cli

import (
	"context"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/scraper/internal/source/bluesky"
	"github.com/geostream/geostream/scraper/internal/source/bluesky/profile"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/wire"
)

// BlueskyOptions are the bluesky command's settings.
type BlueskyOptions struct {
	Serve    ServeOptions
	URL      string
	Lang     []string
	Track    []string
	Compress bool
	ZstdDict string
	// Profiles looks up each post's author's profile on AppViewURL.
	Profiles   bool
	AppViewURL string

	dict []byte // the zstd dictionary, with --compress
}

func newBlueskyCmd(d Deps, lo *logOptions, runF func(context.Context, *BlueskyOptions) error) *cobra.Command {
	o := &BlueskyOptions{}
	cmd := &cobra.Command{
		Use:   "bluesky",
		Short: "Serve live Bluesky posts from Jetstream (no account needed)",
		Long: `bluesky follows Bluesky's Jetstream, the whole network's new posts as JSON
over a WebSocket, and serves each post as one line, as Jetstream sent it. It
needs no account and costs nothing. Identity and account events, deletions
and other collections are skipped and counted. A cut connection is resumed a
few seconds before the last event seen, without duplicates. --lang and
--track filter here; --compress asks for zstd frames.

Posts carry no coordinates and no profile. Unless --profiles=false, each
author's public profile (handle, display name, description: "📍 Berlin") is
looked up on Bluesky's public AppView, 25 authors a call within its rate
limits, kept for hours, and added to the post's line as "profile", so that
the analyzer can place the post by it and a recording replays with the same
places. A post waits for it at most a second; posts keep their order.`,
		Example: `  scraper bluesky
  scraper bluesky --lang en --track storm,flood,"power outage"
  scraper bluesky --record bsky.jsonl.gz
  scraper bluesky --out - --lang pt | head
  scraper bluesky --profiles=false                # Jetstream's lines as they are`,
		Args: usageArgs(cobra.NoArgs),
		RunE: runE(d, o, func(cmd *cobra.Command, _ []string) error { return o.complete(cmd, d, lo) }, runF, blueskyRun),
	}
	addServeFlags(cmd, &o.Serve, false)
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", bluesky.DefaultURL, "Jetstream subscribe endpoint")
	f.StringSliceVar(&o.Lang, "lang", nil, "languages to keep, e.g. en,pt (a post's first language; comma-separated)")
	f.StringSliceVar(&o.Track, "track", nil, "keywords or phrases to keep (comma-separated; any matches, every word of a phrase)")
	f.BoolVar(&o.Compress, "compress", false, "ask for zstd-compressed messages (fewer bytes on the wire)")
	f.StringVar(&o.ZstdDict, "zstd-dict", "", "Jetstream's zstd dictionary file for --compress; unset, the one built in, if any")
	f.BoolVar(&o.Profiles, "profiles", true, "add each post's author's public profile, looked up on the AppView, to its line")
	f.StringVar(&o.AppViewURL, "appview-url", profile.DefaultURL, "the AppView --profiles asks")
	groupFlags(cmd, cmdhelp.Group{Title: "Bluesky flags", Flags: []string{"url", "track", "lang", "compress", "zstd-dict",
		"profiles", "appview-url"}})
	return cmd
}

// complete checks the flags and loads the dictionary.
func (o *BlueskyOptions) complete(cmd *cobra.Command, d Deps, lo *logOptions) error {
	if err := o.Serve.complete(cmd, d, lo); err != nil {
		return err
	}
	o.Serve.hello = wire.Hello{Source: "bluesky", Live: true}
	o.URL = strings.TrimSpace(o.URL)
	o.Lang, o.Track = splitList(o.Lang), splitList(o.Track)
	if cmd.Flags().Changed("track") && len(o.Track) == 0 {
		return cmdhelp.Usagef("--track has no keywords")
	}
	if o.ZstdDict != "" && !o.Compress {
		return cmdhelp.Usagef("--zstd-dict goes with --compress")
	}
	o.AppViewURL = strings.TrimSpace(o.AppViewURL)
	if cmd.Flags().Changed("appview-url") && !o.Profiles {
		return cmdhelp.Usagef("--appview-url goes with --profiles")
	}
	if o.Compress {
		o.dict = bluesky.EmbeddedDictionary()
		if o.ZstdDict != "" {
			b, err := os.ReadFile(o.ZstdDict)
			if err != nil {
				return cmdhelp.Usagef("--zstd-dict: %v", err)
			}
			o.dict = b
		}
		if o.dict == nil {
			return cmdhelp.Usagef("--compress needs Jetstream's zstd dictionary: this scraper was built without it; " +
				"pass --zstd-dict FILE, or run scripts/fetch-jetstream-dict.sh and rebuild")
		}
		if id, err := bluesky.CheckDictionary(o.dict); err != nil {
			return cmdhelp.Usagef("--zstd-dict %s: %v", o.ZstdDict, err)
		} else if id != bluesky.DictionaryID {
			o.Serve.log.Warn("this zstd dictionary is not the one Jetstream publishes", "id", id, "want", bluesky.DictionaryID)
		}
	}
	opts := o.options()
	if err := opts.Validate(); err != nil {
		return cmdhelp.UsageError{Err: err}
	}
	return nil
}

func (o *BlueskyOptions) options() bluesky.Options {
	opts := bluesky.Options{URL: o.URL, Compress: o.Compress, Dictionary: o.dict, Langs: o.Lang, Track: o.Track,
		MaxLine: o.Serve.MaxLine, StatsInterval: o.Serve.StatsInterval, Logger: o.Serve.log}
	if o.Profiles {
		opts.Profiles = &profile.Options{URL: o.AppViewURL}
	}
	return opts
}

// blueskyRun serves Jetstream's posts until interrupted.
func blueskyRun(ctx context.Context, d Deps, o *BlueskyOptions) error {
	src, err := bluesky.New(o.options())
	if err != nil {
		return err
	}
	o.Serve.log.Info("following Jetstream", "url", o.URL, "lang", o.Lang, "track", o.Track, "compress", o.Compress,
		"profiles", o.Profiles)
	err = serve(ctx, d, src, &o.Serve)
	o.Serve.log.Info("bluesky finished", "stats", src.Stats())
	return err
}
