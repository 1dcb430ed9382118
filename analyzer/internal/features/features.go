// Package features turns a located tweet's words and position into the
// vector k-means clusters: by default the L2-normalised mean word vector and
// the location as a point on the unit sphere (no seam at ±180°), each
// scaled by its weight; with the seed profile, the original tool's
// [lon, lat, mean word vector], unscaled.
package features

import (
	"math"

	"github.com/geostream/geostream/shared/field"
	"github.com/geostream/geostream/shared/tweet"

	"gonum.org/v1/gonum/floats"

	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/model"
)

// Profile names a feature layout.
type Profile string

const (
	// Default is the weighted, normalised layout.
	Default Profile = "default"
	// Seed reproduces the original: [lon, lat, mean word vector].
	Seed Profile = "seed"
)

// Defaults for the weights, chosen with analyzer eval (see README).
const (
	DefaultTextWeight = 1.0
	DefaultGeoWeight  = 0.5
)

// Extractor builds feature vectors. It is used from one goroutine.
type Extractor struct {
	Embed      embed.Model
	Profile    Profile
	TextWeight float64
	GeoWeight  float64
	// IDF, if set, weights each word of the default profile by its inverse
	// document frequency in the stream so far, so that words every topic
	// uses count for less than the words that tell topics apart.
	IDF *IDF

	toks []string // Featurize's, reused (it is not safe for concurrent use)
}

// Validate checks the settings.
func (e *Extractor) Validate() error {
	if e.Profile != Default && e.Profile != Seed {
		return field.Errorf("Profile", "must be default or seed, not %q", e.Profile)
	}
	if e.TextWeight < 0 || e.GeoWeight < 0 || math.IsNaN(e.TextWeight+e.GeoWeight) {
		return field.Errorsf([]string{"TextWeight", "GeoWeight"}, "must not be negative")
	}
	return nil
}

// Dim is the length of the vectors Vector returns.
func (e *Extractor) Dim() int {
	if e.Profile == Seed {
		return 2 + e.Embed.Dim()
	}
	return e.Embed.Dim() + 3
}

// Vector returns the feature vector of a tweet at lon/lat with words, in a
// new slice. It reports how many words the embeddings knew; with none the
// text part is zero and the tweet clusters by place alone.
func (e *Extractor) Vector(lon, lat float64, words []string) ([]float64, int) {
	v := make([]float64, e.Dim())
	if e.Profile == Seed {
		v[0], v[1] = lon, lat
		return v, embed.Mean(e.Embed, v[2:], words)
	}
	d := e.Embed.Dim()
	var known int
	if e.IDF != nil {
		known = e.IDF.Mean(e.Embed, v[:d], words)
	} else {
		known = embed.Mean(e.Embed, v[:d], words)
	}
	if n := floats.Norm(v[:d], 2); n > 0 {
		floats.Scale(e.TextWeight/n, v[:d])
	}
	φ, λ := lat*math.Pi/180, lon*math.Pi/180
	v[d] = e.GeoWeight * math.Cos(φ) * math.Cos(λ)
	v[d+1] = e.GeoWeight * math.Cos(φ) * math.Sin(λ)
	v[d+2] = e.GeoWeight * math.Sin(φ)
	return v, known
}

// Featurize fills p.Vec with its vector as float32. A post without a place
// gets a zero place part, so it is clustered by its words; with the seed
// profile, whose place is raw longitude and latitude, it gets no vector
// at all and stays unclustered, as in the original tool.
func (e *Extractor) Featurize(p *model.Point) {
	placed := p.Located != tweet.GeoNone
	if e.Profile == Seed && !placed {
		p.SetVec(nil)
		return
	}
	e.toks = p.AppendTokens(e.toks[:0])
	v, _ := e.Vector(p.Lon, p.Lat, e.toks)
	if !placed {
		clear(v[len(v)-3:])
	}
	vec := make([]float32, len(v))
	for i, x := range v {
		vec[i] = float32(x)
	}
	p.SetVec(vec)
}
