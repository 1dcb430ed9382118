package geo

import "math"

// MapLimits is how far a map's extent may grow: all longitudes, and
// latitudes to ±85°, beyond which an equirectangular map shows only ice.
var MapLimits = BBox{W: -180, S: -85, E: 180, N: 85}

// Fit returns the smallest box that holds b and has the given aspect
// (width over height, as BBox.Aspect measures it), so a map of b fills a
// canvas of that aspect instead of leaving bands beside or above it. It
// widens b about its centre in longitude (for a wider aspect) or latitude
// (for a taller one), sliding it back inside lim where it would cross an
// edge. Where lim stops it first (a world map on a square canvas), the
// result is as close to the aspect as lim allows. A box already outside lim
// is returned unchanged on that side.
func Fit(b BBox, aspect float64, lim BBox) BBox {
	if !(aspect > 0) || math.IsInf(aspect, 0) {
		return b
	}
	if b.Aspect() < aspect {
		// Wider: the longitude span that gives the aspect at b's latitudes.
		mid := (b.S + b.N) / 2 * math.Pi / 180
		span := aspect * (b.N - b.S) / math.Cos(mid)
		b.W, b.E = grow(b.W, b.E, span, lim.W, lim.E)
		return b
	}
	// Taller: the aspect falls as the latitude span grows (the middle
	// latitude moves only when an edge is hit), so search for the span.
	lo, hi := b.N-b.S, lim.N-lim.S
	if hi <= lo {
		return b
	}
	at := func(span float64) BBox {
		c := b
		c.S, c.N = grow(b.S, b.N, span, lim.S, lim.N)
		return c
	}
	if at(hi).Aspect() >= aspect {
		return at(hi)
	}
	for range 60 {
		m := (lo + hi) / 2
		if at(m).Aspect() > aspect {
			lo = m
		} else {
			hi = m
		}
	}
	return at(lo)
}

// grow widens the interval [a, b] about its middle to span, slid to stay
// within [min, max] and cut to it if span is wider. It never narrows.
func grow(a, b, span, min, max float64) (float64, float64) {
	if span <= b-a {
		return a, b
	}
	lo, hi := min, max
	if a < lo {
		lo = a
	}
	if b > hi {
		hi = b
	}
	if span >= hi-lo {
		return lo, hi
	}
	mid := (a + b) / 2
	a, b = mid-span/2, mid+span/2
	if a < lo {
		a, b = lo, lo+span
	}
	if b > hi {
		a, b = hi-span, hi
	}
	return a, b
}
