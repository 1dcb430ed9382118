package cli

import (
	"bufio"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/analyzer/internal/geocode"
)

// LocateOptions are the locate command's settings.
type LocateOptions struct {
	// Text looks for place names in running text instead of reading each
	// input as a profile location.
	Text bool
	// Lang is the language of the texts (an ISO 639 code: "en", "ja"),
	// with Text: a place name that is a stop word of it is not a place.
	// Empty when unknown.
	Lang string
	// Bio reads each input as a profile's description ("Writer. 📍 Berlin",
	// "Based in Lisbon") and Name as a profile's display name, which places
	// its author only by a pin ("Ana 📍 Porto").
	Bio, Name bool
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
with --text as a post's text (--lang gives its language), with --bio as a
profile's description or with --name as a profile's display name, and printed with the place it resolves to, its
country, level (city, region, country) and longitude and latitude.

Place names and locations: GeoNames (geonames.org), CC BY 4.0.`,
		Example: `  analyzer locate "Brooklyn, NY" "London ON" "somewhere in Texas"
  analyzer locate --text "landed in São Paulo tonight"
  analyzer locate --text --lang ja "東京で地震"
  analyzer locate --bio "Writer and runner. 📍 Lisbon"
  cut -f3 locations.tsv | analyzer locate`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Inputs = args
			if n := btoi(o.Text) + btoi(o.Bio) + btoi(o.Name); n > 1 {
				return fmt.Errorf("--text, --bio and --name are different readings: give one")
			}
			if o.Lang != "" && !o.Text && !o.Bio {
				return fmt.Errorf("--lang needs --text or --bio")
			}
			return locateRun(d.Stdin, cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().BoolVar(&o.Text, "text", false, "find place names in running text (cities of 100k+ people) instead")
	cmd.Flags().StringVar(&o.Lang, "lang", "", "the language of the texts, as an ISO 639 code (en, ja, pt-BR), with --text or --bio")
	cmd.Flags().BoolVar(&o.Bio, "bio", false, "read each input as a profile's description instead")
	cmd.Flags().BoolVar(&o.Name, "name", false, "read each input as a profile's display name instead")
	return cmd
}

func locateRun(stdin io.Reader, out io.Writer, o *LocateOptions) error {
	gc, err := geocode.New(geocode.Options{})
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	one := func(s string) {
		var r geocode.Result
		var ok bool
		switch {
		case o.Text:
			r, ok = gc.LocateTextLang(s, o.Lang)
		case o.Bio:
			r, ok = gc.LocateBio(s, o.Lang)
		case o.Name:
			r, ok = gc.LocateName(s)
		default:
			r, ok = gc.Locate(s)
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

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
