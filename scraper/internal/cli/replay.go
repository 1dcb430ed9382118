package cli

import (
	"context"

	"github.com/geostream/geostream/scraper/internal/source/replay"
	"github.com/spf13/cobra"
)

// ReplayOptions are the replay command's settings.
type ReplayOptions struct {
	Serve serveOptions
	Files []string
	Loop  bool
}

func newReplayCmd(d Deps, lo *logOptions) *cobra.Command {
	o := &ReplayOptions{}
	cmd := &cobra.Command{
		Use:   "replay FILE...",
		Short: "Serve a recorded capture (.jsonl, .gz, .bz2 or - for stdin) at its original pace or faster",
		Example: `  scraper replay capture.jsonl.gz --speed 1     # original pace
  scraper replay capture.jsonl.gz --speed 10    # ten times faster
  scraper replay capture.jsonl.gz --speed 0     # as fast as the clients read`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("replay needs at least one capture file (or - for stdin)")
			}
			o.Files = args
			if err := o.Serve.validate(cmd, d.Getenv); err != nil {
				return err
			}
			ro := replay.Options{Files: o.Files, Loop: o.Loop, MaxLine: o.Serve.maxLine, Stdin: d.Stdin}
			if err := ro.Validate(); err != nil {
				return usageError{err}
			}
			log, err := lo.logger(d.Stderr)
			if err != nil {
				return usageError{err}
			}
			ro.Logger = log
			return runReplay(cmd.Context(), d, o, ro)
		},
	}
	addServeFlags(cmd, &o.Serve, true)
	cmd.Flags().Float64Var(&o.Serve.speed, "speed", 1, "pace: 1 = original (from created_at), N = N times faster, 0 = as fast as possible (default 0 with --out)")
	cmd.Flags().BoolVar(&o.Loop, "loop", false, "start again after the last file")
	return cmd
}

func runReplay(ctx context.Context, d Deps, o *ReplayOptions, ro replay.Options) error {
	src := replay.New(ro)
	err := serve(ctx, d, ro.Logger, src, &o.Serve, true)
	ro.Logger.Info("replay finished", "too_long", src.TooLong.Load(), "read_errors", src.ReadErrors.Load())
	return err
}
