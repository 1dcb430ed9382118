package web

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

// CellDegrees is the side of the grid cells the page's map gathers posts
// in: one disc per cluster, cell and kind of place, about 2 km across.
const CellDegrees = 0.02

// disc is the posts of one cluster in one cell, placed either exactly (a
// GPS point or a tagged place: a filled disc on the map) or inferred (from
// the author's profile or the text: a ring).
type disc struct {
	cluster  int32
	ix, iy   int32
	inferred bool
	n        int32
}

type discKey struct {
	cluster  int32
	ix, iy   int32
	inferred bool
}

func (d disc) key() discKey { return discKey{d.cluster, d.ix, d.iy, d.inferred} }

// placed is a located post as the discs need it: Write copies these out of
// the window (cheap, in the pipeline's goroutine) and Run gathers them.
type placed struct {
	lon, lat float64
	cluster  int32
	inferred bool
}

// placedOf copies a window's located points.
func placedOf(points []*model.Point) []placed {
	out := make([]placed, 0, len(points))
	for _, p := range points {
		if p.Located == tweet.GeoNone || math.IsNaN(p.Lon) || math.IsNaN(p.Lat) {
			continue
		}
		out = append(out, placed{lon: p.Lon, lat: p.Lat, cluster: int32(p.Cluster),
			inferred: p.Located == tweet.GeoProfile || p.Located == tweet.GeoText})
	}
	return out
}

// discsOf gathers a window's located posts into discs, sorted by key.
func discsOf(points []placed) []disc {
	idx := make(map[discKey]int32, len(points)/4)
	var out []disc
	for _, p := range points {
		k := discKey{cluster: p.cluster, ix: cell(p.lon, 180), iy: cell(p.lat, 90), inferred: p.inferred}
		if i, ok := idx[k]; ok {
			out[i].n++
			continue
		}
		idx[k] = int32(len(out))
		out = append(out, disc{cluster: k.cluster, ix: k.ix, iy: k.iy, inferred: k.inferred, n: 1})
	}
	slices.SortFunc(out, func(a, b disc) int { return compareKeys(a.key(), b.key()) })
	return out
}

// cell is the grid index of a coordinate, clamped to ±lim.
func cell(v, lim float64) int32 {
	v = max(-lim, min(lim, v))
	i := int32(math.Floor(v / CellDegrees))
	if top := int32(math.Floor(lim/CellDegrees)) - 1; i > top {
		i = top
	}
	return i
}

func compareKeys(a, b discKey) int {
	if c := cmp.Compare(a.cluster, b.cluster); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ix, b.ix); c != 0 {
		return c
	}
	if c := cmp.Compare(a.iy, b.iy); c != 0 {
		return c
	}
	switch {
	case a.inferred == b.inferred:
		return 0
	case b.inferred:
		return -1
	}
	return 1
}

// appendDisc writes a disc as the page reads it: [cluster, lon, lat, kind,
// posts], kind 0 for exact places and 1 for inferred ones, at the cell's
// centre. A disc that is gone is written without its posts.
func appendDisc(b []byte, d disc, gone bool) []byte {
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(d.cluster), 10)
	b = append(b, ',')
	b = appendCentre(b, d.ix)
	b = append(b, ',')
	b = appendCentre(b, d.iy)
	if d.inferred {
		b = append(b, ",1"...)
	} else {
		b = append(b, ",0"...)
	}
	if !gone {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(d.n), 10)
	}
	return append(b, ']')
}

// appendCentre writes the centre of cell i: an odd number of hundredths.
func appendCentre(b []byte, i int32) []byte { return appendHundredths(b, int64(i)*2+1) }

// discsJSON is every disc of a window: {"all":[disc...]}.
func discsJSON(ds []disc) []byte {
	b := make([]byte, 0, 16+len(ds)*24)
	b = append(b, `{"all":[`...)
	for i, d := range ds {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendDisc(b, d, false)
	}
	return append(b, "]}"...)
}

// deltaJSON is what changed from the window before (whose message id is
// from) to this one: {"from":id,"set":[disc...],"del":[disc...]}, the discs
// added or whose posts changed, and those gone. Both lists are sorted by
// key, so one pass over each does.
func deltaJSON(from string, prev, cur []disc) []byte {
	b := make([]byte, 0, 64+len(cur)*8)
	b = append(b, `{"from":"`...)
	b = append(b, from...)
	b = append(b, `","set":[`...)
	first := true
	sep := func() {
		if !first {
			b = append(b, ',')
		}
		first = false
	}
	i, j := 0, 0
	var gone []disc
	for i < len(prev) || j < len(cur) {
		var c int
		switch {
		case i == len(prev):
			c = 1
		case j == len(cur):
			c = -1
		default:
			c = compareKeys(prev[i].key(), cur[j].key())
		}
		switch {
		case c < 0: // gone
			gone = append(gone, prev[i])
			i++
		case c > 0: // new
			sep()
			b = appendDisc(b, cur[j], false)
			j++
		default:
			if prev[i].n != cur[j].n {
				sep()
				b = appendDisc(b, cur[j], false)
			}
			i++
			j++
		}
	}
	b = append(b, `],"del":[`...)
	for k, d := range gone {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendDisc(b, d, true)
	}
	return append(b, "]}"...)
}
