package events

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
)

// TestCellWordsCountsTwoSlides checks the table of words in cells against
// plain maps over slides in a row, a gap and the growth of the table: the
// newest slide's counts, the slide before's, and nothing older.
func TestCellWordsCountsTwoSlides(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cw := &cellWords{}
	type key struct {
		g cell
		w string
	}
	var prev, older map[key]int                            // older: the keys of slides before, none of which counts
	for _, s := range []int64{0, 1, 2, 3, 5, 6, 7, 8, 9} { // 4 is a gap; 8 and 9 are quiet
		if s == 5 {
			older, prev = prev, nil
		}
		cw.begin(s)
		now := map[key]int{}
		var order []key
		n := 200 + 400*int(s) // enough keys to grow the table
		if s >= 8 {
			n = 5 // a few in a large table, emptied slot by slot
		}
		for i := range n {
			k := key{cell{int32(rng.IntN(4)), int32(rng.IntN(4))}, fmt.Sprintf("w%d", rng.IntN(60+100*int(s)))}
			if now[k] == 0 {
				order = append(order, k)
			}
			now[k]++
			cw.add(k.g, hashWord(k.w), k.w, int32(i)) // each a post of its own
		}
		cw.done()
		if len(cw.all) != len(order) {
			t.Fatalf("slide %d: %d keys counted, want %d", s, len(cw.all), len(order))
		}
		for i, c := range cw.all {
			k := key{c.cell, c.text}
			if k != order[i] || int(c.n) != now[k] || int(c.prev) != prev[k] {
				t.Fatalf("slide %d: key %d is %v with %d and %d before, want %v with %d and %d", s, i, k, c.n, c.prev,
					order[i], now[k], prev[k])
			}
		}
		for _, k := range slices.Concat(order, keys(prev), keys(older)) {
			n, p := cw.count(k.g, hashWord(k.w))
			if n != now[k] || p != prev[k] {
				t.Fatalf("slide %d: count of %v is %d and %d before, want %d and %d", s, k, n, p, now[k], prev[k])
			}
		}
		if c := cw.cur; c.size() != len(order) || 2*c.size() > len(c.slot) {
			t.Fatalf("slide %d: %d keys in %d slots, want %d", s, c.size(), len(c.slot), len(order))
		}
		if s != 5 {
			older = prev
		}
		prev = now
	}
}

func keys[K comparable, V any](m map[K]V) []K {
	var out []K
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestHoldsAsWordByWord checks that the bits that spare comparing words
// change nothing: holds and holdsAll against a word-by-word reading, with
// events of a few words and of more than 64 (a state of another build).
func TestHoldsAsWordByWord(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vocab := []string{"", "a", "b", "ab", "ba", "storm", "strom", "flood", "#flood", "fire", "fires", "quake", "shaking", "@x"}
	for i := range 2000 {
		e := &event{word: vocab[rng.IntN(len(vocab))]}
		e.words = []string{e.word}
		if i%4 == 0 {
			for k := range 64 {
				e.words = append(e.words, fmt.Sprint("other", k))
			}
		}
		for range rng.IntN(4) {
			e.words = append(e.words, vocab[rng.IntN(len(vocab))])
		}
		tokens := make([]string, rng.IntN(7))
		for j := range tokens {
			tokens[j] = vocab[rng.IntN(len(vocab))]
		}
		// word by word
		holds := slices.Contains(tokens, e.word)
		n := 0
		for j, tk := range tokens {
			if slices.Contains(e.words, tk) && !slices.Contains(tokens[:j], tk) {
				n++
			}
		}
		holds = holds || n >= 2
		all := slices.Contains(tokens, e.word)
		if len(e.words) > 1 {
			other := slices.ContainsFunc(tokens, func(tk string) bool { return tk != e.word && slices.Contains(e.words, tk) })
			all = all && other
		}
		p := modeltest.WithTokens(&model.Point{}, tokens)
		if got := e.holds(p); got != holds {
			t.Fatalf("case %d: holds(%q) of %q (%q) = %v, want %v", i, tokens, e.word, e.words, got, holds)
		}
		if got := e.holdsAll(p); got != all {
			t.Fatalf("case %d: holdsAll(%q) of %q (%q) = %v, want %v", i, tokens, e.word, e.words, got, all)
		}
	}
}

// TestTalliesAsMaps checks the tallies' own hash table against a map, over
// windows that reuse its memory and grow it: each key's index is its
// place in keys, in the order first added, and its tally is its count.
func TestTalliesAsMaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ts := tallies[cell]{hash: cellKey}
	for round := range 6 {
		ts.reset()
		want := map[cell]tally{}
		var order []cell
		for range 50 + 300*round {
			g := cell{int32(rng.IntN(40) - 20), rng.Int32N(lonCells) - lonCells/2}
			if _, ok := want[g]; !ok {
				order = append(order, g)
			}
			slot := rng.IntN(3)
			tl := want[g]
			tl.add(slot)
			want[g] = tl
			if i := ts.add(g, slot); order[i] != g {
				t.Fatalf("round %d: %v added at index %d, which is %v's", round, g, i, order[i])
			}
		}
		if !slices.Equal(ts.keys, order) {
			t.Fatalf("round %d: keys %v, want %v", round, ts.keys, order)
		}
		for range 500 {
			g := cell{int32(rng.IntN(44) - 22), rng.Int32N(lonCells) - lonCells/2}
			tl, ok := want[g]
			if ts.has(g) != ok || ts.get(g) != tl || (ts.index(g) >= 0) != ok {
				t.Fatalf("round %d: %v has %v %+v (index %d), want %v %+v", round, g, ts.has(g), ts.get(g), ts.index(g), ok, tl)
			}
		}
	}
}

