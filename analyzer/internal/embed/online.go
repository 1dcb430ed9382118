package embed

import (
	"io"
	"math"
	"sort"
	"sync/atomic"
	"time"

	"github.com/geostream/geostream/analyzer/internal/vec32"
)

// OnlineOptions configures an Online model. Zero values take the defaults.
type OnlineOptions struct {
	Base        Hashed  // where new words start [DefaultHashed]
	VocabMax    int     // words kept; the rarest are evicted [100000]
	Window      int     // context window [3]
	Negative    int     // negative samples [3]
	LR          float64 // learning rate [0.025]
	Subsample   float64 // frequent-word subsampling threshold [1e-3]
	CountDecay  float64 // word counts are multiplied by this every batch [0.98]
	MaxPerBatch int     // tweets trained on per batch, at most [300]
	Seed        uint64
}

// DefaultOnlineOptions are the values zero fields take.
func DefaultOnlineOptions() OnlineOptions {
	o := OnlineOptions{}
	o.defaults()
	return o
}

func (o *OnlineOptions) defaults() {
	if o.Base.D == 0 {
		o.Base = DefaultHashed
	}
	if o.VocabMax <= 0 {
		o.VocabMax = 100000
	}
	if o.Window <= 0 {
		o.Window = 3
	}
	if o.Negative <= 0 {
		o.Negative = 3
	}
	if o.LR <= 0 {
		o.LR = 0.025
	}
	if o.Subsample == 0 {
		o.Subsample = 1e-3
	}
	if o.CountDecay <= 0 || o.CountDecay > 1 {
		o.CountDecay = 0.98
	}
	if o.MaxPerBatch <= 0 {
		o.MaxPerBatch = 300
	}
}

// Online is the evolving model: every word starts from its hashed
// random-indexing vector and is refined by skip-gram with negative sampling
// on the tweets of each batch, so words used together drift together.
// Memory is bounded by VocabMax.
//
// Training runs in the background: Start hands a batch to a goroutine and
// returns at once, while AddTo keeps reading the vectors as they were when
// the previous training ended (a copy, refreshed by Wait with only the rows
// that changed). Results therefore depend only on the order of calls, never
// on timing. The methods must be called from one goroutine.
type Online struct {
	opts OnlineOptions

	// The trainer's state, touched only by learn, which runs between Start
	// and Wait in its own goroutine.
	words   []string
	index   map[string]int32
	in      [][]float32
	out     [][]float32
	counts  []float64
	neg     *sampler
	r       rng
	grad    []float32
	ids     []int32
	tmp     []float64
	dirty   []int32 // rows changed since the last publish
	isDirty []bool
	evicted []string // words evicted since the last publish

	view  map[string][]float32 // what AddTo reads
	done  chan struct{}        // closed when background training ends; nil when idle
	spawn func(func())         // starts the background training; nil: a go statement

	batches, waited, vocab atomic.Int64 // for Stats
}

// OnlineStats describes an Online model's work so far.
type OnlineStats struct {
	Batches int64         // batches trained
	Waited  time.Duration // time callers were blocked waiting for training to end
	Vocab   int64         // words with a learnt vector
}

// Stats may be called from any goroutine.
func (m *Online) Stats() OnlineStats {
	return OnlineStats{Batches: m.batches.Load(), Waited: time.Duration(m.waited.Load()), Vocab: m.vocab.Load()}
}

// NewOnline returns an empty online model.
func NewOnline(o OnlineOptions) *Online {
	o.defaults()
	return &Online{opts: o, index: map[string]int32{}, r: rng(o.Seed + 1), grad: make([]float32, o.Base.D),
		tmp: make([]float64, o.Base.D), view: map[string][]float32{}}
}

