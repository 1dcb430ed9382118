package geo

import (
	"math"
	"slices"
)

// World is the extent of a map of posts from everywhere (--region world).
var World = Regions["world"]

// How DataBox and Follow choose an extent.
const (
	// trimShare of the points, at each edge of each axis, may be left off
	// the map, so that a few posts far from the rest (a profile's odd
	// place, a stray GPS fix) do not stretch it; one at least, from
	// trimMin points on, so that a quiet window's one odd post does not.
	trimShare = 0.02
	trimMin   = 10
	// padShare of the box's span, and padDeg degrees, are added around
	// it, so that discs and their labels at the edge stay on the map.
	padShare = 0.08
	padDeg   = 1.5
	// minLon and minLat are the smallest extent: the base map is drawn at
	// 1:50m, and a smaller one shows little but a few coastlines.
	minLon = 14.0
	minLat = 9.0
	// snapDeg is the grid edges snap out to, so that a box does not
	// change with every post.
	snapDeg = 5.0
	// worldShare: a box wider than this share of the world's longitudes,
	// or taller than it of its latitudes, is the world.
	worldShare = 0.6
)

// DataBox is the extent that shows where posts at lons, lats are: the box
// holding all but the outermost trimShare of them at each edge (one at
// least, from trimMin posts), padded,
// at least minLon×minLat degrees, its edges snapped out to a 5° grid; the
// world when that spans most of it. ok is false when there are no points.
func DataBox(lons, lats []float64) (b BBox, ok bool) {
	n := len(lons)
	if n == 0 || len(lats) != n {
		return BBox{}, false
	}
	w, e := trimmed(lons)
	s, nn := trimmed(lats)
	padLon := (e-w)*padShare + padDeg
	padLat := (nn-s)*padShare + padDeg
	w, e = w-padLon, e+padLon
	s, nn = s-padLat, nn+padLat
	w, e = atLeast(w, e, minLon)
	s, nn = atLeast(s, nn, minLat)
	b = BBox{
		W: math.Floor(w/snapDeg) * snapDeg, E: math.Ceil(e/snapDeg) * snapDeg,
		S: math.Floor(s/snapDeg) * snapDeg, N: math.Ceil(nn/snapDeg) * snapDeg,
	}
	b = clampBox(b, World)
	if b.E-b.W > worldShare*(World.E-World.W) || b.N-b.S > worldShare*(World.N-World.S) {
		return World, true
	}
	return b, true
}

// trimmed is the range of xs without the trimShare smallest and largest
// (one of each, at least, from trimMin). xs is sorted in place.
func trimmed(xs []float64) (lo, hi float64) {
	slices.Sort(xs)
	k := int(trimShare * float64(len(xs)))
	if len(xs) >= trimMin {
		k = max(k, 1)
	}
	return xs[k], xs[len(xs)-1-k]
}

// atLeast widens [a, b] about its middle to span, if it is narrower.
func atLeast(a, b, span float64) (float64, float64) {
	if b-a >= span {
		return a, b
	}
	mid := (a + b) / 2
	return mid - span/2, mid + span/2
}

// clampBox slides b inside lim, and cuts it where it is larger.
func clampBox(b, lim BBox) BBox {
	b.W, b.E = clampRange(b.W, b.E, lim.W, lim.E)
	b.S, b.N = clampRange(b.S, b.N, lim.S, lim.N)
	return b
}

func clampRange(a, b, lo, hi float64) (float64, float64) {
	if b-a >= hi-lo {
		return lo, hi
	}
	if a < lo {
		a, b = lo, lo+(b-a)
	}
	if b > hi {
		a, b = hi-(b-a), hi
	}
	return a, b
}

// Follow keeps a map's extent on the posts from slide to slide: it
// shows the world until the first posts come, moves to DataBox as soon
// as posts fall outside
// the extent it has, and shrinks to it only when the posts have filled
// less than shrinkShare of the extent for shrinkAfter slides in a row,
// so that the map does not jump at every slide. The zero value is ready.
type Follow struct {
	cur    BBox
	have   bool
	narrow int // slides in a row whose posts fill little of cur
}

const (
	shrinkShare = 0.3
	shrinkAfter = 3
)

// Next returns the extent for a window's posts, at lons and lats (which
// it sorts in place).
func (f *Follow) Next(lons, lats []float64) BBox {
	b, ok := DataBox(lons, lats)
	if !ok {
		if !f.have {
			return World
		}
		return f.cur
	}
	if !f.have || !within(b, f.cur) {
		f.have = true
		f.cur, f.narrow = b, 0
		return f.cur
	}
	if area(b) < shrinkShare*area(f.cur) {
		f.narrow++
		if f.narrow >= shrinkAfter {
			f.cur, f.narrow = b, 0
		}
		return f.cur
	}
	f.narrow = 0
	return f.cur
}

// within reports whether b lies inside outer.
func within(b, outer BBox) bool {
	return b.W >= outer.W && b.E <= outer.E && b.S >= outer.S && b.N <= outer.N
}

// area is b's size in square degrees, shrunk by the cosine of its middle
// latitude as the map shows it.
func area(b BBox) float64 {
	return (b.E - b.W) * (b.N - b.S) * math.Cos((b.N+b.S)/2*math.Pi/180)
}