// TestCellWordsCountsAPostOnce: a post counts a word in its cell once,
// however often it holds the word, against plain maps of each post's set
// of words, over posts in a few cells with words repeated and mentions;
// and the chain of the posts that hold a word in a cell lists each once,
// the last first.
func TestCellWordsCountsAPostOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	vocab := []string{"", "a", "b", "storm", "strom", "#storm", "東京", "@x"}
	type key struct {
		g cell
		w string
	}
	cw := &cellWords{}
	cw.begin(0)
	want := map[key]int{}
	posts := map[key][]int32{} // the last first
	for i := range 2000 {
		g := cell{int32(rng.IntN(3)), 0}
		tokens := make([]string, rng.IntN(8))
		for j := range tokens {
			tokens[j] = vocab[rng.IntN(len(vocab))]
		}
		for j, tk := range tokens {
			if !slices.Contains(tokens[:j], tk) && tokenHash(tk) != 0 {
				want[key{g, tk}]++
				posts[key{g, tk}] = slices.Insert(posts[key{g, tk}], 0, int32(i))
			}
			if h := tokenHash(tk); h != 0 {
				cw.add(g, h, tk, int32(i))
			}
		}
	}
	cw.done()
	if len(cw.all) != len(want) {
		t.Fatalf("%d words in cells, want %d", len(cw.all), len(want))
	}
	for _, c := range cw.all {
		k := key{c.cell, c.text}
		if int(c.n) != want[k] {
			t.Errorf("%q in %v: %d posts, want %d", c.text, c.cell, c.n, want[k])
		}
		if got := cw.posts(c.cell, c.word, nil); !slices.Equal(got, posts[k]) {
			t.Errorf("%q in %v: posts %v, want %v", c.text, c.cell, got, posts[k])
		}
	}
}

// TestHoldingAndHoldersAsWordByWord checks the chains of each word's posts
// in a cell against plain readings of the slide's posts, across the date
// line: holding against around and HasToken, holders against near and
// event.holds, each in the window's order.
func TestHoldingAndHoldersAsWordByWord(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	vocab := []string{"", "a", "b", "ab", "storm", "strom", "flood", "#flood", "fire", "東京", "@x"}
	for round := range 30 {
		d := &Detector{cellTallies: tallies[cell]{hash: cellKey}, cellWords: &cellWords{}}
		d.cellTallies.reset()
		d.cellWords.begin(int64(round))
		w := &counts{cells: &d.cellTallies, words: d.cellWords}
		for k := range 300 {
			g := cell{int32(rng.IntN(5)), wrap(rng.Int32N(6) - 3 + lonCells/2)}
			tokens := make([]string, rng.IntN(6))
			for j := range tokens {
				tokens[j] = vocab[rng.IntN(len(vocab))]
			}
			p := modeltest.WithTokens(modeltest.WithID(&model.Point{}, fmt.Sprint(k)), tokens)
			post := int32(len(w.recent))
			w.recent, w.recentAt = append(w.recent, p), append(w.recentAt, w.cells.add(g, 0))
			for _, tk := range tokens {
				if h := tokenHash(tk); h != 0 {
					w.words.add(g, h, tk, post)
				}
			}
		}
		w.words.done()
		for range 20 {
			centre := cell{int32(rng.IntN(5)), wrap(rng.Int32N(6) - 3 + lonCells/2)}
			word := vocab[rng.IntN(len(vocab)-1)] // not the mention
			var want []*model.Point
			for _, ps := range w.around(centre) {
				for _, p := range ps {
					if p.HasToken(word) {
						want = append(want, p)
					}
				}
			}
			if got := w.holding(centre, hashWord(word), nil); !slices.Equal(got, want) {
				t.Fatalf("round %d: %d posts around %v hold %q, want %d", round, len(got), centre, word, len(want))
			}

			e := &event{centre: centre, word: word, words: []string{word}}
			for range rng.IntN(4) {
				e.words = append(e.words, vocab[rng.IntN(len(vocab)-1)])
			}
			var wantNums []int32
			for i, p := range w.recent {
				if centre.near(w.cells.keys[w.recentAt[i]], 1) && e.holds(p) {
					wantNums = append(wantNums, int32(i))
				}
			}
			if got := w.holders(e, nil); !slices.Equal(got, wantNums) {
				t.Fatalf("round %d: the posts of %q (%q) around %v are %v, want %v", round, e.word, e.words, centre, got, wantNums)
			}
		}
	}
}

// add counts a post of key k in the window's slot, as addHashed with the
// tallies' own hash.
func (ts *tallies[K]) add(k K, slot int) int32 { return ts.addHashed(k, ts.hash(k), slot) }

// around returns the posts on the map in the newest slide in the place
// around centre, cell by cell in the order of centre.block(), each cell's
// in the order of the window: the plain reading holding and holders are
// checked against.
func (w *counts) around(centre cell) (out [9][]*model.Point) {
	for k, g := range centre.block() {
		for i, p := range w.recent {
			if w.cells.keys[w.recentAt[i]] == g {
				out[k] = append(out[k], p)
			}
		}
	}
	return out
}
