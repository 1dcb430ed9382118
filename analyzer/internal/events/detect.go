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
	// rareWord is how many posts on the map a slide a word never seen is
	// expected in, anywhere.
	rareWord = 0.5
	// least is the least number of posts anything is expected to hold.
	least = 1e-3
	// floor is the least number of posts a cluster is expected to hold a
	// slide, for the surges in no one place.
	floor = 1.0
)

// cellWord counts the posts on the map of one slide in a cell that hold a
// word (by its hash), and those of the slide before.
type cellWord struct {
	cell    cell
	word    uint64
	key     uint64 // hashAt(word, cell)
	n, prev int32
	slot    int32  // where it is counted in the newest slide's table
	text    string // the word
	// hist is how many posts held it a slide before the newest, as the
	// sketch of words in places has it (sketch.history), and memo what
	// candidates learnt of it in the place around the cell in the slide
	// before (NaN: nothing): its history there, as the sketch had it then.
	// The newest slide's history follows from it without reading the
	// sketch again.
	hist, memo float64
}

// cwSlot is a slot of a cwTable: a key and its number, 0 in a free slot.
type cwSlot struct {
	key uint64
	n   int32
	// head is, for cellWords, the last of its posts in the newest slide's
	// chains (cellWords.posts): the post that counted it last, so that a
	// post counts a word once however often it holds it.
	head int32
	// memo is, for cellWords, what candidates learnt of the key
	// (cellWord.memo), NaN where it learnt nothing: in the slot, so that
	// the next slide finds it where it finds the key.
	memo float64
}

// cwTable holds one slide's keys, each with a number above 0 (a count;
// for tallies, an index and one): a hash table with open addressing,
// faster here than a map, cleared for each slide.
type cwTable struct {
	slot  []cwSlot
	slide int64
	// filled lists the slots put in since the last reset, so that a table
	// that grew large in a busy slide is emptied at the cost of what a
	// quiet slide put in it.
	filled []int32
}

// size returns how many keys the table holds.
func (t *cwTable) size() int { return len(t.filled) }

// reset empties the table for slide s, keeping its memory.
func (t *cwTable) reset(s int64) {
	if 4*len(t.filled) < len(t.slot) {
		for _, i := range t.filled {
			t.slot[i] = cwSlot{}
		}
	} else {
		clear(t.slot)
	}
	t.slide, t.filled = s, t.filled[:0]
}

// put fills free slot i.
func (t *cwTable) put(i int, s cwSlot) {
	t.slot[i] = s
	t.filled = append(t.filled, int32(i))
}

// find returns where key is, or the free slot where it would go: a
// multiply spreads the keys (hashes, cluster ids, packed cells) over the
// slots.
func (t *cwTable) find(key uint64) int {
	mask := len(t.slot) - 1
	i := int((key*0x9e3779b97f4a7c15)>>32) & mask
	for t.slot[i].n != 0 && t.slot[i].key != key {
		i = (i + 1) & mask
	}
	return i
}

// grow doubles the table, to least slots at first, keeping its keys.
func (t *cwTable) grow(least int) {
	old := t.slot
	t.slot = written(make([]cwSlot, max(2*len(old), least)))
	t.filled = t.filled[:0]
	for _, s := range old {
		if s.n != 0 {
			i := t.find(s.key)
			t.slot[i] = s
			t.filled = append(t.filled, int32(i))
		}
	}
}

// count returns key's count.
func (t *cwTable) count(key uint64) int {
	if len(t.slot) == 0 {
		return 0
	}
	return int(t.slot[t.find(key)].n)
}

// cellWords counts the posts on the map that hold each word in each cell,
// in the newest slide and in the one before, each slide in a table of its
// own: a slide's table holds only its own keys, so the tables stay small
// enough for the cache. The newest slide's table reuses the memory of the
// one of two slides before.
type cellWords struct {
	cur, prev *cwTable
	slide     int64      // the newest slide
	all       []cellWord // the newest slide's keys; counts filled in by done
	// The newest slide's posts of each key, chained from its slot's head,
	// the last first: post[k] is a post (by its number in the slide) and
	// next[k] the one before it (-1: none).
	post, next []int32
}

// begin starts counting slide s.
func (cw *cellWords) begin(s int64) {
	if cw.cur == nil {
		cw.cur, cw.prev = &cwTable{}, &cwTable{}
	}
	cw.cur, cw.prev = cw.prev, cw.cur
	cw.cur.reset(s)
	cw.slide = s
	cw.all, cw.post, cw.next = cw.all[:0], cw.post[:0], cw.next[:0]
}

