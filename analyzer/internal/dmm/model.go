package dmm

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// unit is one word's weight in the fixed-point counts: weights are kept in
// 1/1024ths, so that adding a batch and forgetting it again leaves every
// count exactly as it was.
const unit = 1024

// logTabSize is how many whole counts have their log(count+Beta) in a
// table.
const logTabSize = 4096

// maxTermUnits caps one term's weight in a post (16384 words), so that a
// post's counts fit the fixed point however its terms were made.
const maxTermUnits = 1 << 24

// qterm is one term of a held post: its weight in units and the index of
// its posting, which holds its id (-1: a term no cluster holds, in Assign
// only). A window holds one for every term of every post.
type qterm struct {
	w int32
	p int32
}

// entry is one cluster's count of a term.
type entry struct {
	slot int32
	n    int64
}

// posting is what the clusters hold of one term: its total count and the
// clusters that have it, in no order.
type posting struct {
	id    uint32
	total int64
	list  []entry
	live  bool
}

// accum is a cluster's score for the post being placed, valid when gen is
// the model's.
type accum struct {
	v   float64
	gen uint32
}

// slot is a cluster's place in the model's arrays. Slots are reused; ids
// are not.
type slot struct {
	id   int   // lasting id; -1 until the batch that opened it ends
	m    int   // posts held
	n    int64 // weight held, in units
	live bool
	born int64 // the batch (Model.clock) that opened it
	// lb is log x − 1/x for x = n/unit + lbVB, computed for the weight
	// lbN (see bound).
	lb, lbVB float64
	lbN      int64
}

// batchRecord is what the model keeps of a batch it holds: enough to
// remove it exactly.
type batchRecord struct {
	points []*model.Point // the batch, as Train was given it
	terms  []qterm
	off    []int32   // post i's terms are terms[off[i]:off[i+1]]
	slot   []int32   // post i's cluster slot, -1 without terms
	typ    []float64 // post i's log probability per word in its cluster
}

// Model is a Dirichlet-multinomial mixture over a sliding window of
// batches. It implements cluster.Clusterer and is used from one
// goroutine.
type Model struct {
	opts Options
	rng  *rand.Rand
	pcg  *rand.PCG // rng's source, which a checkpoint saves

	stateBuf []byte

	logBeta float64
	logTab  []float64 // log(k+Beta) for whole counts k
	logTab0 []float64 // log(k)
	baseTab []float64 // Σ_{j<k} log(j+Beta): a term of weight k in no cluster

	slots   []slot
	free    []int32 // unused slots
	idSlot  map[int]int32
	nextID  int
	posts   int // posts held in clusters
	skipped int64

	terms    map[uint32]int32 // term id to posting index
	postings []posting
	freePost []int32

	held    []*batchRecord // oldest first
	spare   []*batchRecord
	byFirst map[*model.Point]*batchRecord // held batches by their first point

	clock int64 // batches trained or aged

	mem memory

	// scratch of the hot loop
	acc     []accum // per slot
	gen     uint32
	touched []int32
	weights []float64
	q       []qterm
}

// New returns a model for o.
func New(o Options) (*Model, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	pcg := rand.NewPCG(o.Seed, o.Seed^0x6a09e667f3bcc909)
	m := &Model{
		opts:    o,
		rng:     rand.New(pcg),
		pcg:     pcg,
		logBeta: math.Log(o.Beta),
		logTab:  make([]float64, logTabSize),
		idSlot:  map[int]int32{},
		terms:   map[uint32]int32{},
		byFirst: map[*model.Point]*batchRecord{},
	}
	m.logTab0 = make([]float64, logTabSize)
	for k := range m.logTab {
		m.logTab[k] = math.Log(float64(k) + o.Beta)
		m.logTab0[k] = math.Log(float64(k))
	}
	m.baseTab = make([]float64, 17)
	for k := 1; k < len(m.baseTab); k++ {
		m.baseTab[k] = m.baseTab[k-1] + m.logTab[k-1]
	}
	m.mem.init(o.Memory)
	return m, nil
}

