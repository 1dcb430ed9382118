package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/scraper/internal/source/replay"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/wire"
)

// ReplayOptions are the replay command's settings.
type ReplayOptions struct {
	Serve  ServeOptions
	Replay replay.Options
}

func newReplayCmd(d Deps, lo *logOptions, runF func(context.Context, *ReplayOptions) error) *cobra.Command {
	o := &ReplayOptions{}
	cmd := &cobra.Command{
		Use:   "replay FILE...",
		Short: "Serve a recorded capture (.jsonl, .gz, .bz2 or - for stdin) at its original pace or faster",
		Example: `  scraper replay capture.jsonl.gz --speed 1     # original pace
  scraper replay capture.jsonl.gz --speed 10    # ten times faster
  scraper replay capture.jsonl.gz --speed 0     # as fast as the clients read`,
		RunE: runE(d, o, func(cmd *cobra.Command, args []string) error { return o.complete(cmd, d, lo, args) }, runF, replayRun),
	}
	addServeFlags(cmd, &o.Serve, true)
	cmd.Flags().Float64Var(&o.Serve.Speed, "speed", 1, "pace: 1 = original (from created_at), N = N times faster, 0 = as fast as possible; with --out, 0 unless given")
	cmd.Flags().BoolVar(&o.Replay.Loop, "loop", false, "start again after the last file")
	groupFlags(cmd, cmdhelp.Group{Title: "Replay flags", Flags: []string{"speed", "loop"}})
	return cmd
}

// complete checks the arguments and flags and fills what they imply.
func (o *ReplayOptions) complete(cmd *cobra.Command, d Deps, lo *logOptions, args []string) error {
	if len(args) == 0 {
		return cmdhelp.Usagef("replay needs at least one capture file (or - for stdin)")
	}
	if err := o.Serve.complete(cmd, d, lo); err != nil {
		return err
	}
	o.Replay.Files, o.Replay.MaxLine, o.Replay.Stdin, o.Replay.Logger = args, o.Serve.MaxLine, d.Stdin, o.Serve.log
	o.Serve.hello = wire.Hello{Source: "replay", Finite: !o.Replay.Loop, Speed: o.Serve.Speed}
	if err := o.Replay.Validate(); err != nil {
		return flagError(err)
	}
	return nil
}

func replayRun(ctx context.Context, d Deps, o *ReplayOptions) error {
	src := replay.New(o.Replay)
	// The captures are read before a client is waited for: the wrong file
	// (an image, an empty file) is refused at once.
	if err := src.Check(); err != nil {
		src.Close()
		return cmdhelp.UsageError{Err: err}
	}
	err := serve(ctx, d, src, &o.Serve)
	st := src.Stats()
	if err != nil && st.Lines == 0 {
		return err // it never started: nothing to report
	}
	o.Serve.log.Info("replay finished", "too_long", st.TooLong, "read_errors", st.ReadErrors)
	return err
}
