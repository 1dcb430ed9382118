package render

import (
	"math"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// Bins sums a window's tweets into a frame's points: one point for the
// tweets of each cluster, located the same way, in each cell of a grid a
// quarter of a pixel wide on a w×h map of a region, at their mean place.
// The renderer draws the region widened to its canvas on a map narrower
// than the canvas, so each of its pixels is at least four cells wide: the
// sums draw as their tweets would, one by one, within a quarter of a
// pixel. A window of a million tweets in a few hundred cities becomes a
// frame of tens of thousands of points. The zero Bins is not ready: call
// Reset.
type Bins struct {
	w, s   float64 // the grid's corner
	dx, dy float64 // a cell, in degrees
	index  map[binKey]int32
	sums   []binSum
}

// binKey is a cell (x and y, 32 bits each), then a cluster (32 bits) and
// a method (8).
type binKey [2]uint64

func keyOf(x, y float64, cluster int32, m Method) binKey {
	return binKey{uint64(uint32(cell(x)))<<32 | uint64(uint32(cell(y))), uint64(uint32(cluster))<<8 | uint64(m)}
}

// cell is x's cell, clamped to 32 bits: a tweet more than 2³¹ cells (over
// 300,000 maps' widths) from the map shares an edge cell with others as
// far out, and is as far from what the map shows.
func cell(x float64) int32 {
	return int32(max(math.MinInt32, min(math.MaxInt32, math.Floor(x))))
}

type binSum struct {
	lon, lat float64
	n        int
	cluster  int32
	method   Method
}

// Reset empties b for a map of box (geo.World if box is not valid), w×h
// pixels; it keeps b's memory.
func (b *Bins) Reset(box geo.BBox, w, h int) {
	if box.Validate() != nil || box.E <= box.W || box.N <= box.S {
		box = geo.World
	}
	b.w, b.s = box.W, box.S
	b.dx = (box.E - box.W) / float64(max(w, 1)) / 4
	b.dy = (box.N - box.S) / float64(max(h, 1)) / 4
	if b.index == nil {
		b.index = map[binKey]int32{}
	}
	clear(b.index)
	b.sums = b.sums[:0]
}

// Add adds a tweet of cluster at lon/lat, located by m.
func (b *Bins) Add(lon, lat float64, cluster int32, m Method) {
	k := keyOf((lon-b.w)/b.dx, (lat-b.s)/b.dy, cluster, m)
	i, ok := b.index[k]
	if !ok {
		i = int32(len(b.sums))
		b.index[k] = i
		b.sums = append(b.sums, binSum{cluster: cluster, method: m})
	}
	s := &b.sums[i]
	s.lon += lon
	s.lat += lat
	s.n++
}

// Points returns the sums as points, in the order their cells were first
// added to, in a new slice: a frame may keep it while b goes on.
func (b *Bins) Points() []Point {
	out := make([]Point, len(b.sums))
	for i, s := range b.sums {
		n := float64(s.n)
		out[i] = Point{Lon: float32(s.lon / n), Lat: float32(s.lat / n), Cluster: s.cluster, N: int32(min(s.n, math.MaxInt32)), Method: s.method}
	}
	return out
}