// Options are the options the model was made with.
func (m *Model) Options() Options { return m.opts }

// Skipped is how many posts Train has been given with no terms (no words
// after tokenizing), which are in no cluster.
func (m *Model) Skipped() int64 { return m.skipped }

// Len is the number of clusters that hold posts.
func (m *Model) Len() int { return len(m.idSlot) }

// Train implements cluster.Clusterer: each post of the batch is placed in
// its most probable cluster, or a new one, by MStream's probability given
// the clusters of the batches held and of the posts placed before it;
// then Sweeps sweeps place the batch's posts again, each against all the
// others (older batches are not moved). With Gibbs, every pass but the
// last draws the cluster by its probability instead. Clusters opened by
// the batch get their ids at the end, from a remembered cluster whose
// words they match or anew; each post's Cluster is set (-1 for a post
// without terms). The batch is held until Forget is given it, and with
// it its points' terms: Train sets their Terms to nil.
func (m *Model) Train(batch []*model.Point) {
	m.clock++
	m.mem.expire(m.clock)
	if len(batch) == 0 {
		return // nothing to hold, nothing to forget
	}
	r := m.record(batch)
	m.held = append(m.held, r)
	active := 0
	for i := range batch {
		if r.off[i] < r.off[i+1] {
			active++
		} else {
			m.skipped++
		}
	}
	if active > 0 {
		// MStream's alpha: the concentration times the posts held,
		// counting the whole new batch.
		logAlpha := math.Log(m.opts.Alpha * float64(m.posts+active))
		vb := float64(len(m.terms)) * m.opts.Beta
		last := m.opts.Sweeps
		for pass := 0; pass <= last; pass++ {
			for i := range batch {
				ts := r.terms[r.off[i]:r.off[i+1]]
				if len(ts) == 0 {
					continue
				}
				own := r.slot[i]
				if own >= 0 {
					m.remove(ts, own)
				}
				s, score := m.choose(ts, vb, logAlpha, pass == last || !m.opts.Gibbs)
				if pass == last {
					r.typ[i] = m.perWord(ts, s, score, logAlpha)
				}
				if s < 0 {
					if own >= 0 && m.slots[own].m == 0 {
						s = own // the emptied cluster is the new one
					} else {
						s = m.open()
					}
				}
				if own >= 0 && own != s && m.slots[own].m == 0 {
					m.kill(own, nil)
				}
				m.add(ts, s)
				r.slot[i] = s
			}
		}
	}
	m.name(r)
	for i, p := range batch {
		if s := r.slot[i]; s >= 0 {
			p.Cluster = m.slots[s].id
		} else {
			p.Cluster = -1
		}
	}
}

// record copies what the model needs of a batch, registering its terms,
// and takes the points' Terms: the record holds them from then on.
func (m *Model) record(batch []*model.Point) *batchRecord {
	var r *batchRecord
	if n := len(m.spare); n > 0 {
		r, m.spare = m.spare[n-1], m.spare[:n-1]
	} else {
		r = &batchRecord{}
	}
	r.points = append(r.points[:0], batch...)
	r.terms, r.off, r.slot, r.typ = r.terms[:0], append(r.off[:0], 0), r.slot[:0], r.typ[:0]
	for _, p := range batch {
		r.terms = m.quantize(r.terms, p.Terms(), true)
		p.SetTerms(nil) // held in r from now on: a window holds millions
		r.off = append(r.off, int32(len(r.terms)))
		r.slot = append(r.slot, -1)
		r.typ = append(r.typ, math.NaN())
	}
	m.byFirst[batch[0]] = r
	return r
}

// quantize appends ts in units to dst, with their postings; register
// makes postings for new terms, otherwise terms no cluster holds get
// posting -1.
func (m *Model) quantize(dst []qterm, ts []model.Term, register bool) []qterm {
	for _, t := range ts {
		w := float64(t.W) * unit
		if !(w >= 0.5) {
			continue // no weight (or not a number): not a term
		}
		w = min(w, maxTermUnits)
		pi, ok := m.terms[t.ID]
		if !ok {
			pi = -1
			if register {
				pi = m.newPosting(t.ID)
			}
		}
		dst = append(dst, qterm{w: int32(math.Round(w)), p: pi})
	}
	return dst
}

