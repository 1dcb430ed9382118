package geo

import (
	"sort"

	"github.com/geostream/geostream/shared/bbox"
)

// BBox is a lon/lat box: west, south, east, north. It is the shared
// bbox.Box (parsed with bbox.Parse), so the scraper and the analyzer read
// --bbox the same way.
type BBox = bbox.Box

// Regions are the named map extents of --region.
var Regions = map[string]BBox{
	"world":         {W: -180, S: -58, E: 180, N: 84},
	"usa":           {W: -126, S: 23, E: -65, N: 50},
	"north-america": {W: -170, S: 5, E: -50, N: 75},
	"south-america": {W: -93, S: -57, E: -30, N: 15},
	"europe":        {W: -25, S: 34, E: 45, N: 71},
	"africa":        {W: -20, S: -36, E: 55, N: 38},
	"asia":          {W: 25, S: -12, E: 150, N: 60},
	"oceania":       {W: 105, S: -50, E: 180, N: 5},
}

// RegionNames lists the regions, sorted.
func RegionNames() []string {
	var out []string
	for k := range Regions {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Projection maps lon/lat in a box onto a w×h pixel grid (y down).
type Projection struct {
	Box  BBox
	W, H float64
}

// Point returns the pixel position of lon/lat.
func (p Projection) Point(lon, lat float64) (x, y float64) {
	return (lon - p.Box.W) / (p.Box.E - p.Box.W) * p.W, (p.Box.N - lat) / (p.Box.N - p.Box.S) * p.H
}
