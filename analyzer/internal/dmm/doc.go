// Package dmm clusters a stream of short posts with a Dirichlet-multinomial
// mixture, as MStream does (Yin, Chao, Zhang, Wang, KDD 2018; GSDMM, Yin
// and Wang, KDD 2014): a cluster is a distribution over words, and a post
// joins a cluster in proportion to the cluster's number of posts times the
// probability of the post's words under it, or opens a new cluster in
// proportion to a concentration parameter. The number of clusters is not
// given; clusters open and end as the stream needs.
//
// The model holds the batches of the window. Each new batch is placed post
// by post against the clusters of the batches held, then refined by a few
// Gibbs sweeps over the new batch only; a batch that leaves the window is
// removed exactly (counts are kept in fixed point), and a cluster left
// without posts ends. A post's place enters as one more token, its grid
// cell, weighing geo-weight words, and a hashtag counts hashtag-weight
// words. A post joins only a cluster it shares a term with: a cluster that
// shares none differs from a new one only by its size.
//
// A cluster keeps its id while it holds posts. So that a topic keeps its
// id across a lull longer than the window, a cluster that ends is
// remembered for Options.Memory batches by the heaviest terms of its last
// posts (at most 32 terms, at most 65536 clusters), and a new cluster
// whose terms match it closely enough takes its id back. The memory never
// changes which posts go together.
package dmm