func (m *Model) newPosting(id uint32) int32 {
	var pi int32
	if n := len(m.freePost); n > 0 {
		pi, m.freePost = m.freePost[n-1], m.freePost[:n-1]
	} else {
		pi = int32(len(m.postings))
		m.postings = append(m.postings, posting{})
	}
	m.postings[pi].id, m.postings[pi].live = id, true
	m.terms[id] = pi
	return pi
}

// open returns a new empty slot.
func (m *Model) open() int32 {
	var s int32
	if n := len(m.free); n > 0 {
		s, m.free = m.free[n-1], m.free[:n-1]
	} else {
		s = int32(len(m.slots))
		m.slots = append(m.slots, slot{})
		m.acc = append(m.acc, accum{})
	}
	m.slots[s] = slot{id: -1, live: true, born: m.clock}
	return s
}

// kill ends an empty cluster; its id, if it had one, is never used again.
// A cluster with an id is remembered with the terms given (its last
// posts).
func (m *Model) kill(s int32, last []qterm) {
	c := &m.slots[s]
	if c.id >= 0 {
		delete(m.idSlot, c.id)
		if last != nil {
			m.mem.remember(c.id, m.postings, last, m.clock)
		}
	}
	*c = slot{id: -1}
	m.free = append(m.free, s)
}

// add puts a post of terms ts into cluster s.
func (m *Model) add(ts []qterm, s int32) {
	var total int64
	for _, t := range ts {
		p := &m.postings[t.p]
		p.total += int64(t.w)
		total += int64(t.w)
		found := false
		for j := range p.list {
			if p.list[j].slot == s {
				p.list[j].n += int64(t.w)
				found = true
				break
			}
		}
		if !found {
			p.list = append(p.list, entry{slot: s, n: int64(t.w)})
		}
	}
	c := &m.slots[s]
	c.m++
	c.n += total
	m.posts++
}

// remove takes a post of terms ts out of cluster s. Postings left empty
// stay until Forget, so that the posting indices of a batch being trained
// stay valid.
func (m *Model) remove(ts []qterm, s int32) {
	var total int64
	for _, t := range ts {
		p := &m.postings[t.p]
		p.total -= int64(t.w)
		total += int64(t.w)
		for j := range p.list {
			if p.list[j].slot == s {
				if p.list[j].n -= int64(t.w); p.list[j].n == 0 {
					last := len(p.list) - 1
					p.list[j] = p.list[last]
					p.list = p.list[:last]
				}
				break
			}
		}
	}
	c := &m.slots[s]
	c.m--
	c.n -= total
	m.posts--
}

// logCount is log(n/unit + Beta) for a count n in units.
func (m *Model) logCount(n int64) float64 {
	if n%unit == 0 && n < logTabSize*unit {
		return m.logTab[n/unit]
	}
	return math.Log(float64(n)/unit + m.opts.Beta)
}

// scores sets m.touched to the clusters that share a term with the post
// and m.acc[s].v to the part of the log of MStream's weight of the post in
// each that does not depend on the vocabulary's size,
//
//	m_z · Π_w Γ(n_zw+β+c_w)/Γ(n_zw+β) / (Γ(n_z+Vβ+C)/Γ(n_z+Vβ)),
//
// that is, all but the last factor (see exact), less the words' factor
// in a cluster that has none of them, which every choice shares. It
// returns C, the post's weight in words. A cluster that shares no term
// with the post is not a choice: it differs from a new cluster only in
// its size, and the new cluster stands for it.
func (m *Model) scores(ts []qterm) (total float64) {
	m.gen++
	if m.gen == 0 {
		clear(m.acc)
		m.gen = 1
	}
	m.touched = m.touched[:0]
	for _, t := range ts {
		total += float64(t.w)
		if t.p < 0 {
			continue
		}
		list := m.postings[t.p].list
		if t.w == unit {
			for _, e := range list {
				m.accumulate(e.slot, m.logCount(e.n)-m.logBeta)
			}
			continue
		}
		for _, e := range list {
			m.accumulate(e.slot, m.termFactor(e.n, t.w))
		}
	}
	for _, s := range m.touched {
		m.acc[s].v += m.logInt(m.slots[s].m)
	}
	return total / unit
}

