package cluster

import (
	"io"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// Clusterer is one clustering algorithm behind the model seam: a package
// of its own (kmeans, spherical, dmm, ...) that never imports this one.
// The pipeline calls it from one goroutine, in this order for every batch
// that closes: Forget for each batch that has left the window since the
// last call, then Train with the new batch; at every slide, Assign with
// the window's points. Featurize runs once per point as it arrives, in the
// same goroutine.
type Clusterer interface {
	// Featurize fills p's features (Vec, Terms) from its Tokens and, for a
	// point on the map (p.Located != tweet.GeoNone), its place. A point
	// without a place is clustered by its words alone.
	Featurize(p *model.Point)
	// Train learns from a closed batch. A model that assigns while it
	// learns sets each point's Cluster.
	Train(batch []*model.Point)
	// Forget is given a batch that has left the window. A model that
	// counts what the window holds removes it exactly; one that decays
	// with time may ignore it.
	Forget(batch []*model.Point)
	// Age ages the model by n empty batches (a gap with no posts).
	Age(n int64)
	// Assign sets Cluster on every point of a window: a lasting cluster
	// id, or -1 for a point the model cannot place in any cluster yet.
	// With scores not nil (as long as points), it also sets how typical
	// each point is of its cluster, higher more so; the summary shows a
	// cluster's most typical points as its examples.
	Assign(points []*model.Point, scores []float64)
	// Clusters lists the clusters the model holds now. An id is never
	// used again for another cluster: a cluster that is re-seeded,
	// split off or merged gets a new id, and its Lineage says from which.
	Clusters() []model.Lineage
}

// Stater is a Clusterer whose state a checkpoint can hold, so that a
// stopped analyzer carries on where it was. SaveState writes the state;
// LoadState, on a Clusterer fresh from its constructor with the same
// options, reads it back. held are the batches the Clusterer holds
// (trained on and not forgotten, empty ones left out), oldest first, as
// the checkpoint gives them back: new points equal to the ones Train was
// given. A state that does not fit is refused whole. Any randomness is
// part of the state, so that the Clusterer draws after LoadState what it
// would have drawn without the stop. A Stater whose settings may make its
// state too large or not its own to save also has a Stateful() error
// method, which says why.
type Stater interface {
	SaveState(w io.Writer) error
	LoadState(r io.Reader, held [][]*model.Point) error
}