// NewOnlineFrom starts an online model from a loaded table; words the
// table lacks start from hashed vectors of the table's dimension.
func NewOnlineFrom(t *Table, o OnlineOptions) *Online {
	o.defaults()
	o.Base.D = t.D
	m := NewOnline(o)
	words := make([]string, 0, len(t.Vectors))
	for w := range t.Vectors {
		words = append(words, w)
	}
	sort.Strings(words)
	for _, w := range words {
		id := m.add(w)
		copy(m.in[id], t.Vectors[w])
	}
	m.publish()
	return m
}

// Dim implements Model.
func (m *Online) Dim() int { return m.opts.Base.D }

// Options returns the options in force, defaults filled in.
func (m *Online) Options() OnlineOptions { return m.opts }

// Len is the size of the vocabulary AddTo reads.
func (m *Online) Len() int { return len(m.view) }

// AddTo implements Model: a learnt word's vector, else its hashed one.
func (m *Online) AddTo(dst []float64, word string, scale float64) bool {
	if v, ok := m.view[word]; ok {
		for i, x := range v {
			dst[i] += scale * float64(x)
		}
		return true
	}
	return m.opts.Base.AddTo(dst, word, scale)
}

func (m *Online) add(w string) int32 {
	id := int32(len(m.words))
	m.words = append(m.words, w)
	m.index[w] = id
	clear(m.tmp)
	m.opts.Base.AddTo(m.tmp, w, 1)
	v := make([]float32, m.opts.Base.D)
	for i, x := range m.tmp {
		v[i] = float32(x)
	}
	m.in = append(m.in, v)
	m.out = append(m.out, make([]float32, m.opts.Base.D))
	m.counts = append(m.counts, 0)
	m.isDirty = append(m.isDirty, false)
	m.touch(id)
	return id
}

// touch marks row id as changed since the last publish.
func (m *Online) touch(id int32) {
	if !m.isDirty[id] {
		m.isDirty[id] = true
		m.dirty = append(m.dirty, id)
	}
}

// publish copies the rows that changed into the view and drops evicted
// words from it. The trainer must be idle.
func (m *Online) publish() {
	for _, w := range m.evicted {
		if _, back := m.index[w]; !back {
			delete(m.view, w) // back to its hashed vector
		}
	}
	m.evicted = m.evicted[:0]
	for _, id := range m.dirty {
		w := m.words[id]
		v, ok := m.view[w]
		if !ok {
			v = make([]float32, len(m.in[id]))
			m.view[w] = v
		}
		copy(v, m.in[id])
		m.isDirty[id] = false
	}
	m.dirty = m.dirty[:0]
	m.vocab.Store(int64(len(m.view)))
}

// Learn trains on one batch of tweets (their words) and returns when the
// view has the result.
func (m *Online) Learn(sentences [][]string) {
	m.Start(sentences)
	m.Wait()
}

// SetSpawn makes the model start its background training with spawn
// (the pipeline's, so that the pipeline owns the goroutine and waits for
// it); without one it uses a plain go statement. Wait joins the training
// either way.
func (m *Online) SetSpawn(spawn func(func())) { m.spawn = spawn }

// Start trains on one batch of tweets (their words) in the background,
// after the previous batch's training has ended and been published. The
// caller must not change sentences until the next Wait.
func (m *Online) Start(sentences [][]string) {
	m.Wait()
	done := make(chan struct{})
	m.done = done
	train := func() {
		defer close(done)
		m.learn(sentences)
	}
	if m.spawn != nil {
		m.spawn(train)
	} else {
		go train() // owned by m: Wait joins it
	}
}

// Wait waits for background training to end and publishes its result.
func (m *Online) Wait() {
	if m.done == nil {
		return
	}
	start := time.Now()
	<-m.done
	m.waited.Add(int64(time.Since(start)))
	m.batches.Add(1)
	m.done = nil
	m.publish()
}

