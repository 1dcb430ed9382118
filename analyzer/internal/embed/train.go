package embed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geostream/geostream/analyzer/internal/text"
	"github.com/geostream/geostream/analyzer/internal/vec32"
	"github.com/geostream/geostream/shared/tweet"
	"github.com/geostream/geostream/shared/wire"
)

// TrainOptions configures Train. Zero values take word2vec's defaults,
// which Defaults fills in.
type TrainOptions struct {
	Dim       int     // vector size [100]
	Window    int     // max context distance [5]
	Negative  int     // negative samples per pair [5]
	MinCount  int     // drop rarer words [5]
	Epochs    int     // passes over the corpus [5]
	Alpha     float64 // starting learning rate, decayed linearly [0.025]
	Subsample float64 // frequent-word subsampling threshold [1e-3]; negative: off
	Threads   int     // workers [2]
	Seed      uint64
	// PerPairNegatives draws negatives for every (context, word) pair, as
	// word2vec and gensim do, instead of once per word for its whole
	// window: slower on large vocabularies, where each draw is a cache
	// miss.
	PerPairNegatives bool
	// Progress, if set, is called about once a second with words done of
	// total (over all epochs) and the elapsed time.
	Progress func(done, total int64, elapsed time.Duration)
}

func (o *TrainOptions) Defaults() {
	if o.Dim <= 0 {
		o.Dim = 100
	}
	if o.Window <= 0 {
		o.Window = 5
	}
	if o.Negative <= 0 {
		o.Negative = 5
	}
	if o.MinCount <= 0 {
		o.MinCount = 5
	}
	if o.Epochs <= 0 {
		o.Epochs = 5
	}
	if o.Alpha <= 0 {
		o.Alpha = 0.025
	}
	if o.Subsample < 0 {
		o.Subsample = 0
	} else if o.Subsample == 0 {
		o.Subsample = 1e-3
	}
	if o.Threads <= 0 {
		o.Threads = 2
	}
}

// Corpus is a tokenized text and its vocabulary with counts, most
// frequent first. A corpus from ReadCorpus holds the text as word ids (4
// bytes a word); one from OpenCorpus reads its file again for every epoch
// and holds only the vocabulary.
type Corpus struct {
	Words  []string
	Counts []int64
	IDs    []int32 // the text, when held in memory; -1 ends a line

	open  func() (io.ReadCloser, error) // else: where to read it again
	index map[string]int32
}

// Tokens is how many words of the corpus are in the vocabulary: the words
// one epoch trains on before subsampling.
func (c *Corpus) Tokens() int64 {
	var n int64
	for _, x := range c.Counts {
		n += x
	}
	return n
}

// ReadCorpus tokenizes r with the analyzer's rules, line by line: plain
// text, text8 (one long line, read in pieces) or NDJSON tweets (any line
// that decodes as a tweet contributes its text). Words rarer than minCount
// are dropped. The text is kept in memory.
func ReadCorpus(r io.Reader, minCount int) (*Corpus, error) {
	var v vocab
	if err := scanCorpus(r, v.add); err != nil {
		return nil, err
	}
	return v.corpus(minCount)
}

// OpenCorpus is ReadCorpus for a file that open can read again: it reads
// it once for the vocabulary and then once an epoch, so that memory
// follows the vocabulary, not the length of the corpus.
func OpenCorpus(open func() (io.ReadCloser, error), minCount int) (*Corpus, error) {
	f, err := open()
	if err != nil {
		return nil, err
	}
	v := vocab{countOnly: true}
	err = scanCorpus(f, v.add)
	f.Close()
	if err != nil {
		return nil, err
	}
	c, err := v.corpus(minCount)
	if err != nil {
		return nil, err
	}
	c.open = open
	c.index = make(map[string]int32, len(c.Words))
	for i, w := range c.Words {
		c.index[w] = int32(i)
	}
	return c, nil
}

