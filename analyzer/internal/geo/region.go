package geo

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// BBox is a lon/lat box: west, south, east, north.
type BBox struct{ W, S, E, N float64 }

// Regions are the named map extents of --region.
var Regions = map[string]BBox{
	"world":         {-180, -58, 180, 84},
	"usa":           {-126, 23, -65, 50},
	"north-america": {-170, 5, -50, 75},
	"south-america": {-93, -57, -30, 15},
	"europe":        {-25, 34, 45, 71},
	"africa":        {-20, -36, 55, 38},
	"asia":          {25, -12, 150, 60},
	"oceania":       {105, -50, 180, 5},
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

// ParseBBox parses "w,s,e,n" in degrees.
func ParseBBox(s string) (BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return BBox{}, fmt.Errorf("bbox %q: want w,s,e,n", s)
	}
	var v [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return BBox{}, fmt.Errorf("bbox %q: %q is not a number", s, p)
		}
		v[i] = x
	}
	b := BBox{v[0], v[1], v[2], v[3]}
	return b, b.Validate()
}

// Validate checks the box is on the globe and not empty.
func (b BBox) Validate() error {
	if b.W < -180 || b.E > 180 || b.S < -90 || b.N > 90 {
		return fmt.Errorf("bbox %v is off the globe (lon -180..180, lat -90..90)", b)
	}
	if b.W >= b.E || b.S >= b.N {
		return fmt.Errorf("bbox %v is empty: want west < east and south < north", b)
	}
	return nil
}

// Contains reports whether lon/lat lies in the box.
func (b BBox) Contains(lon, lat float64) bool {
	return lon >= b.W && lon <= b.E && lat >= b.S && lat <= b.N
}

// Aspect is width/height of the box drawn equirectangularly with its
// standard parallel at the box's middle latitude, so regions away from the
// equator keep their shapes.
func (b BBox) Aspect() float64 {
	mid := (b.S + b.N) / 2 * math.Pi / 180
	return (b.E - b.W) * math.Cos(mid) / (b.N - b.S)
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
