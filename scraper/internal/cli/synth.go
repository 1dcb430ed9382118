package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/scraper/internal/source/synth"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/wire"
)

// SynthOptions are the synth command's settings.
type SynthOptions struct {
	Serve  ServeOptions
	Gen    synth.Options
	Start  string
	Labels string
}

func newSynthCmd(d Deps, lo *logOptions, runF func(context.Context, *SynthOptions) error) *cobra.Command {
	o := &SynthOptions{}
	cmd := &cobra.Command{
		Use:   "synth",
		Short: "Serve realistic synthetic tweets with ground-truth topics (no account needed)",
		Example: `  scraper synth                                   # endless, 50 tweets/s, real time
  scraper synth --count 100000 --labels l.tsv --out synth.jsonl   # a labelled capture
  scraper synth --speed 0 --count 60000 --rate 100              # ten minutes of tweets, at once
  scraper synth --hard --count 60000 --labels l.tsv --out hard.jsonl   # a capture that looks like real tweets`,
		Args: usageArgs(cobra.NoArgs),
		RunE: runE(d, o, func(cmd *cobra.Command, _ []string) error { return o.complete(cmd, d, lo) }, runF, synthRun),
	}
	addServeFlags(cmd, &o.Serve, true)
	f := cmd.Flags()
	f.Float64Var(&o.Serve.Speed, "speed", 1, "pace: 1 = real time at --rate, N = N times faster, 0 = as fast as possible; with --out, 0 unless given")
	f.Uint64Var(&o.Gen.Seed, "seed", 1, "random seed; the same flags give the same bytes")
	f.StringVar(&o.Start, "start", synth.DefaultStart.Format(time.RFC3339), "event time of the first tweet")
	f.Float64Var(&o.Gen.Rate, "rate", synth.DefaultRate, "tweets per second of event time")
	f.IntVar(&o.Gen.Count, "count", 0, "stop after this many tweets (0: endless)")
	f.IntVar(&o.Gen.Topics, "topics", synth.DefaultTopics, fmt.Sprintf("number of live topics (1-%d)", len(synth.Topics)))
	f.IntVar(&o.Gen.CitiesPerTopic, "cities", synth.DefaultCities, "cities each topic is talked about in")
	f.StringVar(&o.Gen.API, "api", "v2", "output format: v2 (X API v2 envelopes) or v1 (v1.1 statuses)")
	f.Float64Var(&o.Gen.Filler, "filler", synth.DefaultFiller, "share of off-topic chatter")
	f.Float64Var(&o.Gen.NoGeo, "no-geo", synth.DefaultNoGeo, "share of tweets without location")
	f.Float64Var(&o.Gen.PlaceOnly, "place-only", synth.DefaultPlaceOnly, "share of located tweets with only a place bounding box")
	f.Float64Var(&o.Gen.Retweet, "retweets", synth.DefaultRetweet, "share of retweets")
	f.Float64Var(&o.Gen.Notice, "notices", synth.DefaultNotice, "share of stream notices among lines")
	f.Float64Var(&o.Gen.Malformed, "malformed", 0, "share of malformed lines")
	f.StringVar(&o.Labels, "labels", "", "write id<TAB>topic for every tweet to this file")
	f.BoolVar(&o.Gen.Hard, "hard", false, fmt.Sprintf("the hard case, like real tweets: short texts from one Zipf vocabulary shared by all topics, "+
		"several languages, job and weather bots posting from cities everywhere, a trending hashtag in every topic, "+
		"one country's cities, and unless set --filler %g and --rate %g (a geotagged stream's few tweets a second)", synth.HardFiller, synth.HardRate))
	groupFlags(cmd, cmdhelp.Group{Title: "Generator flags", Flags: []string{"count", "rate", "speed", "seed", "start", "topics", "cities", "api", "hard", "filler", "no-geo", "place-only", "retweets", "notices", "malformed"}})
	return cmd
}

// complete checks the flags and fills what they imply.
func (o *SynthOptions) complete(cmd *cobra.Command, d Deps, lo *logOptions) error {
	if err := o.Serve.complete(cmd, d, lo); err != nil {
		return err
	}
	start, err := time.Parse(time.RFC3339, o.Start)
	if err != nil {
		return cmdhelp.Usagef("--start: want an RFC 3339 time such as 2026-01-01T00:00:00Z: %v", err)
	}
	o.Gen.Start = start
	if cmd.Flags().Changed("rate") && !(o.Gen.Rate > 0) {
		return cmdhelp.Usagef("--rate must be a positive number of tweets a second")
	}
	o.Serve.hello = wire.Hello{Source: "synth", Finite: o.Gen.Count > 0, Speed: o.Serve.Speed}
	if o.Gen.Hard && !cmd.Flags().Changed("filler") {
		o.Gen.Filler = synth.HardFiller
	}
	if o.Gen.Hard && !cmd.Flags().Changed("rate") {
		o.Gen.Rate = synth.HardRate
	}
	if err := o.Gen.Validate(); err != nil {
		return flagError(err)
	}
	return nil
}

// synthRun serves the generator, writing the labels file alongside.
func synthRun(ctx context.Context, d Deps, o *SynthOptions) (err error) {
	log := o.Serve.log
	if o.Labels != "" {
		lf, err := os.Create(o.Labels)
		if err != nil {
			return fmt.Errorf("creating labels file: %w", err)
		}
		lw := bufio.NewWriterSize(lf, 64<<10)
		o.Gen.Labels = lw
		defer func() {
			if ferr := lw.Flush(); ferr != nil {
				err = errors.Join(err, fmt.Errorf("writing labels: %w", ferr))
			}
			if cerr := lf.Close(); cerr != nil {
				err = errors.Join(err, fmt.Errorf("closing labels: %w", cerr))
			}
		}()
	}
	gen, err := synth.New(o.Gen)
	if err != nil {
		return flagError(err)
	}
	err = serve(ctx, d, gen, &o.Serve)
	st := gen.Stats()
	if err != nil && st.Tweets == 0 {
		return err // it never started: nothing to report
	}
	log.Info("synth finished", "tweets", st.Tweets, "located", st.Located, "retweets", st.Retweets,
		"notices", st.Notices, "malformed", st.Malformed)
	return err
}
