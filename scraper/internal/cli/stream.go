package cli

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	twitter "github.com/g8rswimmer/go-twitter/v2"
	"github.com/spf13/cobra"

	"github.com/geostream/geostream/scraper/internal/source/xapi"
	"github.com/geostream/geostream/shared/bbox"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/wire"
)

// StreamOptions are the stream command's settings.
type StreamOptions struct {
	Serve  ServeOptions
	Track  []string
	Lang   []string
	BBox   string
	Rules  []string
	Sample bool
	APIURL string
	DryRun bool

	token string   // from the environment; never logged
	plan  xapiPlan // what the flags ask of X and of the client-side filters
}

// xapiPlan is xapi.Plan's answer for the flags.
type xapiPlan struct {
	rules  []string  // filtered-stream rules; none means the sample stream
	box    *bbox.Box // client-side location filter
	langs  []string  // client-side language filter
	sample bool
}

// bearer is go-twitter's Authorizer for an app-only bearer token.
type bearer string

func (b bearer) Add(req *http.Request) { req.Header.Set("Authorization", "Bearer "+string(b)) }

func newStreamCmd(d Deps, lo *logOptions, runF func(context.Context, *StreamOptions) error) *cobra.Command {
	o := &StreamOptions{}
	cmd := &cobra.Command{
		Use:   "stream",
		Short: "Serve live tweets from the X API v2 filtered stream (or the sample stream)",
		Long: `stream follows the X API v2 filtered stream with rules built from --track, --lang
and --bbox (or raw --rule values), or the sample stream with --sample. The bearer
token comes from X_BEARER_TOKEN (or TWITTER_BEARER_TOKEN); it is never logged.
Rules are tagged "geostream" and kept in step idempotently: rules with other tags
are left alone.`,
		Example: `  export X_BEARER_TOKEN=...
  scraper stream --track ibm,cloud,bigdata --lang en --bbox -130,-20,100,50
  scraper stream --sample --lang en
  scraper stream --rule 'has:geo (storm OR flood) lang:en' --dry-run`,
		Args: usageArgs(cobra.NoArgs),
		RunE: runE(d, o, func(cmd *cobra.Command, _ []string) error { return o.complete(cmd, d, lo) }, runF, streamRun),
	}
	addServeFlags(cmd, &o.Serve, false)
	f := cmd.Flags()
	f.StringSliceVar(&o.Track, "track", nil, "keywords or phrases to follow (comma-separated; any matches)")
	f.StringSliceVar(&o.Lang, "lang", nil, "languages to keep, e.g. en (comma-separated)")
	f.StringVar(&o.BBox, "bbox", "", "area w,s,e,n in degrees (over 25 miles a side: split into tiles, or has:geo plus a filter here when too many)")
	f.StringArrayVar(&o.Rules, "rule", nil, "a raw filtered-stream rule (repeatable), used instead of --track/--lang/--bbox")
	f.BoolVar(&o.Sample, "sample", false, "use the sample stream, filtering location and language here")
	f.StringVar(&o.APIURL, "api-url", xapi.DefaultAPIURL, "X API base URL")
	f.BoolVar(&o.DryRun, "dry-run", false, "print the rule changes without making them, then exit")
	groupFlags(cmd, cmdhelp.Group{Title: "X API flags", Flags: []string{"track", "lang", "bbox", "rule", "sample", "dry-run", "api-url"}})
	return cmd
}

// complete checks the flags, takes the token from the environment and
// plans the rules and filters.
func (o *StreamOptions) complete(cmd *cobra.Command, d Deps, lo *logOptions) error {
	if err := o.Serve.complete(cmd, d, lo); err != nil {
		return err
	}
	o.Serve.hello = wire.Hello{Source: "x", Live: true}
	o.token = d.Getenv("X_BEARER_TOKEN")
	if o.token == "" {
		o.token = d.Getenv("TWITTER_BEARER_TOKEN")
	}
	if o.token == "" {
		return cmdhelp.Usagef("no bearer token: set X_BEARER_TOKEN (or TWITTER_BEARER_TOKEN) to your X app's bearer token")
	}
	o.APIURL = strings.TrimRight(o.APIURL, "/")
	q := xapi.Query{Track: splitList(o.Track), Lang: splitList(o.Lang), Raw: o.Rules}
	if cmd.Flags().Changed("track") && len(q.Track) == 0 {
		return cmdhelp.Usagef("--track has no keywords")
	}
	if o.BBox != "" {
		b, err := bbox.Parse(o.BBox)
		if err != nil {
			return cmdhelp.Usagef("--bbox: %v", err)
		}
		q.BBox = &b
	}
	if o.Sample && (len(q.Track) > 0 || len(q.Raw) > 0) {
		return cmdhelp.Usagef("--sample cannot be combined with --track or --rule")
	}
	rules, box, langs, err := xapi.Plan(q)
	if err != nil {
		return cmdhelp.UsageError{Err: err}
	}
	o.plan = xapiPlan{rules: rules, box: box, langs: langs, sample: o.Sample || len(rules) == 0}
	return nil
}

// streamRun puts the rules in place (or prints the plan), then serves the
// stream.
func streamRun(ctx context.Context, d Deps, o *StreamOptions) error {
	log, p := o.Serve.log, o.plan
	if !p.sample {
		client := &twitter.Client{Authorizer: bearer(o.token), Client: http.DefaultClient, Host: o.APIURL}
		ch, err := xapi.SyncRules(ctx, client, p.rules, o.DryRun)
		if err != nil {
			return err
		}
		if o.DryRun {
			xapi.PrintChanges(d.Stdout, ch, true)
			return nil
		}
		log.Info("stream rules in place", "kept", len(ch.Kept), "added", len(ch.Added), "deleted", len(ch.Deleted), "rules", p.rules)
	} else if o.DryRun {
		fmt.Fprintln(d.Stdout, "sample stream; no rules; filtering here by location and language")
		return nil
	}
	src := xapi.New(xapi.Options{APIURL: o.APIURL, Token: o.token, Sample: p.sample,
		Box: p.box, Langs: p.langs, MaxLine: o.Serve.MaxLine, Logger: log})
	err := serve(ctx, d, src, &o.Serve)
	st := src.Stats()
	log.Info("stream finished", "lines", st.Lines, "keepalives", st.KeepAlives, "filtered", st.Filtered,
		"too_long", st.TooLong, "cut", st.Cut, "connections", st.Connections, "disconnect_messages", st.Disconnects)
	return err
}

func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
