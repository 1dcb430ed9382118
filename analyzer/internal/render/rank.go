package render

import (
	"sort"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// clusterCount is a cluster and how many of its tweets are on the map.
type clusterCount struct {
	id, n int
}

// rankInView counts each cluster's posts (its points' N) inside box,
// largest first (ties: lowest id). Points without a cluster are left out.
func rankInView(f *Frame, box geo.BBox) []clusterCount {
	// Cluster ids are small numbers: count in a slice, in a map beyond.
	var dense [1024]int
	sparse := map[int32]int{}
	for _, p := range f.Points {
		if p.Cluster < 0 || !box.Contains(float64(p.Lon), float64(p.Lat)) {
			continue
		}
		if p.Cluster < int32(len(dense)) {
			dense[p.Cluster] += p.weight()
		} else {
			sparse[p.Cluster] += p.weight()
		}
	}
	var out []clusterCount
	for id, n := range dense {
		if n > 0 {
			out = append(out, clusterCount{id, n})
		}
	}
	for id, n := range sparse {
		out = append(out, clusterCount{int(id), n})
	}
	sortCounts(out)
	return out
}

// sortCounts orders counts largest first, ties by lowest id.
func sortCounts(out []clusterCount) {
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].id < out[j].id
	})
}

// maxColored is how many clusters f draws in colour at most.
func (f *Frame) maxColored() int {
	if f.MaxColored <= 0 || f.MaxColored > len(Palette) {
		return len(Palette)
	}
	return f.MaxColored
}

// minColored is the fewest posts on the map a cluster needs to be drawn
// in colour, unless none has as many: a stream model that opens a cluster
// for each odd post would otherwise spend colours and labels on one or two
// posts each beside clusters of hundreds.
const minColored = 3

// coloredIDs returns the ids of the clusters drawn in colour: the largest
// on the map, as many as f allows, with minColored posts there at least
// (or as many as the largest has, if fewer). ranked is largest first.
func coloredIDs(f *Frame, ranked []clusterCount) []int {
	n := min(len(ranked), f.maxColored())
	for n > 0 && ranked[n-1].n < min(minColored, ranked[0].n) {
		n--
	}
	ids := make([]int, n)
	for i := range n {
		ids[i] = ranked[i].id
	}
	return ids
}
