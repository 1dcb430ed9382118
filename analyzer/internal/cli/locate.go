package cli

import (
	"bufio"
	"fmt"
	"io"

	"github.com/geostream/geostream/analyzer/internal/geocode"
	"github.com/spf13/cobra"
)

// LocateOptions are the locate command's settings.
type LocateOptions struct {
	// Text looks for place names in running text instead of reading each
	// input as a profile location.
	Text bool
	// Inputs are the strings to locate; none means one per line of stdin.
	Inputs []string
}

func newLocateCmd(d Deps) *cobra.Command {
	o := &LocateOptions{}
	cmd := &cobra.Command{
		Use:   "locate [LOCATION...]",
		Short: "Show where the gazetteer puts profile locations or place names in text",
		Long: `locate runs the geocoder that places tweets without coordinates: each argument
(or each line of stdin when there are none) is read as a profile location, or
with --text as a tweet's text, and printed with the place it resolves to, its
country, level (city, region, country) and longitude and latitude.

Place names and locations: GeoNames (geonames.org), CC BY 4.0.`,
		Example: `  analyzer locate "Brooklyn, NY" "London ON" "somewhere in Texas"
  analyzer locate --text "landed in São Paulo tonight"
  cut -f3 locations.tsv | analyzer locate`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Inputs = args
			return locateRun(d.Stdin, cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().BoolVar(&o.Text, "text", false, "find place names in running text (cities of 100k+ people) instead")
	return cmd
}

func locateRun(stdin io.Reader, out io.Writer, o *LocateOptions) error {
	gc, err := geocode.New(geocode.Options{})
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	one := func(s string) {
		r, ok := gc.Locate(s)
		if o.Text {
			r, ok = gc.LocateText(s)
		}
		switch {
		case !ok:
			fmt.Fprintf(w, "%s → not located\n", s)
		case r.Exact:
			fmt.Fprintf(w, "%s → coordinates, %s, %.5f, %.5f\n", s, r.Level, r.Lon, r.Lat)
		default:
			fmt.Fprintf(w, "%s → %s, %s, %s, %.5f, %.5f\n", s, r.Name, r.Country, r.Level, r.Lon, r.Lat)
		}
	}
	if len(o.Inputs) > 0 {
		for _, s := range o.Inputs {
			one(s)
		}
		return w.Flush()
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		one(sc.Text())
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	return w.Flush()
}
