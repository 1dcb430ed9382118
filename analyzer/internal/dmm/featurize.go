package dmm

import (
	"cmp"
	"math"
	"slices"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

// placeBit marks the id of a place cell; word ids never have it.
const placeBit = 1 << 31

// Featurize implements cluster.Clusterer: p.Terms() become p's words,
// hashed, with their counts (a hashtag counts HashtagWeight words, as its
// word without the #), and, for a post with a place, its grid cell (or
// cells) weighing GeoWeight words in all. A post without words gets no
// terms at all, place or not: a place alone says nothing of the topic.
// Terms are sorted by id; p.Vec is left alone.
func (m *Model) Featurize(p *model.Point) {
	n := p.NumTokens()
	if n == 0 {
		p.SetTerms(nil)
		return
	}
	p.SetTerms(featurize(&m.opts, make([]model.Term, 0, n+2), p))
}

// featurize appends the terms of post p to dst.
func featurize(o *Options, dst []model.Term, p *model.Point) []model.Term {
	located, lon, lat := p.Located, p.Lon, p.Lat
	for t := range p.Tokens() {
		w := float32(1)
		if len(t) > 1 && t[0] == '#' {
			t, w = t[1:], float32(o.HashtagWeight)
		}
		if t == "" {
			continue
		}
		dst = append(dst, model.Term{ID: wordID(t), W: w})
	}
	if len(dst) == 0 {
		return nil
	}
	if located != tweet.GeoNone && o.GeoWeight > 0 {
		if x, y, ok := normalizePlace(lon, lat); ok {
			if o.CoarseCell > 0 {
				w := float32(o.GeoWeight / 2)
				dst = append(dst, model.Term{ID: cellID(1, x, y, o.Cell), W: w},
					model.Term{ID: cellID(2, x, y, o.CoarseCell), W: w})
			} else {
				dst = append(dst, model.Term{ID: cellID(1, x, y, o.Cell), W: float32(o.GeoWeight)})
			}
		}
	}
	slices.SortFunc(dst, func(a, b model.Term) int { return cmp.Compare(a.ID, b.ID) })
	out := dst[:1]
	for _, t := range dst[1:] {
		if last := &out[len(out)-1]; last.ID == t.ID {
			last.W += t.W
		} else {
			out = append(out, t)
		}
	}
	return out
}

// normalizePlace returns lon in [-180, 180) and lat, or false for a place
// that is not on the globe.
func normalizePlace(lon, lat float64) (float64, float64, bool) {
	if !finite(lon) || !finite(lat) || lat < -90 || lat > 90 {
		return 0, 0, false
	}
	if lon < -180 || lon >= 180 {
		lon = math.Mod(lon+180, 360)
		if lon < 0 {
			lon += 360
		}
		lon -= 180
	}
	return lon, lat, true
}

// wordID hashes a word into the lower half of the ids (FNV-1a, 64 bits,
// folded).
func wordID(w string) uint32 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint64(w[i])) * 1099511628211
	}
	return fold(h) &^ placeBit
}

// cellID names the grid cell of side size (degrees) at level that holds
// (lon, lat), in the upper half of the ids.
func cellID(level int, lon, lat, size float64) uint32 {
	x := uint64(int64(math.Floor((lon + 180) / size)))
	y := uint64(int64(math.Floor((lat + 90) / size)))
	h := uint64(level)*0x9e3779b97f4a7c15 ^ x*0xbf58476d1ce4e5b9 ^ y*0x94d049bb133111eb
	return fold(mix(h)) | placeBit
}

// mix is splitmix64's finalizer.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}

func fold(h uint64) uint32 { return uint32(h ^ h>>32) }