// scanCorpus calls emit with the words of every line of r, in pieces for
// a line longer than its 1 MiB buffer (text8: lineEnd says whether the
// line ends there); it stops at emit's first error.
func scanCorpus(r io.Reader, emit func(toks []string, lineEnd bool) error) error {
	dr, err := wire.Decompress(r)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(dr, 1<<20)
	var dec tweet.Decoder
	var toks []string
	for {
		// Read up to a newline, or 1 MiB at a space for one-line corpora.
		chunk, err := br.ReadSlice('\n')
		for err == bufio.ErrBufferFull {
			if i := bytes.LastIndexByte(chunk, ' '); i > 0 {
				rest := append([]byte(nil), chunk[i:]...)
				chunk = chunk[:i]
				toks = text.Tokenize(toks[:0], string(chunk))
				if eerr := emit(toks, false); eerr != nil {
					return eerr
				}
				chunk, err = br.ReadSlice('\n')
				chunk = append(rest, chunk...)
				continue
			}
			var more []byte
			more, err = br.ReadSlice('\n')
			chunk = append(append([]byte(nil), chunk...), more...)
		}
		if len(chunk) > 0 {
			line := bytes.TrimSpace(chunk)
			s := string(line)
			if len(line) > 0 && line[0] == '{' {
				if tw, derr := dec.Decode(line); derr == nil && tw.Kind == tweet.KindTweet {
					s = tw.Text
				} else {
					s = "" // JSON that is not a tweet: notices and junk
				}
			}
			toks = text.Tokenize(toks[:0], s)
			if eerr := emit(toks, true); eerr != nil {
				return eerr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading corpus: %w", err)
		}
	}
}

// sentenceLen is the most words that train as one sentence, as in
// word2vec; a line (a tweet, say) ends a sentence sooner, so that context
// windows do not reach into unrelated lines. text8 is one long line.
const sentenceLen = 1000

// lineBreak stands between lines in a corpus's ids.
const lineBreak = -1

// feed sends the corpus, epoch after epoch, in pieces of sentenceLen word
// ids, then closes out. It stops when ctx is done.
func (c *Corpus) feed(ctx context.Context, epochs int, out chan<- []int32) error {
	defer close(out)
	send := func(piece []int32) error {
		select {
		case out <- piece:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for ep := 0; ep < epochs; ep++ {
		if c.open == nil {
			for pos := 0; pos < len(c.IDs); pos += sentenceLen {
				if err := send(c.IDs[pos:min(pos+sentenceLen, len(c.IDs))]); err != nil {
					return err
				}
			}
			continue
		}
		f, err := c.open()
		if err != nil {
			return err
		}
		// The same ids, line breaks and pieces as ReadCorpus's would give.
		piece := make([]int32, 0, sentenceLen)
		var words int64
		add := func(id int32) error {
			if id != lineBreak {
				words++
			}
			piece = append(piece, id)
			if len(piece) < sentenceLen {
				return nil
			}
			err := send(piece)
			piece = make([]int32, 0, sentenceLen)
			return err
		}
		err = scanCorpus(f, func(toks []string, lineEnd bool) error {
			for _, t := range toks {
				if id, ok := c.index[t]; ok {
					if err := add(id); err != nil {
						return err
					}
				}
			}
			if lineEnd && len(toks) > 0 {
				return add(lineBreak)
			}
			return nil
		})
		f.Close()
		if err == nil && len(piece) > 0 {
			err = send(piece)
		}
		if err != nil {
			return err
		}
		if words != c.Tokens() {
			return fmt.Errorf("embed: the corpus changed while training: epoch %d read %d words of the %d counted first", ep+1, words, c.Tokens())
		}
	}
	return nil
}

// vocab numbers words as they first appear and counts them.
type vocab struct {
	index     map[string]int32
	words     []string
	counts    []int64
	ids       []int32
	countOnly bool // keep no ids
}

func (v *vocab) add(toks []string, lineEnd bool) error {
	if v.index == nil {
		v.index = map[string]int32{}
	}
	for _, t := range toks {
		id, ok := v.index[t]
		if !ok {
			t = strings.Clone(t) // not the whole line the token points into
			id = int32(len(v.words))
			v.index[t] = id
			v.words = append(v.words, t)
			v.counts = append(v.counts, 0)
		}
		v.counts[id]++
		if !v.countOnly {
			v.ids = append(v.ids, id)
		}
	}
	if !v.countOnly && lineEnd && len(toks) > 0 {
		v.ids = append(v.ids, lineBreak)
	}
	return nil
}

// corpus renumbers the words by falling count (ties: alphabetical), drops
// those rarer than minCount and rewrites the ids in place.
func (v *vocab) corpus(minCount int) (*Corpus, error) {
	order := make([]int32, len(v.words))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if v.counts[a] != v.counts[b] {
			return v.counts[a] > v.counts[b]
		}
		return v.words[a] < v.words[b]
	})
	renum := make([]int32, len(v.words))
	for i := range renum {
		renum[i] = -1
	}
	c := &Corpus{}
	for _, old := range order {
		if v.counts[old] < int64(minCount) {
			break
		}
		renum[old] = int32(len(c.Words))
		c.Words = append(c.Words, v.words[old])
		c.Counts = append(c.Counts, v.counts[old])
	}
	if len(c.Words) == 0 {
		return nil, errors.New("embed: the corpus has no word that appears --min-count times")
	}
	ids := v.ids[:0]
	for _, old := range v.ids {
		if old == lineBreak {
			ids = append(ids, lineBreak)
		} else if id := renum[old]; id >= 0 {
			ids = append(ids, id)
		}
	}
	c.IDs = ids
	return c, nil
}

// keepProbs is word2vec's chance of keeping each occurrence of a word
// under frequent-word subsampling with threshold t (0: keep all).
func keepProbs(counts []int64, t float64) []float64 {
	var total int64
	for _, n := range counts {
		total += n
	}
	keep := make([]float64, len(counts))
	for i, n := range counts {
		keep[i] = 1
		if t > 0 {
			f, ft := float64(n), t*float64(total)
			keep[i] = math.Min(1, (math.Sqrt(f/ft)+1)*ft/f)
		}
	}
	return keep
}

// Effective is how many of the corpus's words one epoch trains on, on
// average, after subsampling with threshold t (0: all of them). gensim
// reports its speed in these words; word2vec and this package in raw ones.
func (c *Corpus) Effective(t float64) float64 {
	var e float64
	for i, p := range keepProbs(c.Counts, t) {
		e += p * float64(c.Counts[i])
	}
	return e
}

// sampler draws word ids in proportion to count^0.75, word2vec's
// negative-sampling distribution, with Walker's alias method: one slot per
// word, small enough to stay in the cache (a word2vec-style table of
// millions of slots missed it on every draw). A slot holds its
// probability and its alias side by side, so a draw reads one cache line.
type sampler struct {
	slots []aliasSlot
}

type aliasSlot struct {
	prob  float32
	alias int32
}

func newSampler(counts []float64) *sampler {
	n := len(counts)
	s := &sampler{slots: make([]aliasSlot, n)}
	var total float64
	w := make([]float64, n)
	for i, c := range counts {
		w[i] = math.Pow(c, 0.75)
		total += w[i]
	}
	var small, large []int32
	for i := range w {
		w[i] *= float64(n) / total
		if w[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		l, g := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		s.slots[l] = aliasSlot{float32(w[l]), g}
		w[g] -= 1 - w[l]
		if w[g] < 1 {
			large = large[:len(large)-1]
			small = append(small, g)
		}
	}
	for _, i := range append(small, large...) {
		s.slots[i] = aliasSlot{1, i}
	}
	return s
}

// draw returns a word id. The slot comes from the top 32 bits by a
// multiply and shift (a division took a tenth of the trainer's time), the
// coin from 16 bits below them.
func (s *sampler) draw(r *rng) int32 {
	x := r.next()
	i := int32(x >> 32 * uint64(len(s.slots)) >> 32)
	if sl := s.slots[i]; float32(x>>16&0xffff)/65536 >= sl.prob {
		return sl.alias
	}
	return i
}

// Trained is what Train learnt: each word and its vector.
type Trained struct {
	Words   []string
	Vectors [][]float32
	// Trained is how many corpus words training went through, over all
	// epochs, before subsampling.
	Trained int64
}

// Table returns the vectors as a lookup Table.
func (t *Trained) Table() *Table {
	tb := &Table{Vectors: make(map[string][]float32, len(t.Words))}
	for i, w := range t.Words {
		tb.Vectors[w] = t.Vectors[i]
	}
	if len(t.Vectors) > 0 {
		tb.D = len(t.Vectors[0])
	}
	return tb
}

// Train learns skip-gram vectors with negative sampling. Workers update the
// shared weights without locks, as word2vec and gensim do ("Hogwild"): with
// Threads > 1 the result depends on scheduling; with Threads = 1 and a
// seed it is deterministic. ctx cancels training.
func Train(ctx context.Context, c *Corpus, o TrainOptions) (*Trained, error) {
	o.Defaults()
	v, d := len(c.Words), o.Dim
	syn0 := make([]float32, v*d)
	syn1 := make([]float32, v*d)
	r := rng(o.Seed + 1)
	for i := range syn0 {
		syn0[i] = float32((r.float() - 0.5) / float64(d))
	}
	fc := make([]float64, len(c.Counts))
	for i, n := range c.Counts {
		fc[i] = float64(n)
	}
	neg := newSampler(fc)
	keep := keepProbs(c.Counts, o.Subsample)
	work := c.Tokens() * int64(o.Epochs)
	var done atomic.Int64
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pieces := make(chan []int32, 2*o.Threads)
	feedErr := make(chan error, 1)
	go func() { feedErr <- c.feed(ctx, o.Epochs, pieces) }() // owned by Train: ends with the corpus or ctx
	var wg sync.WaitGroup
	stopProgress := make(chan struct{})
	if o.Progress != nil {
		wg.Add(1)
		go func() { // owned by Train: ends when the workers are done
			defer wg.Done()
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					o.Progress(done.Load(), work, time.Since(start))
				case <-stopProgress:
					return
				}
			}
		}()
	}
	var workers sync.WaitGroup
	for th := 0; th < o.Threads; th++ {
		workers.Add(1)
		go func() { // owned by Train: takes pieces until the feed closes
			defer workers.Done()
			r := rng(o.Seed*7919 + uint64(th) + 1)
			sc := &trainScratch{grad: make([]float32, d)}
			sentence := make([]int32, 0, sentenceLen)
			for piece := range pieces {
				words := 0
				for _, id := range piece {
					if id != lineBreak {
						words++
					}
				}
				progress := float64(done.Add(int64(words))) / float64(work)
				lr := float32(o.Alpha * math.Max(1e-4, 1-progress))
				sentence = eachSentence(piece, keep, &r, sentence, func(s []int32) {
					if o.PerPairNegatives {
						trainSentence(s, syn0, syn1, d, o.Window, o.Negative, neg, &r, lr, sc)
					} else {
						trainShared(s, syn0, syn1, d, o.Window, o.Negative, neg, &r, lr, sc)
					}
				})
			}
		}()
	}
	workers.Wait()
	close(stopProgress)
	wg.Wait()
	if err := <-feedErr; err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err // cancelled after the last piece was sent
	}
	if o.Progress != nil {
		o.Progress(done.Load(), work, time.Since(start))
	}
	out := &Trained{Words: c.Words, Vectors: make([][]float32, v), Trained: done.Load()}
	for i := range out.Vectors {
		out.Vectors[i] = syn0[i*d : (i+1)*d : (i+1)*d]
	}
	return out, nil
}

