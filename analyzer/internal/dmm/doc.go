// Package dmm clusters a stream of short posts with a Dirichlet-multinomial
// mixture, as MStream does (Yin, Chao, Zhang, Wang, KDD 2018; GSDMM, Yin
// and Wang, KDD 2014): a cluster is a distribution over words, and a post
// joins a cluster in proportion to the cluster's number of posts times the
// probability of the post's words under it, or opens a new cluster in
// proportion to a concentration parameter times the posts held. The number
// of clusters is not given; clusters open and end as the stream needs.
//
// The model holds the batches of the window. Each new batch is placed post
// by post against the clusters of the batches held, then swept again,
// each post placed against all the others (older batches are not moved).
// A pass takes each post's most probable cluster; MStream's Gibbs sampler,
// which draws it instead, scored lower on every set we measured
// (Options.Gibbs keeps it). A batch that leaves the window is removed
// exactly (counts are kept in fixed point), and a cluster left without
// posts ends. A post's place enters as one more token, its grid cell,
// weighing geo-weight words, and a hashtag counts hashtag-weight words.
//
// A post is scored only against the clusters it shares a term with (a
// cluster that shares none differs from a new one only by its size), found
// through each term's list of the clusters that hold it; a cheap bound
// skips the clusters that cannot come near the best. The cost of a post
// grows with the number of clusters its words are found in, not with all
// clusters.
//
// A cluster keeps its id while it holds posts, so a post keeps its cluster
// from window to window. So that a topic keeps its id across a lull longer
// than the window, a cluster that ends is remembered for Options.Memory
// batches by the heaviest terms of its last posts (at most 32 terms, at
// most 65536 clusters), and a new cluster whose terms match it closely
// enough takes its id back. The memory never changes which posts go
// together. Clusters are never split or merged.
package dmm