// termFactor is log Γ(n+β+c)/Γ(n+β) − log Γ(β+c)/Γ(β) for a count n and a
// weight c in units: from the table for whole words.
func (m *Model) termFactor(n int64, w int32) float64 {
	if w%unit == 0 && n%unit == 0 {
		k, j := int(w/unit), int(n/unit)
		if k < len(m.baseTab) && j+k < logTabSize {
			var f float64
			for _, l := range m.logTab[j : j+k] {
				f += l
			}
			return f - m.baseTab[k]
		}
	}
	beta, c := m.opts.Beta, float64(w)/unit
	return lgd(float64(n)/unit+beta, c) - lgd(beta, c)
}

// logInt is log(k) for k ≥ 1.
func (m *Model) logInt(k int) float64 {
	if k < logTabSize {
		return m.logTab0[k]
	}
	return math.Log(float64(k))
}

func (m *Model) accumulate(s int32, d float64) {
	a := &m.acc[s]
	if a.gen != m.gen {
		*a = accum{v: d, gen: m.gen}
		m.touched = append(m.touched, s)
		return
	}
	a.v += d
}

// exact completes m.acc[s].v from scores with the last factor,
// Γ(n_z+Vβ)/Γ(n_z+Vβ+C), for a post of total words; vb is Vβ.
func (m *Model) exact(s int32, total, vb float64) float64 {
	return m.acc[s].v - lgd(float64(m.slots[s].n)/unit+vb, total)
}

// bound is at least exact(s, total, vb), and cheaper: log Γ(x+C)/Γ(x) ≥
// C·ψ(x) > C·(log x − 1/x) for x = n_z+Vβ, as log Γ is convex; log x −
// 1/x is kept per cluster until its weight changes.
func (m *Model) bound(s int32, total, vb float64) float64 {
	c := &m.slots[s]
	if c.lbN != c.n || c.lbVB != vb {
		x := float64(c.n)/unit + vb
		c.lb, c.lbN, c.lbVB = math.Log(x)-1/x, c.n, vb
	}
	return m.acc[s].v - total*c.lb
}

// cutoff is how far below the most probable choice (in log) a choice is
// never drawn: e⁻¹⁵ is about 3·10⁻⁷ of the most probable's chance, far
// below what a few sweeps can tell.
const cutoff = 15

// choose returns the cluster for a post of terms ts, or -1 for a new one:
// the most probable with greedy, else one drawn by its probability. vb is
// Vβ and logAlpha the log of the new cluster's weight. A cluster whose
// bound is below the best so far (less the cutoff, when drawing) is not
// scored exactly.
func (m *Model) choose(ts []qterm, vb, logAlpha float64, greedy bool) (int32, float64) {
	total := m.scores(ts)
	newScore := logAlpha - lgd(vb, total)
	if len(m.touched) == 0 {
		return -1, newScore
	}
	margin := float64(cutoff)
	if greedy {
		margin = 0
	}
	// Bounds first, then the cluster of the highest bound scored exactly,
	// then only those that might come near it.
	m.weights = m.weights[:0]
	top, tb := 0, math.Inf(-1)
	for j, s := range m.touched {
		b := m.bound(s, total, vb)
		m.weights = append(m.weights, b)
		if b > tb {
			top, tb = j, b
		}
	}
	best, bi := newScore, int32(-1)
	if e := m.exact(m.touched[top], total, vb); e > best {
		best, bi = e, m.touched[top]
	}
	for j, s := range m.touched {
		switch {
		case j == top:
			m.weights[j] = m.exact(s, total, vb)
		case m.weights[j] < best-margin:
			m.weights[j] = math.Inf(-1)
		default:
			e := m.exact(s, total, vb)
			m.weights[j] = e
			if e > best {
				best, bi = e, s
			}
		}
	}
	if greedy {
		return bi, best
	}
	sum := weight(newScore - best)
	for j, e := range m.weights {
		sum += weight(e - best)
		m.weights[j] = sum
	}
	u := m.rng.Float64() * sum
	if u < weight(newScore-best) {
		return -1, math.NaN()
	}
	for j, c := range m.weights {
		if u < c {
			return m.touched[j], math.NaN()
		}
	}
	return bi, math.NaN() // rounding at the very end of the sum
}