// eachSentence calls fn with each line of piece, subsampled (word i kept
// with probability keep[i]), in buf. It returns buf for reuse.
func eachSentence(piece []int32, keep []float64, r *rng, buf []int32, fn func([]int32)) []int32 {
	buf = buf[:0]
	for _, id := range piece {
		switch {
		case id == lineBreak:
			fn(buf)
			buf = buf[:0]
		case keep[id] >= 1 || r.float() < keep[id]:
			buf = append(buf, id)
		}
	}
	if len(buf) > 0 {
		fn(buf)
	}
	return buf
}

// trainScratch is one worker's reusable memory for trainSentence.
type trainScratch struct {
	grad    []float32
	context []int32 // each pair's context word
	targets []int32 // each pair's output rows: the center, then negatives
	ends    []int32 // where each pair's targets end
	// For trainShared: a window's gradients, one row per context word,
	// and the pair gradients.
	grads []float32
	g     []float32
}

// prefetchAhead is how many pairs ahead trainSentence asks for rows.
const prefetchAhead = 2

// trainSentence runs skip-gram with negative sampling over one sentence.
// It lists the sentence's pairs and draws their negatives first; then,
// while it trains one pair, it prefetches the rows of a pair a little
// ahead: the rows of a large vocabulary are rarely in the cache, and
// waiting for them one by one cost more than the arithmetic.
func trainSentence(s []int32, syn0, syn1 []float32, d, window, negative int, sm *sampler, r *rng, lr float32, sc *trainScratch) {
	sc.context, sc.targets, sc.ends = sc.context[:0], sc.targets[:0], sc.ends[:0]
	for i, center := range s {
		b := int((r.next() >> 16) % uint64(window)) // word2vec's random window shrink
		for j := max(0, i-window+b); j <= i+window-b && j < len(s); j++ {
			if j == i {
				continue
			}
			sc.context = append(sc.context, s[j])
			sc.targets = append(sc.targets, center)
			for k := 0; k < negative; k++ {
				if neg := sm.draw(r); neg != center {
					sc.targets = append(sc.targets, neg)
				}
			}
			sc.ends = append(sc.ends, int32(len(sc.targets)))
		}
	}
	fetch := func(p int) {
		for _, t := range sc.targets[sc.start(p):sc.ends[p]] {
			vec32.Prefetch(syn1[int(t)*d : int(t)*d+d])
		}
		ctx := int(sc.context[p])
		vec32.Prefetch(syn0[ctx*d : ctx*d+d])
	}
	for p := 0; p < prefetchAhead && p < len(sc.ends); p++ {
		fetch(p)
	}
	for p, ctx := range sc.context {
		if p+prefetchAhead < len(sc.ends) {
			fetch(p + prefetchAhead)
		}
		in := syn0[int(ctx)*d : int(ctx)*d+d]
		clear(sc.grad)
		label := float32(1)
		for _, t := range sc.targets[sc.start(p):sc.ends[p]] {
			sgnsPair(in, syn1[int(t)*d:int(t)*d+d], sc.grad, label, lr)
			label = 0
		}
		vec32.Axpy(1, sc.grad, in)
	}
}

