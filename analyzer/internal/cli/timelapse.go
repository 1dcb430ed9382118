package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/analyzer/internal/output"
	"github.com/geostream/geostream/shared/cmdhelp"
)

func newTimelapseCmd(d Deps, lo *logOptions) *cobra.Command {
	var gifPath string
	var o output.TimelapseOptions
	cmd := &cobra.Command{
		Use:     "timelapse DIR",
		Short:   "Turn a run's maps (DIR/map-*.png) into an animated GIF for sharing",
		Example: "  analyzer timelapse out/ --gif out/timelapse.gif",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			frames, err := output.Frames(args[0])
			if err != nil {
				return cmdhelp.Usagef("timelapse: %v", err)
			}
			if gifPath == "" {
				gifPath = filepath.Join(args[0], "timelapse.gif")
			}
			f, err := os.Create(gifPath)
			if err != nil {
				return fmt.Errorf("creating %s: %w", gifPath, err)
			}
			if err := output.Timelapse(f, frames, o); err != nil {
				f.Close()
				os.Remove(gifPath)
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			n := len(frames)
			if o.Last > 0 {
				n = min(n, o.Last)
			}
			fmt.Fprintf(d.Stdout, "%s: %d frames\n", gifPath, n)
			return nil
		},
	}
	cmd.Flags().StringVar(&gifPath, "gif", "", "output file (default DIR/timelapse.gif)")
	cmd.Flags().Float64Var(&o.Scale, "scale", 0.5, "frame size relative to the maps")
	cmd.Flags().DurationVar(&o.Delay, "delay", 500*time.Millisecond, "time each frame is shown")
	cmd.Flags().IntVar(&o.Last, "last", 0, "use only the newest N maps (0: all)")
	return cmd
}
