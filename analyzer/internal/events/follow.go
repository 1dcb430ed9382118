package events

import (
	"cmp"
	"slices"

	"github.com/geostream/geostream/analyzer/internal/model"
)

const (
	// firstPosts is how many of its first posts an event lists.
	firstPosts = 5
	// maxKnown is how many other words an event is known by.
	maxKnown = 64
	// quietSlides is how many quiet slides in a row end an event: slides
	// with fewer than two of its posts, or in which its word in its place
	// is no longer unusual (its chance at the expected rate at least
	// quietP).
	quietSlides = 2
	quietP      = 0.01
)

// event is an event being followed.
type event struct {
	model.Event
	centre cell
	// words are the words its posts share, best first, and word the one
	// found unusual.
	words []string
	word  string
	// known are other words of candidates found to be this event, by
	// which it is known without describing them again.
	known []string
	// quiet counts the slides in a row that were quiet.
	quiet int
	// pending counts the windows a candidate has waited for MinPosts
	// posts; it is an event once it has them (ID set).
	pending int
	// mask is the wordBits of word and words (0: not yet reckoned).
	mask uint64
}

// wordBit marks a word by its length and its first and last letters: a
// word whose bit is not in an event's mask is none of its words, which
// spares comparing it with each.
func wordBit(t string) uint64 {
	if t == "" {
		return 1
	}
	return 1 << ((uint(len(t))*7 + uint(t[0]) + 3*uint(t[len(t)-1])) & 63)
}

// wordMask returns the bits of the event's words.
func (e *event) wordMask() uint64 {
	if e.mask == 0 {
		e.mask = wordBit(e.word)
		for _, w := range e.words {
			e.mask |= wordBit(w)
		}
	}
	return e.mask
}

// follow turns the window's candidates into events, new or going on, and
// ends the events that are over; it returns the active ones.
func (d *Detector) follow(r *model.Result, w *counts, cands []candidate) []model.Event {
	supported := map[*event]bool{}
	matched := map[uint64]*event{}
	for _, c := range cands {
		key := hashAt(c.hash, c.centre)
		e := d.match(c, w)
		if e == nil && d.matched[key] != nil && slices.Contains(d.events, d.matched[key]) {
			e = d.matched[key] // as in the last window
		}
		if e == nil && len(d.events) < d.o.MaxEvents {
			d.describe(&c, w)
			if e = d.match(c, w); e != nil && len(e.known) < maxKnown { // its other words are an event's
				e.known = append(e.known, c.word)
			}
		}
		if e != nil {
			supported[e] = true
			matched[key] = e
			continue
		}
		if len(d.events) >= d.o.MaxEvents {
			continue
		}
		e = &event{centre: c.centre, words: slices.Clip(c.words), word: c.word}
		e.Cluster, e.P = c.cluster, c.p
		d.events = append(d.events, e)
		supported[e] = true
		matched[key] = e
	}
	out := make([]model.Event, 0, len(d.events))
	if len(d.events) == 0 {
		return out
	}
	found := d.attribute(r.Points, w)
	kept := d.events[:0]
	for k, e := range d.events {
		f := found[k]
		if e.ID == 0 {
			d.log.Debug("event waiting", "end", r.End, "words", e.words, "word", e.word, "posts", len(f.window),
				"mapped", len(f.mapped), "pending", e.pending)
		}
		switch {
		case e.ID == 0 && (len(f.window) < d.o.MinPosts || len(f.mapped) == 0 || 2*distinct(f.window, (d.o.MinPosts+1)/2) < d.o.MinPosts):
			// Too few posts yet, or too few that say something of their
			// own (one account posting one text again and again, a text
			// passed on): wait a window or two for more.
			if e.pending++; e.pending <= quietSlides {
				kept = append(kept, e)
			}
			continue
		case e.ID == 0:
			e.ID = d.nextID
			d.nextID++
			d.flagged++
			e.FirstSeen = r.End
			e.Posts = len(f.window)
			e.FirstPosts, e.Examples = first(f.window)
			e.Keywords = e.words[:min(len(e.words), maxWords)]
		default:
			e.Posts += len(f.slide)
			if k, m := d.wordIn(d.hash.word(e.word), e.centre, w); !supported[e] && (len(f.slide) < 2 || tailUnder(float64(k), m, quietP) >= quietP) {
				e.quiet++
			} else {
				e.quiet = 0
			}
		}
		e.Slide = len(f.slide)
		if len(f.mapped) > 0 {
			e.Lon, e.Lat, e.RadiusKm = centre(f.mapped)
			e.Cluster = f.cluster
		}
		if e.quiet >= quietSlides {
			d.ended++
			continue
		}
		kept = append(kept, e)
		out = append(out, e.Event)
	}
	clear(d.events[len(kept):])
	d.events = kept
	d.matched = matched
	return out
}

