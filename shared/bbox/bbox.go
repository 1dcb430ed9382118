// Package bbox is the lon/lat box both binaries take on their command
// lines: the scraper's --bbox filter and the analyzer's map extent. It has
// one type, one parser and one set of rules, so "w,s,e,n" means the same
// thing everywhere.
package bbox

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Box is a lon/lat box in degrees: west, south, east, north. A valid box
// lies on the globe (lon -180..180, lat -90..90) and is not empty (W < E,
// S < N); boxes across the antimeridian are not supported.
type Box struct{ W, S, E, N float64 }

// ErrInvalid is wrapped by every error of Parse and Validate.
var ErrInvalid = errors.New("bbox: invalid box")

// Parse parses "w,s,e,n" (spaces around the numbers allowed) and validates
// the box. Its errors wrap ErrInvalid and name no flag: callers add that.
func Parse(s string) (Box, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return Box{}, fmt.Errorf("%w: %q: want four numbers w,s,e,n", ErrInvalid, s)
	}
	var v [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return Box{}, fmt.Errorf("%w: %q: %q is not a finite number", ErrInvalid, s, strings.TrimSpace(p))
		}
		v[i] = x
	}
	b := Box{W: v[0], S: v[1], E: v[2], N: v[3]}
	return b, b.Validate()
}

// Validate reports a box off the globe or empty, wrapping ErrInvalid.
func (b Box) Validate() error {
	if !(b.W >= -180 && b.E <= 180 && b.S >= -90 && b.N <= 90) {
		return fmt.Errorf("%w: %v is off the globe: want lon -180..180 and lat -90..90", ErrInvalid, b)
	}
	if !(b.W < b.E && b.S < b.N) {
		return fmt.Errorf("%w: %v is empty: want west < east and south < north", ErrInvalid, b)
	}
	return nil
}

// String formats the box as Parse reads it.
func (b Box) String() string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return f(b.W) + "," + f(b.S) + "," + f(b.E) + "," + f(b.N)
}

// Contains reports whether lon/lat lies in the box, edges included.
func (b Box) Contains(lon, lat float64) bool {
	return lon >= b.W && lon <= b.E && lat >= b.S && lat <= b.N
}

// Aspect is width/height of the box drawn equirectangularly with its
// standard parallel at the box's middle latitude, so regions away from the
// equator keep their shapes.
func (b Box) Aspect() float64 {
	mid := (b.S + b.N) / 2 * math.Pi / 180
	return (b.E - b.W) * math.Cos(mid) / (b.N - b.S)
}
