// Package cli builds the scraper's commands. Flags fill option structs here;
// nothing deeper reads flags or the environment.
package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/logs"
)

// Deps are what commands need from the process, replaceable in tests.
type Deps = cmdhelp.Deps

// logOptions are the flags --log-format and --log-level.
type logOptions struct{ logs.Flags }

func (o *logOptions) logger(w io.Writer) (*slog.Logger, error) { return o.Logger(w) }

// NewRootCmd builds the scraper command tree.
func NewRootCmd(d Deps) *cobra.Command {
	lo := &logOptions{}
	root := &cobra.Command{
		Use:   "scraper",
		Short: "Pull tweets and serve them as newline-delimited JSON on a TCP socket",
		Long: `scraper pulls posts from a source — a recorded capture (replay), the synthetic
generator (synth), the X API (stream), Bluesky's Jetstream (bluesky, free) or a
Mastodon instance (mastodon, a free account's token) — and serves them as
newline-delimited JSON to any number of analyzers on a TCP socket, or writes
them to a file.`,
		Example: `  scraper synth                                   # synthetic tweets, no account needed
  scraper replay capture.jsonl.gz --speed 10      # a recorded capture, ten times faster
  scraper bluesky --track storm,flood             # Bluesky's public firehose, free
  MASTODON_TOKEN=... scraper mastodon --instance https://mastodon.social
  X_BEARER_TOKEN=... scraper stream --track storm --lang en   # the X API (a paid tier)
  scraper synth --count 100000 --labels l.tsv --out synth.jsonl   # write a capture instead of serving`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	d.Bind(root)
	lo.Add(root.PersistentFlags())
	root.AddCommand(newReplayCmd(d, lo, nil), newSynthCmd(d, lo, nil), newStreamCmd(d, lo, nil),
		newBlueskyCmd(d, lo, nil), newMastodonCmd(d, lo, nil))
	return root
}

// Main runs the scraper with args and returns the process exit code.
func Main(args []string) int {
	return cmdhelp.Main(NewRootCmd(cmdhelp.OS()), args)
}

// usageArgs makes an argument check's error a usage error.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return cmdhelp.UsageError{Err: err}
		}
		return nil
	}
}

// runE is the RunE of a command with options o: complete checks the
// flags and arguments and fills o, then runF does the work if a test gave
// one, else run.
func runE[O any](d Deps, o *O, complete func(*cobra.Command, []string) error,
	runF func(context.Context, *O) error, run func(context.Context, Deps, *O) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := complete(cmd, args); err != nil {
			return err
		}
		if runF != nil {
			return runF(cmd.Context(), o)
		}
		return run(cmd.Context(), d, o)
	}
}
