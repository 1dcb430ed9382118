// Package cli builds the analyzer's commands. Flags fill option structs here;
// nothing deeper reads flags or the environment.
package cli

import (
	"io"
	"log/slog"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/logs"
)

// Deps are what commands need from the process, replaceable in tests.
type Deps = cmdhelp.Deps

// logOptions are the flags --log-format, --log-level and --cpuprofile.
type logOptions struct {
	logs.Flags
	cpuprofile string
}

func (o *logOptions) logger(w io.Writer) (*slog.Logger, error) { return o.Logger(w) }

// NewRootCmd builds the analyzer command tree.
func NewRootCmd(d Deps) *cobra.Command {
	lo := &logOptions{}
	root := &cobra.Command{
		Use:   "analyzer",
		Short: "Cluster a live tweet stream by place and topic and draw it on a world map",
		Long: `analyzer reads tweets from a scraper's socket (or a capture file), cuts the
stream into batches and sliding windows, clusters the tweets by location and text
with streaming k-means and, at every slide, writes a line to windows.ndjson and
draws a world map.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	d.Bind(root)
	lo.Add(root.PersistentFlags())
	root.PersistentFlags().StringVar(&lo.cpuprofile, "cpuprofile", "", "write a CPU profile (go tool pprof) to this file")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if lo.cpuprofile == "" {
			return nil
		}
		f, err := os.Create(lo.cpuprofile)
		if err != nil {
			return cmdhelp.Usagef("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return cmdhelp.Usagef("--cpuprofile: %v", err)
		}
		cobra.OnFinalize(func() {
			pprof.StopCPUProfile()
			f.Close()
		})
		return nil
	}
	root.AddCommand(newRunCmd(d, lo, nil), newEvalCmd(d, lo), newTimelapseCmd(d, lo), newEmbedCmd(d, lo))
	root.AddCommand(newLocateCmd(d))
	return root
}

// Main runs the analyzer with args and returns the exit code.
func Main(args []string) int {
	return cmdhelp.Main(NewRootCmd(cmdhelp.OS()), args)
}