// add counts post in cell g, numbered from 0 in the slide, as one that
// holds word t (hashed h): once, however often the post holds it.
func (cw *cellWords) add(g cell, h uint64, t string, post int32) {
	c := cw.cur
	if 2*(c.size()+1) > len(c.slot) {
		cw.grow()
	}
	key := hashAt(h, g)
	i := c.find(key)
	s := &c.slot[i]
	if s.n == 0 {
		c.put(i, cwSlot{key: key, n: 1, head: int32(len(cw.post)), memo: math.NaN()})
		cw.all = append(cw.all, cellWord{cell: g, word: h, key: key, slot: int32(i), text: t})
		cw.post, cw.next = append(cw.post, post), append(cw.next, -1)
	} else if cw.post[s.head] != post {
		cw.post, cw.next = append(cw.post, post), append(cw.next, s.head)
		s.head = int32(len(cw.post) - 1)
		s.n++
	}
}

// posts appends to out the numbers of the newest slide's posts in cell g
// that hold word h, the last first.
func (cw *cellWords) posts(g cell, h uint64, out []int32) []int32 {
	if cw.cur == nil || cw.cur.size() == 0 {
		return out
	}
	s := &cw.cur.slot[cw.cur.find(hashAt(h, g))]
	if s.n == 0 {
		return out
	}
	for k := s.head; k >= 0; k = cw.next[k] {
		out = append(out, cw.post[k])
	}
	return out
}

// done copies the counts into all, once every post of the slide is added.
func (cw *cellWords) done() {
	if cw.cur == nil {
		return
	}
	var prev *cwTable
	if cw.prev.slide == cw.slide-1 && cw.prev.size() > 0 {
		prev = cw.prev
	}
	for i := range cw.all {
		c := &cw.all[i]
		c.n = cw.cur.slot[c.slot].n
		c.memo = math.NaN()
		if prev != nil {
			s := &prev.slot[prev.find(c.key)]
			if c.prev = s.n; c.prev != 0 {
				c.memo = s.memo
			}
		}
	}
}

// grow doubles the newest slide's table, and finds where its keys went.
func (cw *cellWords) grow() {
	cw.cur.grow(1024)
	for i := range cw.all {
		cw.all[i].slot = int32(cw.cur.find(cw.all[i].key))
	}
}

// count returns how many posts in cell g hold word h in the newest slide
// and in the one before.
func (cw *cellWords) count(g cell, h uint64) (newest, prev int) {
	if cw.cur == nil {
		return 0, 0
	}
	key := hashAt(h, g)
	newest = cw.cur.count(key)
	if cw.prev.slide == cw.slide-1 {
		prev = cw.prev.count(key)
	}
	return newest, prev
}

// block returns how many posts in cells hold word h, in the newest slide
// and in the one before.
func (cw *cellWords) block(cells []cell, h uint64) (newest, prev int) {
	for _, g := range cells {
		n, p := cw.count(g, h)
		newest, prev = newest+n, prev+p
	}
	return newest, prev
}

// neighbours returns the other cells of the place around g that hold posts on
// the map in the newest two slides: the rest hold no word.
func (w *counts) neighbours(g cell) []cell {
	if nb, ok := w.near[g]; ok {
		return nb
	}
	nb := []cell{}
	for _, h := range g.block() {
		if w.cells.has(h) && h != g {
			nb = append(nb, h)
		}
	}
	w.near[g] = nb
	return nb
}

// holding appends to out the posts on the map in the newest slide in the
// place around centre that hold the word hashed h: cell by cell in the
// order of centre.block(), each cell's in the order of the window.
func (w *counts) holding(centre cell, h uint64, out []*model.Point) []*model.Point {
	for _, g := range centre.block() {
		from := len(w.scratch)
		w.scratch = w.words.posts(g, h, w.scratch)
		for k := len(w.scratch) - 1; k >= from; k-- { // the first first
			out = append(out, w.recent[w.scratch[k]])
		}
		w.scratch = w.scratch[:from]
	}
	return out
}

// candidate is a word whose posts in one place are unusual there.
type candidate struct {
	centre cell
	word   string
	hash   uint64
	p      float64 // the chance of a slide at least as busy
	// Filled for the candidates flagged: the cluster that holds most of
	// its posts there, and its words.
	cluster int
	words   []string
	posts   []*model.Point // those in the newest slide
	// clusters counts the posts with its word in each cluster, all of
	// them (filled by in).
	clusters map[int]int
	all      int
}

