package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/analyzer/internal/eval"
	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/wire"
)

// EvalOptions are the eval command's settings.
type EvalOptions struct {
	Pipeline pipeline.Options
	Input    string
	Labels   string
	Ignore   string
	Model    modelOptions
	Locate   locateOptions
	Quiet    bool
	Baseline string
}

func newEvalCmd(d Deps, lo *logOptions) *cobra.Command {
	o := &EvalOptions{}
	cmd := &cobra.Command{
		Use:   "eval --input CAPTURE --labels LABELS",
		Short: "Score the clustering of a labelled capture (adjusted Rand index, NMI) per window",
		Example: `  scraper synth --count 100000 --labels l.tsv --out synth.jsonl
  analyzer eval --input synth.jsonl --labels l.tsv
  analyzer eval --input synth.jsonl --labels l.tsv --profile seed`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := lo.logger(d.Stderr)
			if err != nil {
				return err
			}
			po := &o.Pipeline
			po.Clock, po.Logger, po.Capture = pipeline.ClockEvent, log, true
			if o.Input == "" || o.Labels == "" {
				return cmdhelp.Usagef("eval needs --input and --labels")
			}
			pol, err := o.Locate.policy()
			if err != nil {
				return err
			}
			po.Locate = pol
			if err := po.Validate(); err != nil {
				return flagError(err)
			}
			o.Model.log = log
			if o.Baseline != "" && o.Baseline != "lloyd" {
				return cmdhelp.Usagef("--baseline must be lloyd")
			}
			o.Model.baseline = o.Baseline
			m, err := o.Model.build(cmd.Flags())
			if err != nil {
				return err
			}
			labels, err := eval.ReadLabels(o.Labels)
			if err != nil {
				return cmdhelp.UsageError{Err: err}
			}
			sc := &scorer{labels: labels, ignore: o.Ignore, w: d.Stdout, quiet: o.Quiet, slide: po.Window.Slide}
			if !o.Quiet {
				fmt.Fprintf(d.Stdout, "%-20s %7s %7s %7s %7s %7s %7s %7s %7s\n",
					"window_end", "tweets", "scored", "ARI", "NMI", "homog", "compl", "V", "largest")
			}
			src, err := input.OpenFile(o.Input, d.Stdin, wire.DefaultMaxLine, nil)
			if err != nil {
				return cmdhelp.Usagef("--input: %v", err)
			}
			po.Source = src
			if err := pipeline.New(*po, m, sc).Run(cmd.Context()); err != nil {
				return inputError(err, o.Input)
			}
			if sc.windows == 0 {
				return fmt.Errorf("no window had labelled posts: do --labels and --input belong together?")
			}
			if sc.labelled*minLabelledShare < sc.clustered {
				return fmt.Errorf("only %d of %d clustered posts have a label in --labels: do --labels and --input belong together?", sc.labelled, sc.clustered)
			}
			n := float64(sc.windows)
			fmt.Fprintf(d.Stdout, "mean over %d windows: ARI %.4f  NMI %.4f  homogeneity %.4f  completeness %.4f  V %.4f  largest %.3f (max %.3f)  (%d of %d clustered posts labelled)\n",
				sc.windows, sc.sum.ARI/n, sc.sum.NMI/n, sc.sum.Homogeneity/n, sc.sum.Completeness/n, sc.sum.VMeasure/n,
				sc.largest/n, sc.maxLargest, sc.labelled, sc.clustered)
			if sc.kw.Judged > 0 {
				fmt.Fprintf(d.Stdout, "keywords: %.1f%% of %d topic clusters show a word of their own topic in their top 3; at most %.0f%% of a window's clusters share a keyword\n",
					100*float64(sc.kw.Own)/float64(sc.kw.Judged), sc.kw.Judged, 100*sc.kw.Shared)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Input, "input", "", "labelled capture (.jsonl, .gz, .bz2)")
	f.StringVar(&o.Labels, "labels", "", "id<TAB>label file (scraper synth --labels)")
	f.StringVar(&o.Ignore, "ignore-label", "filler", "label of off-topic posts, left out of the scores (\"\": score every labelled post)")
	f.BoolVar(&o.Quiet, "quiet", false, "print only the mean")
	f.StringVar(&o.Baseline, "baseline", "", "lloyd: the same as --model lloyd (batch k-means afresh on every window, on the spherical model's features)")
	addTimeFlags(f, &o.Pipeline)
	o.Pipeline.StatsInterval = time.Hour
	addModelFlags(f, &o.Model)
	addLocateFlags(f, &o.Locate)
	cmd.MarkFlagRequired("input")
	cmd.MarkFlagRequired("labels")
	cmdhelp.Apply(cmd, []cmdhelp.Group{inputFlags, timeFlags, locateFlags, modelFlags, keywordFlags, vectorFlags, outputFlags})
	return cmd
}

// minLabelledShare: an evaluation refuses labels that cover fewer than one
// in this many of the clustered posts: they belong to another capture.
const minLabelledShare = 20

// scorer is a pipeline.Output that scores every window.
type scorer struct {
	labels              map[string]string
	ignore              string
	w                   io.Writer
	quiet               bool
	windows             int
	sum                 eval.Scores // summed over windows
	largest             float64     // summed over windows
	maxLargest          float64
	kw                  eval.KeywordScores // summed over windows
	labelled, clustered int                // of the posts clustered, each counted once
	slide               time.Duration      // a window's newest part, counted once
}

func (s *scorer) Write(r *model.Result) error {
	var truth []string
	var pred []int
	fresh := r.End.Add(-s.slide)
	sizes := map[int]int{}
	clustered := 0
	for _, p := range r.Points {
		if p.Cluster >= 0 {
			sizes[p.Cluster]++
			clustered++
		}
		inSlide := p.Time().Before(r.End) && !p.Time().Before(fresh)
		if inSlide && p.Cluster >= 0 {
			s.clustered++
		}
		l, ok := s.labels[p.ID()]
		if !ok {
			continue
		}
		if inSlide && p.Cluster >= 0 {
			s.labelled++
		}
		if l != s.ignore && p.Cluster >= 0 {
			truth = append(truth, l)
			pred = append(pred, p.Cluster)
		}
	}
	if len(truth) < 2 {
		return nil
	}
	// The largest cluster's share of the whole window, as a map shows it
	// (labelled or not).
	largest := 0.0
	for _, n := range sizes {
		largest = max(largest, float64(n)/float64(clustered))
	}
	sc := eval.Score(truth, pred)
	kw := eval.ScoreKeywords(r, s.labels, s.ignore, 3)
	s.kw.Own += kw.Own
	s.kw.Judged += kw.Judged
	s.kw.Shared = max(s.kw.Shared, kw.Shared)
	s.windows++
	s.sum.ARI += sc.ARI
	s.sum.NMI += sc.NMI
	s.sum.Homogeneity += sc.Homogeneity
	s.sum.Completeness += sc.Completeness
	s.sum.VMeasure += sc.VMeasure
	s.largest += largest
	s.maxLargest = max(s.maxLargest, largest)
	if !s.quiet {
		_, err := fmt.Fprintf(s.w, "%-20s %7d %7d %7.4f %7.4f %7.4f %7.4f %7.4f %7.3f\n", r.End.Format(time.RFC3339),
			r.Counts.Tweets, len(truth), sc.ARI, sc.NMI, sc.Homogeneity, sc.Completeness, sc.VMeasure, largest)
		return err
	}
	return nil
}

func (s *scorer) Close() error { return nil }
