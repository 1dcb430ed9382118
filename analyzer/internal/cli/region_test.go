package cli

import (
	"testing"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// By default the map follows the posts; --region and --bbox force an
// extent.
func TestRegionFlags(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		follow bool
		box    geo.BBox
	}{
		{nil, true, geo.World},
		{[]string{"--region", "auto"}, true, geo.World},
		{[]string{"--region", "world"}, false, geo.World},
		{[]string{"--region", "usa"}, false, geo.Regions["usa"]},
		{[]string{"--bbox", "5,43,17,55"}, false, geo.BBox{W: 5, S: 43, E: 17, N: 55}},
	} {
		o, err := runArgs(t, tc.args...)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if o.mapOpts.Follow != tc.follow || o.mapOpts.Box != tc.box {
			t.Errorf("%v: follow %v box %v, want %v %v", tc.args, o.mapOpts.Follow, o.mapOpts.Box, tc.follow, tc.box)
		}
	}
}