// candidates tests, in each place around a cell with posts on the map in
// the newest slide, each word that at least MinMapped of the place's
// mapped posts hold (in the newest slide, or the two newest): of any
// cluster, so that a burst the model split is counted whole. A candidate
// is a word far more frequent there than the place's history of it
// expects or, where that history says less, the place's share of the word
// anywhere on the map.
func (d *Detector) candidates(r *model.Result, w *counts) []candidate {
	debug := d.log.Enabled(context.Background(), slog.LevelDebug)
	limit := d.o.Sensitivity // the chances over it are not candidates
	if debug {
		limit = 1 // but are logged
	}
	var out []candidate
	places := map[cell]float64{} // the posts on the map expected around a cell
	slots := w.words.cur.slot
	d.words.history(w.words.all, d.slide-1)
	var lastCell cell
	var around []cell // lastCell's
	for _, cw := range w.words.all {
		g, hw, n := cw.cell, cw.word, cw.n
		if hw == 0 {
			continue // a mention: it names someone, not something that happened
		}
		kp := int(cw.prev)
		if n < 2 && kp == 0 {
			continue // a place is looked at around a cell where posts share the word
		}
		if w.watched > 0 && float64(n) <= 2*cw.hist/w.watched {
			continue // no more than usual in the cell itself
		}
		// The posts around the cell that hold the word, in the newest
		// slide and the one before.
		if g != lastCell || around == nil {
			lastCell, around = g, w.neighbours(g)
		}
		bn, bp := w.words.block(around, hw)
		k, kp := int(n)+bn, kp+bp
		if k < d.o.MinMapped && k+kp < d.o.MinMapped {
			continue
		}
		// The history here, as the sketch has it, follows from the last
		// window's if it tested the word here.
		sum := math.NaN()
		if !math.IsNaN(cw.memo) {
			sum = d.keep*cw.memo + float64(kp)
		}
		slots[cw.slot].memo = sum
		place, ok := places[g]
		if !ok {
			for _, h := range g.block() {
				place += w.cells.expected(h)
			}
			places[g] = place
		}
		// As often here as anywhere, if this place has little history of
		// it; or as often as its history here says.
		m := max(place*max(d.wordAnywhere(hw, w), rareWord)/max(w.mappedMu, 1), least)
		p := d.unlikely(k, kp, m, d.o.Sensitivity)
		if p >= d.o.Sensitivity {
			continue // usual, even before its history here is counted
		}
		if math.IsNaN(sum) {
			sum = 0
			for _, h := range g.block() {
				if h == g {
					sum += cw.hist // as get reads it
				} else {
					sum += d.words.get(hashAt(hw, h), d.slide-1)
				}
			}
			slots[cw.slot].memo = sum
		}
		if w.watched > 0 && sum/w.watched > m { // else p stands
			m = sum / w.watched
			p = d.unlikely(k, kp, m, limit)
		}
		if p >= d.o.Sensitivity && !debug {
			continue
		}
		word := cw.text
		if debug {
			d.log.Debug("event candidate", "end", r.End, "lon", (float64(g.j)+0.5)*cellDeg, "lat", (float64(g.i)+0.5)*cellDeg,
				"word", word, "posts", k, "before", kp, "expected", m, "p", p)
		}
		if p < d.o.Sensitivity {
			out = append(out, candidate{centre: g, word: word, hash: hw, p: p})
		}
	}
	slices.SortFunc(out, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.p, b.p), cmp.Compare(a.word, b.word), cmp.Compare(a.centre.i, b.centre.i),
			cmp.Compare(a.centre.j, b.centre.j))
	})
	// One candidate for a word in one place: the most unlikely.
	kept := out[:0]
	for _, c := range out {
		dup := false
		for _, k := range kept {
			if k.hash == c.hash && k.centre.near(c.centre, 2) {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, c)
		}
	}
	out = kept
	d.noteSurges(w, out)
	return out
}

// describe fills in a candidate's words, those of its posts in the newest
// slide, and the cluster that holds most of them.
func (d *Detector) describe(c *candidate, w *counts) {
	with := w.holding(c.centre, c.hash, nil)
	clusters := map[int]int{}
	for _, p := range with {
		clusters[p.Cluster]++
	}
	c.words = d.keywords(with, c.word, w)
	c.cluster = majority(clusters, -1)
	c.posts = with
}

// majority returns the key with the highest count, the lowest on a tie
// (or def if there is none).
func majority(counts map[int]int, def int) int {
	best, bestN := def, 0
	for k, n := range counts {
		if n > bestN || n == bestN && k < best {
			best, bestN = k, n
		}
	}
	return best
}

