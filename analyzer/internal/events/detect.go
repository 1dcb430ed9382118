package events

import (
	"cmp"
	"context"
	"log/slog"
	"math"
	"slices"

	"github.com/geostream/geostream/analyzer/internal/model"
)

const (
	// maxWords is how many words an event is shown with, and maxMatch how
	// many it is known by.
	maxWords = 5
	maxMatch = 10
	// maxTested is how many of the words a place's posts share are tested.
	maxTested = 20
	// rareWord is how many posts on the map a slide a word never seen is
	// expected in, anywhere.
	rareWord = 0.5
	// least is the least number of posts anything is expected to hold.
	least = 1e-3
	// floor is the least number of posts a cluster is expected to hold a
	// slide, for the surges in no one place.
	floor = 1.0
)

// candidate is a cluster's posts in one place whose words are unusual
// there.
type candidate struct {
	cluster int
	centre  cell
	words   []string
	word    string  // the one found unusual
	p       float64 // the chance of a slide at least as busy
}

// candidates looks, in each cluster, at the places that hold several of
// its posts on the map in the newest slide, and tests the words they
// share: a candidate is a place where posts with one of those words (of
// any cluster, so that a burst the model split is counted whole) are far
// more than that place's history of the word, or, for a word it has no
// history of, than the place's share of the word anywhere, expect.
func (d *Detector) candidates(r *model.Result, w *counts) []candidate {
	ids := make([]int, 0, len(w.mappedNew))
	for c := range w.mappedNew {
		ids = append(ids, c)
	}
	slices.Sort(ids) // the same candidates in the same order on every run
	debug := d.log.Enabled(context.Background(), slog.LevelDebug)
	var out []candidate
	for _, c := range ids {
		pts := w.mappedNew[c]
		left := map[cell]int{}
		for _, p := range pts {
			left[cellOf(p.Lon, p.Lat)]++
		}
		found := false
		for {
			best, bestN := cell{}, 0
			for g := range left {
				n := 0
				for _, h := range g.block() {
					n += left[h]
				}
				if n > bestN || n == bestN && (g.i < best.i || g.i == best.i && g.j < best.j) {
					best, bestN = g, n
				}
			}
			if bestN < 2 {
				break
			}
			for _, h := range best.block() {
				delete(left, h)
			}
			var here []*model.Point
			for _, p := range pts {
				if best.near(cellOf(p.Lon, p.Lat), 1) {
					here = append(here, p)
				}
			}
			pBest, word, n, mu := 1.0, "", 0, 0.0
			for _, wd := range shared(here, 2, maxTested) {
				k, kp, m := d.wordCount(wd, best, w)
				if p := d.unlikely(k, kp, m); p < pBest {
					pBest, word, n, mu = p, wd, k, m
				}
			}
			var words []string
			if word != "" {
				words = d.keywords(here, word, w)
			}
			if debug {
				ids := make([]string, len(here))
				for i, p := range here {
					ids[i] = p.ID
				}
				d.log.Debug("event candidate", "end", r.End, "cluster", c, "lon", (float64(best.j)+0.5)*cellDeg,
					"lat", (float64(best.i)+0.5)*cellDeg, "words", words, "word", word, "posts", n, "expected", mu,
					"p", pBest, "ids", ids)
			}
			if pBest >= d.o.Sensitivity {
				continue
			}
			found = true
			out = append(out, candidate{cluster: c, centre: best, words: words, word: word, p: pBest})
		}
		if t := w.clusters[c]; !found && t.newest >= d.o.MinPosts &&
			min(tail(float64(t.newest), max(w.clusterMu[c], floor)),
				tail(float64(t.newest+t.prev), 2*max(w.clusterMu[c], floor))) < d.o.Sensitivity {
			d.surge(c, t.newest, w.clusterMu[c], len(pts))
		}
	}
	slices.SortStableFunc(out, func(a, b candidate) int { return cmp.Compare(a.p, b.p) })
	return out
}

// wordCount returns how many posts on the map in the place around centre
// hold word in the newest slide and in the one before, and how many a
// slide was expected to: as many as the place's history of the word
// says, or, if it says less, the place's share of the word anywhere.
func (d *Detector) wordCount(word string, centre cell, w *counts) (newest, prev int, expected float64) {
	hw := hashWord(word)
	var place float64 // the posts on the map expected here
	for _, h := range centre.block() {
		for _, p := range w.recent[h] {
			if slices.Contains(p.Tokens, word) {
				if p.Time.Before(d.newestFrom) {
					prev++
				} else {
					newest++
				}
			}
		}
		expected += d.wordHere(hw, h, w)
		place += w.cellMu[h]
	}
	share := max(d.wordAnywhere(hw, w), rareWord) / max(w.mappedMu, 1)
	return newest, prev, max(expected, place*share, least)
}

// unlikely is the chance of as many posts as the newest slide's, or the
// two newest slides', at mu a slide, whichever is the smaller, counting
// only counts of at least MinMapped posts.
func (d *Detector) unlikely(newest, prev int, mu float64) float64 {
	p := 1.0
	if newest >= d.o.MinMapped {
		p = tail(float64(newest), mu)
	}
	if both := newest + prev; both >= d.o.MinMapped && newest > 0 {
		p = min(p, tail(float64(both), 2*mu))
	}
	return p
}

// surge notes a cluster whose newest slide is unusual but whose posts on
// the map are in no one place: a surge across places, not an event. It
// is logged when it starts.
func (d *Detector) surge(c, posts int, expected float64, mapped int) {
	if at, ok := d.surges[c]; !ok || d.slide-at > quietSlides {
		d.wide++
		d.log.Info("a surge in no one place: not an event", "cluster", c, "posts", posts,
			"expected", math.Round(expected*10)/10, "mapped", mapped)
	}
	d.surges[c] = d.slide
}

// shared returns the words at least least of the posts hold, most held
// first (ties in the order of the words), at most n of them.
func shared(posts []*model.Point, least, n int) []string {
	in := map[string]int{}
	var order []string
	for _, p := range posts {
		for i, t := range p.Tokens {
			if !slices.Contains(p.Tokens[:i], t) {
				if in[t] == 0 {
					order = append(order, t)
				}
				in[t]++
			}
		}
	}
	order = slices.DeleteFunc(order, func(t string) bool { return in[t] < least })
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(in[b], in[a]) })
	return order[:min(len(order), n)]
}

// keywords returns the words of the posts that hold word: word first,
// then those in a third of them or more (and two), the rarest on the map
// first, at most maxMatch.
func (d *Detector) keywords(posts []*model.Point, word string, w *counts) []string {
	var with []*model.Point
	for _, p := range posts {
		if slices.Contains(p.Tokens, word) {
			with = append(with, p)
		}
	}
	type scored struct {
		w string
		s float64
	}
	var ws []scored
	for _, t := range shared(with, max(2, (len(with)+2)/3), len(posts)) {
		if t != word {
			ws = append(ws, scored{t, d.wordAnywhere(hashWord(t), w)})
		}
	}
	slices.SortStableFunc(ws, func(a, b scored) int { return cmp.Compare(a.s, b.s) })
	out := []string{word}
	for _, x := range ws[:min(len(ws), maxMatch-1)] {
		out = append(out, x.w)
	}
	return out
}