// learn trains on one batch. At most MaxPerBatch tweets are used, spread
// evenly over the batch.
func (m *Online) learn(sentences [][]string) {
	if len(sentences) == 0 {
		return
	}
	for i := range m.counts {
		m.counts[i] *= m.opts.CountDecay
	}
	step := 1
	if len(sentences) > m.opts.MaxPerBatch {
		step = (len(sentences) + m.opts.MaxPerBatch - 1) / m.opts.MaxPerBatch
	}
	for i := 0; i < len(sentences); i += step {
		for _, w := range sentences[i] {
			id, ok := m.index[w]
			if !ok {
				id = m.add(w)
			}
			m.counts[id]++
		}
	}
	m.evict()
	m.buildTable()
	var total float64
	for _, c := range m.counts {
		total += c
	}
	t := m.opts.Subsample * total
	d := m.opts.Base.D
	lr := float32(m.opts.LR)
	for i := 0; i < len(sentences); i += step {
		m.ids = m.ids[:0]
		for _, w := range sentences[i] {
			id, ok := m.index[w]
			if !ok {
				continue
			}
			if f := m.counts[id]; t > 0 && f > t && m.r.float() > (math.Sqrt(f/t)+1)*t/f {
				continue // subsample frequent words
			}
			m.ids = append(m.ids, id)
		}
		for j, center := range m.ids {
			for k := max(0, j-m.opts.Window); k <= min(len(m.ids)-1, j+m.opts.Window); k++ {
				if k == j {
					continue
				}
				in := m.in[m.ids[k]]
				clear(m.grad)
				sgnsPair(in, m.out[center], m.grad, 1, lr)
				for n := 0; n < m.opts.Negative; n++ {
					neg := m.neg.draw(&m.r)
					if neg != center {
						sgnsPair(in, m.out[neg], m.grad, 0, lr)
					}
				}
				vec32.Axpy(1, m.grad[:d], in)
				m.touch(m.ids[k])
			}
		}
	}
}

// evict drops the rarest words (by decayed count; ties: the newest) when
// the vocabulary is over VocabMax, down to 90% of it.
func (m *Online) evict() {
	if len(m.words) <= m.opts.VocabMax {
		return
	}
	keep := m.opts.VocabMax * 9 / 10
	order := make([]int, len(m.words))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return m.counts[order[a]] > m.counts[order[b]] })
	kept := order[:keep]
	sort.Ints(kept) // keep the survivors in their old order: deterministic ids
	words, in, out, counts := m.words[:0:0], m.in[:0:0], m.out[:0:0], m.counts[:0:0]
	isDirty := make([]bool, 0, len(kept))
	survives := make([]bool, len(m.words))
	for _, i := range kept {
		survives[i] = true
	}
	for i, w := range m.words {
		if !survives[i] {
			delete(m.index, w)
			m.evicted = append(m.evicted, w)
		}
	}
	m.dirty = m.dirty[:0]
	for _, i := range kept {
		id := int32(len(words))
		m.index[m.words[i]] = id
		if m.isDirty[i] {
			m.dirty = append(m.dirty, id) // still to publish, under its new id
		}
		words, in, out, counts = append(words, m.words[i]), append(in, m.in[i]), append(out, m.out[i]), append(counts, m.counts[i])
		isDirty = append(isDirty, m.isDirty[i])
	}
	m.words, m.in, m.out, m.counts, m.isDirty = words, in, out, counts, isDirty
}

func (m *Online) buildTable() {
	c := make([]float64, len(m.counts))
	for i, x := range m.counts {
		c[i] = x + 1e-3
	}
	m.neg = newSampler(c)
}

// Save waits for training and writes the learnt vectors in word2vec's
// binary format.
func (m *Online) Save(w io.Writer) error {
	m.Wait()
	return WriteBinary(w, m.words, m.in)
}

// Table waits for training and returns a copy of the learnt vectors.
func (m *Online) Table() *Table {
	m.Wait()
	t := &Table{D: m.opts.Base.D, Vectors: make(map[string][]float32, len(m.words))}
	for i, w := range m.words {
		t.Vectors[w] = append([]float32(nil), m.in[i]...)
	}
	return t
}