// match returns the event (or the candidate waiting for posts) a
// candidate belongs to: one within a cell of its place that is known by
// the candidate's word or one of its keywords, or shares one of them, or
// (once it is described) that shares a quarter of the candidate's posts
// or of its own in the newest slide, if any: a burst whose posts use two
// words for one thing is one event.
func (d *Detector) match(c candidate, w *counts) *event {
	for _, e := range d.events {
		if e.centre.near(c.centre, 2) && (slices.Contains(e.words, c.word) || slices.Contains(e.known, c.word) ||
			shares(e.words, c.words) || shares(e.known, c.words)) {
			return e
		}
	}
	for _, e := range d.events {
		if !e.centre.near(c.centre, 2) || len(c.posts) == 0 || w == nil {
			continue
		}
		both := 0
		for _, p := range c.posts {
			if e.holds(p) {
				both++
			}
		}
		if 4*both >= len(c.posts) {
			return e
		}
		if both == 0 {
			continue
		}
		w.scratch = w.holders(e, w.scratch[:0]) // the event's posts in the newest slide
		if 4*both >= len(w.scratch) {
			return e
		}
	}
	return nil
}

func shares(a, b []string) bool {
	for _, w := range a {
		if slices.Contains(b, w) {
			return true
		}
	}
	return false
}

// found is what attribute finds of one event in a window.
type found struct {
	window, slide []*model.Point // its posts, in the window and its newest slide
	mapped        []*model.Point // those on the map
	cluster       int            // the cluster that holds most of those
}

// attribute finds each event's posts: the posts on the map in its place
// that hold one of its words, and the posts not on the map (or placed no
// closer than a region) that hold one, in the clusters that hold the
// former. Posts on the map elsewhere are not its. An event flagged before
// needs only the newest slide's posts, which Observe has sorted out; an
// event waiting for its posts (event.pending) all the window's. out[k] is
// d.events[k]'s.
func (d *Detector) attribute(points []*model.Point, w *counts) []found {
	out := make([]found, len(d.events))
	loose := make([][]*model.Point, len(d.events))
	inClusters := make([]map[int]int, len(d.events))
	mapped := func(k int, p *model.Point) {
		f := &out[k]
		f.mapped = append(f.mapped, p)
		f.window = append(f.window, p)
		if inClusters[k] == nil {
			inClusters[k] = map[int]int{}
		}
		inClusters[k][p.Cluster]++
	}
	visit := func(p *model.Point, city bool, g cell, events []int) {
		for _, k := range events {
			e := d.events[k]
			switch {
			case city && !e.centre.near(g, 1) || !e.holds(p):
			case city:
				mapped(k, p)
			default:
				loose[k] = append(loose[k], p)
			}
		}
	}
	var flagged, waiting []int
	for k, e := range d.events {
		if e.ID == 0 {
			waiting = append(waiting, k)
			continue
		}
		flagged = append(flagged, k)
		// The posts on the map, from the chains of the event's words in
		// its cells rather than by reading every post's words.
		w.scratch = w.holders(e, w.scratch[:0])
		for _, i := range w.scratch {
			mapped(k, w.recent[i])
		}
	}
	if len(flagged) > 0 {
		for _, p := range w.loose {
			visit(p, false, cell{}, flagged)
		}
	}
	if len(waiting) > 0 {
		for _, p := range points {
			if p.Cluster < 0 {
				continue
			}
			var g cell
			city := cityLevel(p)
			if city {
				g = cellOf(p.Lon, p.Lat)
			}
			visit(p, city, g, waiting)
		}
	}
	newest := model.StampOf(d.newestFrom)
	for k, e := range d.events {
		f := &out[k]
		for _, p := range loose[k] {
			if inClusters[k][p.Cluster] > 0 || e.holdsAll(p) {
				f.window = append(f.window, p)
			}
		}
		for _, p := range f.window {
			if p.Stamp() >= newest {
				f.slide = append(f.slide, p)
			}
		}
		f.cluster = e.Cluster
		best := 0
		for c, n := range inClusters[k] {
			if n > best || n == best && c < f.cluster {
				f.cluster, best = c, n
			}
		}
	}
	return out
}

