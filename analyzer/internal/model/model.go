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

	"github.com/geostream/geostream/analyzer/internal/spherical"
	"github.com/geostream/geostream/analyzer/internal/window"
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
	// Feature, Terms and Tokens are filled by the model, if one is set.
	// Features are float32: a window can hold millions of points. Terms
	// are the sparse text vector of models that use one.
	Feature []float32
	Terms   []spherical.Term
	Tokens  []string
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
	Counts     window.Counts // the whole window
	Fresh      window.Counts // its newest slide only
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