// noteSurges notes the clusters whose newest slide is unusual against their
// own history, at least a post a slide, though none of the window's
// candidates is in them: surges in no one place.
func (d *Detector) noteSurges(w *counts, cands []candidate) {
	ids := slices.Clone(w.clusters.keys)
	slices.Sort(ids)
	var surging []int
	for _, c := range ids {
		t := w.clusters.get(c)
		if t.newest < d.o.MinPosts {
			continue
		}
		mu := max(w.clusters.expected(c), floor)
		if min(tailUnder(float64(t.newest), mu, d.o.Sensitivity), tailUnder(float64(t.newest+t.prev), 2*mu, d.o.Sensitivity)) < d.o.Sensitivity {
			surging = append(surging, c)
		}
	}
	if len(surging) == 0 {
		return
	}
	// A surge is placed by a candidate a third of whose posts are the
	// cluster's: those posts are on the map in the candidate's place.
	for _, c := range surging {
		placed := false
		for i := range cands {
			if placed = d.in(&cands[i], c, w); placed {
				break
			}
		}
		if !placed {
			d.surge(c, w.clusters.get(c).newest, w.clusters.expected(c))
		}
	}
}

// in says whether a third of a candidate's posts are in cluster c.
func (d *Detector) in(cand *candidate, c int, w *counts) bool {
	if cand.clusters == nil {
		cand.clusters = map[int]int{}
		w.buf = w.holding(cand.centre, cand.hash, w.buf[:0])
		for _, p := range w.buf {
			cand.clusters[p.Cluster]++
		}
		cand.all = len(w.buf)
		clear(w.buf)
	}
	n := cand.clusters[c]
	return 3*n >= cand.all && n > 0
}

// wordIn returns how many posts on the map in the place around centre
// hold a word (hashed h) in the newest slide, and how many a slide was
// expected to, as candidates reckons it.
func (d *Detector) wordIn(h uint64, centre cell, w *counts) (newest int, expected float64) {
	var place float64
	newest, _ = w.words.count(centre, h)
	around, _ := w.words.block(w.neighbours(centre), h)
	newest += around
	for _, g := range centre.block() {
		expected += d.wordHere(h, g, w)
		place += w.cells.expected(g)
	}
	return newest, max(expected, place*max(d.wordAnywhere(h, w), rareWord)/max(w.mappedMu, 1), least)
}

// unlikely is the chance of as many posts as the newest slide's, or the
// two newest slides', at mu a slide, whichever is the smaller, counting
// only counts of at least MinMapped posts: exact under limit, and at
// least limit otherwise (tailUnder).
func (d *Detector) unlikely(newest, prev int, mu, limit float64) float64 {
	p := 1.0
	if newest >= d.o.MinMapped {
		p = tailUnder(float64(newest), mu, limit)
	}
	if both := newest + prev; both >= d.o.MinMapped && newest > 0 {
		p = min(p, tailUnder(float64(both), 2*mu, limit))
	}
	return p
}

// surge logs a cluster's surge in no one place when it starts.
func (d *Detector) surge(c, posts int, expected float64) {
	if at, ok := d.surges[c]; !ok || d.slide-at > quietSlides {
		d.wide++
		d.log.Info("a surge in no one place: not an event", "cluster", c, "posts", posts,
			"expected", math.Round(expected*10)/10)
	}
	d.surges[c] = d.slide
}

// shared returns the words at least least of the posts hold, most held
// first (ties in the order of the words), at most n of them.
func shared(posts []*model.Point, least, n int) []string {
	at := map[string]int{} // each word's index in order
	var order, toks []string
	var held []int
	for _, p := range posts {
		toks = p.AppendTokens(toks[:0])
		for i, t := range toks {
			if slices.Contains(toks[:i], t) {
				continue
			}
			k, ok := at[t]
			if !ok {
				k = len(order)
				at[t] = k
				order, held = append(order, t), append(held, 0)
			}
			held[k]++
		}
	}
	var kept []int // indices in order
	for k := range order {
		if held[k] >= least {
			kept = append(kept, k)
		}
	}
	slices.SortStableFunc(kept, func(a, b int) int { return cmp.Compare(held[b], held[a]) })
	out := make([]string, 0, min(len(kept), n))
	for _, k := range kept[:min(len(kept), n)] {
		out = append(out, order[k])
	}
	return out
}

// keywords returns the words of posts that hold word: word first, then
// those in a third of them or more (and two), the rarest on the map
// first, at most maxMatch.
func (d *Detector) keywords(with []*model.Point, word string, w *counts) []string {
	type scored struct {
		w string
		s float64
	}
	var ws []scored
	for _, t := range shared(with, max(2, (len(with)+2)/3), len(with)) {
		if t != word && !isMention(t) {
			ws = append(ws, scored{t, d.wordAnywhere(d.hash.word(t), w)})
		}
	}
	slices.SortStableFunc(ws, func(a, b scored) int { return cmp.Compare(a.s, b.s) })
	out := []string{word}
	for _, x := range ws[:min(len(ws), maxMatch-1)] {
		out = append(out, x.w)
	}
	return out
}