// holders appends to out the numbers in the newest slide (w.recent) of
// the posts on the map in the place around the event's centre that hold
// its words (event.holds), in order.
func (w *counts) holders(e *event, out []int32) []int32 {
	if len(w.hits) < len(w.recent) {
		w.hits = make([]uint8, len(w.recent))
	}
	from := len(out)
	word := w.hash.word(e.word)
	var others []uint64 // each once
	for j, t := range e.words {
		if t != e.word && !slices.Contains(e.words[:j], t) {
			others = append(others, w.hash.word(t))
		}
	}
	for _, g := range e.centre.block() {
		at := len(out)
		out = w.words.posts(g, word, out)
		for _, i := range out[at:] {
			w.hits[i] = 2 // its word: the post is the event's
		}
		for _, h := range others {
			at := len(out)
			out = w.words.posts(g, h, out)
			for _, i := range out[at:] {
				w.hits[i] = min(w.hits[i]+1, 2) // two are enough, however many words an event has
			}
		}
	}
	// Each post once, if it holds the word or two of the others.
	kept := out[:from]
	for _, i := range out[from:] {
		if w.hits[i] >= 2 {
			kept = append(kept, i)
		}
		w.hits[i] = 0
	}
	slices.Sort(kept[from:])
	return kept
}

// holdsAll says whether a post holds the event's word found unusual and
// another of its words, as a post of a cluster that holds none of its
// posts on the map must to be its (the model may have put its posts with
// places and those without in different clusters).
func (e *event) holdsAll(p *model.Point) bool {
	if len(e.words) == 1 {
		return p.HasToken(e.word)
	}
	var word, other bool
	mask := e.wordMask()
	for t := range p.Tokens() {
		if wordBit(t)&mask == 0 {
			continue
		}
		word = word || t == e.word
		other = other || t != e.word && slices.Contains(e.words, t)
	}
	return word && other
}

// holds says whether a post's words are the event's: the word found
// unusual, or two of the others.
func (e *event) holds(p *model.Point) bool {
	n := 0
	mask := e.wordMask()
	var counted uint64 // the indices in e.words of the words counted, under 64
	i := 0
	for t := range p.Tokens() {
		i++
		if wordBit(t)&mask == 0 {
			continue // none of its words
		}
		if t == e.word {
			return true
		}
		k := slices.Index(e.words, t)
		switch {
		case k < 0:
			continue
		case k < 64:
			if counted&(1<<k) != 0 {
				continue // counted once already
			}
			counted |= 1 << k
		case slices.Contains(p.AppendTokens(nil)[:i-1], t):
			continue
		}
		if n++; n == 2 {
			return true
		}
	}
	return false
}

// distinct counts the posts' different texts: their sets of words, the
// names they mention left out; it stops counting at enough, all its
// caller asks.
func distinct(posts []*model.Point, enough int) int {
	seen := make(map[uint64]bool, min(len(posts), enough))
	var toks []string
	for _, p := range posts {
		var h uint64
		toks = p.AppendTokens(toks[:0])
		for i, t := range toks {
			if !isMention(t) && !slices.Contains(toks[:i], t) {
				h += mix(hashWord(t), 0) // in any order; never saved, so any hash will do
			}
		}
		if seen[h] = true; len(seen) >= enough {
			break
		}
	}
	return len(seen)
}

// first returns the ids of the first posts, oldest first, and those with
// text as examples.
func first(posts []*model.Point) ([]string, []model.Example) {
	ps := slices.Clone(posts)
	slices.SortStableFunc(ps, func(a, b *model.Point) int {
		if c := a.Time().Compare(b.Time()); c != 0 {
			return c
		}
		return cmp.Compare(a.ID(), b.ID())
	})
	ps = ps[:min(len(ps), firstPosts)]
	ids := make([]string, len(ps))
	var ex []model.Example
	for i, p := range ps {
		ids[i] = p.ID()
		if p.Text() != "" {
			ex = append(ex, model.Example{ID: p.ID(), Text: p.Text(), Place: p.Place(), Lon: p.Lon, Lat: p.Lat,
				Located: p.Located, Level: p.Level})
		}
	}
	return ids, ex
}