// perWord is the log probability per word of a post of terms ts in
// cluster s (-1: a new one), from its score as choose gives it with
// greedy, in a model whose new cluster weighs logAlpha.
func (m *Model) perWord(ts []qterm, s int32, score, logAlpha float64) float64 {
	var base, total float64
	for _, t := range ts {
		total += float64(t.w)
		if k := int(t.w / unit); t.w%unit == 0 && k < len(m.baseTab) {
			base += m.baseTab[k]
		} else {
			base += lgd(m.opts.Beta, float64(t.w)/unit)
		}
	}
	if s >= 0 {
		score -= m.logInt(m.slots[s].m)
	} else {
		score -= logAlpha
	}
	return (score + base) / (total / unit)
}

// weight is exp(d) for d ≤ 0, or 0 below the cutoff.
func weight(d float64) float64 {
	if d < -cutoff {
		return 0
	}
	return math.Exp(d)
}

// lgd returns log Γ(x+c) − log Γ(x), for x > 0 and c ≥ 0: the log of
// x(x+1)…(x+c−1) for a whole c.
func lgd(x, c float64) float64 {
	k := int(c)
	var r float64
	if f := c - float64(k); f > 0 {
		a, _ := math.Lgamma(x + f)
		b, _ := math.Lgamma(x)
		r = a - b
		x += f
	}
	p := 1.0
	for j := 0; j < k; j++ {
		p *= x + float64(j)
		if p > 1e250 {
			r += math.Log(p)
			p = 1
		}
	}
	return r + math.Log(p)
}

// name gives ids to the clusters the batch opened: a remembered id whose
// words match, or a new one.
func (m *Model) name(r *batchRecord) {
	fresh := m.touched[:0] // scratch: Train is done with it
	for _, s := range r.slot {
		if s >= 0 && m.slots[s].id < 0 {
			fresh = append(fresh, s)
		}
	}
	slices.Sort(fresh)
	fresh = slices.Compact(fresh)
	m.touched = fresh
	ids := m.mem.revive(m, r, fresh)
	for j, s := range fresh {
		id := -1
		if ids != nil {
			id = ids[j]
		}
		if id < 0 {
			id = m.nextID
			m.nextID++
		}
		m.slots[s].id = id
		m.idSlot[id] = s
	}
}

// Forget implements cluster.Clusterer: the batch's posts leave their
// clusters exactly, and a cluster left with no posts ends. A batch the
// model does not hold is ignored.
func (m *Model) Forget(batch []*model.Point) {
	if len(batch) == 0 {
		return
	}
	at := -1
	for i, r := range m.held {
		if slices.Equal(r.points, batch) {
			at = i
			break
		}
	}
	if at < 0 {
		return
	}
	r := m.held[at]
	m.held = slices.Delete(m.held, at, at+1)
	if m.byFirst[r.points[0]] == r {
		delete(m.byFirst, r.points[0])
	}
	for i, s := range r.slot {
		if s >= 0 {
			m.remove(r.terms[r.off[i]:r.off[i+1]], s)
		}
	}
	// Clusters left empty end, remembered by their last posts.
	for i, s := range r.slot {
		if s < 0 || m.slots[s].m != 0 || !m.slots[s].live {
			continue
		}
		var last []qterm
		if m.opts.Memory > 0 {
			m.q = m.q[:0]
			for j := i; j < len(r.slot); j++ {
				if r.slot[j] == s {
					m.q = append(m.q, r.terms[r.off[j]:r.off[j+1]]...)
				}
			}
			last = m.q
		}
		m.kill(s, last)
	}
	for _, t := range r.terms {
		if p := &m.postings[t.p]; p.total == 0 && p.live {
			delete(m.terms, p.id)
			p.list, p.live = p.list[:0], false
			m.freePost = append(m.freePost, t.p)
		}
	}
	clear(r.terms) // no stale posting indices
	clear(r.points)
	m.spare = append(m.spare, r)
}