// trainShared runs skip-gram with negative sampling over one sentence,
// sharing one draw of negatives among all the context words of a center
// word, as Intel's pWord2Vec does: a window is then a small matrix
// product over rows already in the cache (its context words and its
// center's output row and negatives), where word2vec reads five new random
// rows for every pair. Within a window all gradients are computed before
// any row moves. While one window trains, the next one's rows are
// prefetched.
func trainShared(s []int32, syn0, syn1 []float32, d, window, negative int, sm *sampler, r *rng, lr float32, sc *trainScratch) {
	row0 := func(id int32) []float32 { return syn0[int(id)*d : int(id)*d+d] }
	row1 := func(id int32) []float32 { return syn1[int(id)*d : int(id)*d+d] }
	if cap(sc.grads) < 2*window*d {
		sc.grads = make([]float32, 2*window*d)
		sc.g = make([]float32, 2*window*(negative+1))
	}
	// Windows: each center's context words (in sc.context, up to
	// sc.ends) and targets (the center and its negatives, negative+1 a
	// window, -1 where a draw hit the center).
	sc.context, sc.targets, sc.ends = sc.context[:0], sc.targets[:0], sc.ends[:0]
	for i, center := range s {
		b := int((r.next() >> 16) % uint64(window)) // word2vec's random window shrink
		for j := max(0, i-window+b); j <= i+window-b && j < len(s); j++ {
			if j != i {
				sc.context = append(sc.context, s[j])
			}
		}
		sc.ends = append(sc.ends, int32(len(sc.context)))
		sc.targets = append(sc.targets, center)
		for k := 0; k < negative; k++ {
			neg := sm.draw(r)
			if neg == center {
				neg = -1
			}
			sc.targets = append(sc.targets, neg)
		}
	}
	nt := negative + 1
	fetch := func(i int) {
		for _, t := range sc.targets[i*nt : (i+1)*nt] {
			if t >= 0 {
				vec32.Prefetch(row1(t))
			}
		}
	}
	if len(s) > 0 {
		fetch(0)
	}
	lo := int32(0)
	for i := range s {
		if i+1 < len(s) {
			fetch(i + 1)
		}
		ctx := sc.context[lo:sc.ends[i]]
		lo = sc.ends[i]
		if len(ctx) == 0 {
			continue
		}
		targets := sc.targets[i*nt : (i+1)*nt]
		// Pair gradients from the rows as they were.
		g := sc.g[:len(ctx)*nt]
		for c, cid := range ctx {
			in := row0(cid)
			label := float32(1)
			for t, tid := range targets {
				g[c*nt+t] = 0
				if tid >= 0 {
					g[c*nt+t] = (label - sigmoid(vec32.Dot(in, row1(tid)))) * lr
				}
				label = 0
			}
		}
		grads := sc.grads[:len(ctx)*d]
		clear(grads)
		for c := range ctx {
			gc := grads[c*d : c*d+d]
			for t, tid := range targets {
				if tid >= 0 {
					vec32.Axpy(g[c*nt+t], row1(tid), gc)
				}
			}
		}
		for t, tid := range targets {
			if tid < 0 {
				continue
			}
			out := row1(tid)
			for c, cid := range ctx {
				vec32.Axpy(g[c*nt+t], row0(cid), out)
			}
		}
		for c, cid := range ctx {
			vec32.Axpy(1, grads[c*d:c*d+d], row0(cid))
		}
	}
}

// start is where pair p's targets begin.
func (sc *trainScratch) start(p int) int32 {
	if p == 0 {
		return 0
	}
	return sc.ends[p-1]
}

// Neighbours returns the n words closest to word by cosine similarity.
func Neighbours(t *Table, word string, n int) ([]string, []float64, error) {
	v, ok := t.Vectors[word]
	if !ok {
		return nil, nil, fmt.Errorf("embed: %q is not in the model", word)
	}
	nv := math.Sqrt(float64(vec32.Dot(v, v)))
	type sc struct {
		w string
		s float64
	}
	var all []sc
	for w, u := range t.Vectors {
		if w == word {
			continue
		}
		nu := math.Sqrt(float64(vec32.Dot(u, u)))
		if nu == 0 || nv == 0 {
			continue
		}
		all = append(all, sc{w, float64(vec32.Dot(v, u)) / nu / nv})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].s != all[j].s {
			return all[i].s > all[j].s
		}
		return all[i].w < all[j].w
	})
	var words []string
	var sims []float64
	for _, x := range all[:min(n, len(all))] {
		words = append(words, x.w)
		sims = append(sims, x.s)
	}
	return words, sims, nil
}
