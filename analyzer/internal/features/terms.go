package features

import (
	"math"
	"slices"

	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

// Sparse builds the features of the spherical model: a tweet's words as a
// hashed TF-IDF vector, optionally the IDF-weighted mean of their word
// vectors, and its place on the unit sphere. It is used from one
// goroutine.
type Sparse struct {
	// IDF weighs the words (nil: every word weighs 1). Each tweet is
	// observed once, before it is weighted.
	IDF *IDF
	// Buckets is the hashed text dimension (a power of two).
	Buckets int
	// Embed, if set, gives the dense block.
	Embed embed.Model
	// Hashtag multiplies the weight of hashtags (0: 1).
	Hashtag float64

	toks []string // Featurize's, reused (it is not safe for concurrent use)
}

// Dim is the length of the Feature slice Vector returns: the dense block
// (if any) and three floats of the unit-sphere location.
func (s *Sparse) Dim() int {
	if s.Embed == nil {
		return 3
	}
	return s.Embed.Dim() + 3
}

// Vector returns the tweet's terms (sorted by bucket, of unit length; nil
// without words) and its Feature: the unit mean word vector, if there is
// an Embed, followed by the location.
func (s *Sparse) Vector(lon, lat float64, words []string) ([]model.Term, []float32) {
	var bs []uint32
	if s.IDF != nil {
		bs = s.IDF.buckets(words)
		s.IDF.observe(bs)
	}
	var terms []model.Term
	if len(words) > 0 {
		terms = make([]model.Term, 0, len(words))
		mask := uint32(s.Buckets - 1)
		for i, w := range words {
			h := fnv32(w)
			wt := 1.0
			if s.IDF != nil {
				wt = s.IDF.weight(bs[i])
			}
			if s.Hashtag != 0 && w[0] == '#' {
				wt *= s.Hashtag
			}
			if h>>31 != 0 { // a sign bit, so that colliding words cancel on average
				wt = -wt
			}
			terms = append(terms, model.Term{ID: (h ^ h>>15) & mask, W: float32(wt)})
		}
		slices.SortFunc(terms, func(a, b model.Term) int { return int(a.ID) - int(b.ID) })
		out := terms[:1]
		for _, t := range terms[1:] {
			if last := &out[len(out)-1]; last.ID == t.ID {
				last.W += t.W
			} else {
				out = append(out, t)
			}
		}
		terms = normalize(out)
	}
	f := make([]float32, s.Dim())
	if s.Embed != nil {
		d := s.Embed.Dim()
		v := make([]float64, d)
		if s.IDF != nil {
			s.IDF.mean(s.Embed, v, words)
		} else {
			embed.Mean(s.Embed, v, words)
		}
		var n2 float64
		for _, x := range v {
			n2 += x * x
		}
		if n2 > 0 {
			inv := 1 / math.Sqrt(n2)
			for i, x := range v {
				f[i] = float32(x * inv)
			}
		}
	}
	φ, λ := lat*math.Pi/180, lon*math.Pi/180
	g := f[len(f)-3:]
	g[0], g[1], g[2] = float32(math.Cos(φ)*math.Cos(λ)), float32(math.Cos(φ)*math.Sin(λ)), float32(math.Sin(φ))
	return terms, f
}

// normalize scales terms to unit length; all-zero terms (words that
// cancelled) give nil.
func normalize(terms []model.Term) []model.Term {
	var n2 float64
	for _, t := range terms {
		n2 += float64(t.W) * float64(t.W)
	}
	if n2 == 0 {
		return nil
	}
	inv := float32(1 / math.Sqrt(n2))
	for i := range terms {
		terms[i].W *= inv
	}
	return terms
}

func fnv32(w string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint32(w[i])) * 16777619
	}
	return h
}

// Featurize fills p's Terms and Vec (the dense block, if any, and the
// place on the unit sphere: zero for a post without a place, which is
// then clustered by its words).
func (s *Sparse) Featurize(p *model.Point) {
	s.toks = p.AppendTokens(s.toks[:0])
	terms, vec := s.Vector(p.Lon, p.Lat, s.toks)
	if p.Located == tweet.GeoNone {
		clear(vec[len(vec)-3:])
	}
	p.SetTerms(terms)
	p.SetVec(vec)
}