// Age implements cluster.Clusterer: n empty batches passed, which ages
// the remembered clusters.
func (m *Model) Age(n int64) {
	if n <= 0 {
		return
	}
	m.clock += n
	m.mem.expire(m.clock)
}

// Assign implements cluster.Clusterer. A point of a batch the model holds
// is in the cluster Train put it in, which lives as long as the batch is
// held; its score is its log probability per word in that cluster when
// Train last placed it (each post against the others of its cluster).
// Batches are found as runs of points in the order Train was given them,
// as a window lists them, whole or in part. Any other point with terms goes to its most
// probable cluster among those that share a term with it (-1 if none) and
// scores its log probability per word under that cluster's words; a point
// without terms gets -1. A point in no cluster scores NaN.
func (m *Model) Assign(points []*model.Point, scores []float64) {
	vb := float64(len(m.terms)) * m.opts.Beta
	searched := false
	for i := 0; i < len(points); {
		r, j := m.byFirst[points[i]], 0
		if r == nil && !searched && points[i].Terms() == nil {
			// A run that starts inside a batch (a window cut in parts):
			// found once, as the batches' terms are theirs alone.
			r, j = m.holding(points[i])
			searched = r == nil
		}
		if r != nil {
			n := 0
			for ; j+n < len(r.points) && i+n < len(points) && points[i+n] == r.points[j+n]; n++ {
				p := points[i+n]
				p.Cluster = -1
				if s := r.slot[j+n]; s >= 0 {
					p.Cluster = m.slots[s].id
				}
				if scores != nil {
					scores[i+n] = r.typ[j+n]
				}
			}
			if n > 0 {
				i += n
				continue
			}
		}
		p := points[i]
		s := int32(-1)
		terms := p.Terms()
		if len(terms) > 0 {
			m.q = m.quantize(m.q[:0], terms, false)
			total := m.scores(m.q)
			best := math.Inf(-1)
			for _, t := range m.touched {
				if e := m.exact(t, total, vb); e > best {
					best, s = e, t
				}
			}
		}
		p.Cluster = -1
		if scores != nil {
			scores[i] = math.NaN()
		}
		if s >= 0 {
			p.Cluster = m.slots[s].id
			if scores != nil {
				scores[i] = m.typicality(terms, s, vb)
			}
		}
		i++
	}
}

// holding returns the held batch that holds p, and p's place in it.
func (m *Model) holding(p *model.Point) (*batchRecord, int) {
	for _, r := range m.held {
		if j := slices.Index(r.points, p); j >= 0 {
			return r, j
		}
	}
	return nil, 0
}

// typicality is the mean log probability per word of terms under cluster
// s's word distribution.
func (m *Model) typicality(ts []model.Term, s int32, vb float64) float64 {
	c := &m.slots[s]
	logDen := math.Log(float64(c.n)/unit + vb)
	var sum, total float64
	for _, t := range ts {
		w := float64(t.W)
		if !(w > 0) {
			continue
		}
		var n int64
		if pi, ok := m.terms[t.ID]; ok {
			for _, e := range m.postings[pi].list {
				if e.slot == s {
					n = e.n
					break
				}
			}
		}
		sum += w * (m.logCount(n) - logDen)
		total += w
	}
	if total == 0 {
		return math.NaN()
	}
	return sum / total
}

// Clusters implements cluster.Clusterer: the clusters that hold posts, by
// id. Clusters are never split or merged, so From is always empty.
func (m *Model) Clusters() []model.Lineage {
	out := make([]model.Lineage, 0, len(m.idSlot))
	for id := range m.idSlot {
		out = append(out, model.Lineage{ID: id})
	}
	slices.SortFunc(out, func(a, b model.Lineage) int { return a.ID - b.ID })
	return out
}
