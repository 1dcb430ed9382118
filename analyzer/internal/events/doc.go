// Package events finds what just happened, and where: in each window the
// model has summarized, posts on one topic in one place that came far
// faster than the history of that topic in that place says they should.
//
// The Detector reads results, not the model: each window's points (their
// cluster, place, time and words) and clusters, so it works with any
// model. It keeps, with a decay (Options.HalfLife: a slide counts half as
// much ten minutes later), the expected number of posts a slide holds
// for each cluster, for each place cell (half a degree square; a place is
// a cell and its eight neighbours, about 150 km across), for each word in
// each cell and for each word anywhere on the map. The words are kept in a
// count-min sketch of fixed size (sketch.go), so memory does not grow
// with the vocabulary; the rest is forgotten once it fades.
//
// Most posts carry no place. A burst is counted over a cluster's posts and
// placed by its mapped ones, those placed at the level of a city (a
// profile that names a country or a state says nothing of where something
// happened). In each window:
//
//   - The newest slide's mapped posts are counted by word and cell, each
//     slide in a hash table of its own (the slide before's is kept beside
//     it), each word in a cell with the chain of the posts that hold it,
//     so that a place's posts with a word are found without reading every
//     post's words again.
//   - Each word in each cell is tested (of any cluster: a burst the model
//     split is counted whole): how many mapped posts in the place around
//     the cell (the cell and its eight neighbours) hold it, in the newest
//     slide and in the two newest, against how many were expected: the
//     place's history of the word, or, where that says less, the place's
//     share of the word anywhere — so a word new to the place is measured
//     against how common it is, and a topic the place always talks of
//     against its own rate there. Cheap tests come first: a word in one
//     post of a cell that held none of it the slide before, or no more
//     frequent in the cell than its history there, is not tested further.
//   - A count is unusual when a Poisson variable with the expected rate
//     reaches it with a chance below Options.Sensitivity, and it is at
//     least Options.MinMapped posts. The most unusual word is the event's;
//     its keywords are the words a third of the posts holding it share.
//     Another unusual word in the same place is the same event when the
//     event is known by it, or shares a keyword with it, or a quarter of
//     its posts hold the event's words.
//   - Its posts are the window's mapped posts in its place that hold its
//     word (or two of its keywords), and the posts without a place that
//     do so in the clusters that hold the former (or that hold its word
//     and another keyword, in any cluster). It is flagged once they are at
//     least Options.MinPosts; a candidate short of them waits two windows.
//     Once flagged, an event counts, and is placed by, its posts of each
//     window's newest slide.
//
// So a burst is flagged in the first or second window that holds it, once
// a handful of its posts are on the map. When too few are mapped to say
// where it is (fewer than MinMapped in one place sharing a word), it is
// not flagged: the detector reports events in one place. A steady topic
// is never one after it is first seen, as its place's history of its
// words expects it; a surge on the map in many places at once is no
// event either: a cluster whose count is unusual (against its own history,
// at least a post a slide) but whose mapped posts are in no one unusual
// place is logged as a surge in no one place, and not reported.
//
// An event keeps its id while it lives, even when its posts move to
// another cluster (a split, a re-assignment): a candidate within a cell of
// its place sharing one of its words is the same event. It ends when the
// burst is over: after two slides in a row that hold fewer than two of its
// posts, or in which its word in its place is no longer unusual (a chance
// of 1% or more at the expected rate, which, as the history takes it in,
// also ends a topic that stays), or after a gap in the stream. Before
// flagging anything the detector watches for a quarter of the half-life
// (2.5 minutes), at least a window; at most Options.MaxEvents events are
// followed at once.
package events
