package events

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
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
	var prev map[key]int
	for _, s := range []int64{0, 1, 2, 3, 5, 6, 7} { // 4 is a gap
		if s == 5 {
			prev = nil
		}
		cw.begin(s)
		now := map[key]int{}
		var order []key
		for range 200 + 400*int(s) { // enough keys to grow the table
			k := key{cell{int32(rng.IntN(4)), int32(rng.IntN(4))}, fmt.Sprintf("w%d", rng.IntN(60+100*int(s)))}
			if now[k] == 0 {
				order = append(order, k)
			}
			now[k]++
			cw.add(k.g, hashWord(k.w), k.w)
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
		for _, k := range slices.Concat(order, keys(prev)) {
			n, p := cw.count(k.g, hashWord(k.w))
			if n != now[k] || p != prev[k] {
				t.Fatalf("slide %d: count of %v is %d and %d before, want %d and %d", s, k, n, p, now[k], prev[k])
			}
		}
		if 2*cw.used > len(cw.slot) {
			t.Fatalf("slide %d: %d keys in %d slots", s, cw.used, len(cw.slot))
		}
		prev = now
	}
	if cw.used > 4*len(cw.all) {
		t.Errorf("%d keys kept for %d in the newest slide: old slides are not dropped", cw.used, len(cw.all))
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
// change nothing: holds and holdsAll against a word-by-word reading.
func TestHoldsAsWordByWord(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vocab := []string{"", "a", "b", "ab", "ba", "storm", "strom", "flood", "#flood", "fire", "fires", "quake", "shaking", "@x"}
	for i := range 2000 {
		e := &event{word: vocab[rng.IntN(len(vocab))]}
		e.words = []string{e.word}
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
		if got := e.holds(tokens); got != holds {
			t.Fatalf("case %d: holds(%q) of %q (%q) = %v, want %v", i, tokens, e.word, e.words, got, holds)
		}
		if got := e.holdsAll(tokens); got != all {
			t.Fatalf("case %d: holdsAll(%q) of %q (%q) = %v, want %v", i, tokens, e.word, e.words, got, all)
		}
	}
}
