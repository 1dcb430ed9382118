// Package model holds the data types the analyzer's stages share: a
// located tweet as it moves through batches and windows (Point), what the
// clustering says of a window's clusters (ClusterSummary), and everything
// known about one window, handed to the outputs (Result). It depends on no
// stage, so that stages depend on it instead of on the pipeline that wires
// them.
package model

import (
	"slices"
	"time"

	"github.com/geostream/geostream/shared/tweet"
)

// Point is a located tweet as it moves through batches and windows.
type Point struct {
	ID       string
	Lon, Lat float64
	Text     string
	// Place is the name of the tweet's tagged place, if any; like Text it
	// is kept only with pipeline.Options.KeepText.
	Place string
	Time  time.Time
	// Located says how the tweet was located, and Level how precisely.
	Located tweet.GeoSource
	Level   tweet.GeoLevel
	// Cluster is the point's cluster in the current window (-1: none yet).
	Cluster int
	// Tokens are the words of Text (the pipeline's tokenizer fills them).
	// Vec and Terms are its features, dense and sparse, which the model's
	// Featurize fills. Vec is float32: a window can hold millions of
	// points.
	Tokens []string
	Vec    []float32
	Terms  []Term
}

// ClusterSummary describes one non-empty cluster of a window.
type ClusterSummary struct {
	ID       int      `json:"id"`
	Size     int      `json:"size"`
	Lon      float64  `json:"lon"`
	Lat      float64  `json:"lat"`
	Keywords []string `json:"keywords"`
	// Examples are a few of the cluster's tweets nearest its centre, best
	// first, if the model was asked for them. They are other people's
	// words: windows.ndjson does not carry them.
	Examples []Example `json:"-"`
}

// Example is one tweet shown for its cluster.
type Example struct {
	ID, Text, Place string
	Lon, Lat        float64
	Located         tweet.GeoSource
	Level           tweet.GeoLevel
}

// Result is everything known about one window, handed to the outputs.
type Result struct {
	Start, End time.Time
	Counts     Counts // the whole window
	Fresh      Counts // its newest slide only
	Points     []*Point
	Clusters   []ClusterSummary
}

// BySize returns a copy of cs, largest first (ties: the lower id first),
// the order legends and logs list clusters in.
func BySize(cs []ClusterSummary) []ClusterSummary {
	out := slices.Clone(cs)
	slices.SortStableFunc(out, func(a, b ClusterSummary) int {
		if a.Size != b.Size {
			return b.Size - a.Size
		}
		return a.ID - b.ID
	})
	return out
}

// Counts are the per-batch tallies that end up in every window line.
type Counts struct {
	Tweets  int `json:"tweets"`
	Located int `json:"located"`
	// ByPoint, ByPlace, ByProfile and ByText split Located by how each
	// tweet was located.
	ByPoint   int `json:"by_point"`
	ByPlace   int `json:"by_place"`
	ByProfile int `json:"by_profile"`
	ByText    int `json:"by_text"`
	Unlocated int `json:"unlocated"`
	BadGeo    int `json:"bad_geo"`
	Notices   int `json:"notices"`
	Malformed int `json:"malformed"`
	TooLong   int `json:"too_long"`
	Late      int `json:"late"`
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Tweets += o.Tweets
	c.Located += o.Located
	c.ByPoint += o.ByPoint
	c.ByPlace += o.ByPlace
	c.ByProfile += o.ByProfile
	c.ByText += o.ByText
	c.Unlocated += o.Unlocated
	c.BadGeo += o.BadGeo
	c.Notices += o.Notices
	c.Malformed += o.Malformed
	c.TooLong += o.TooLong
	c.Late += o.Late
}

// Term is one feature of a sparse vector: an id (a hashed word, a place
// cell) and its weight.
type Term struct {
	ID uint32
	W  float32
}

// Lineage says where a cluster came from: From lists the clusters it was
// split from or merged from, and is empty for a cluster that started anew.
type Lineage struct {
	ID   int
	From []int
}
