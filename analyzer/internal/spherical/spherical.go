// Package spherical is streaming spherical k-means for tweets. A tweet is
// up to three blocks, each of unit length: its words as a sparse hashed
// TF-IDF vector, optionally the mean of its word vectors, and its place as
// a point on the unit sphere. A cluster is the decayed sum of its tweets,
// block by block, and a tweet goes to the cluster whose blocks point most
// its way: the weighted sum of the blocks' cosines.
//
// This is Spark's streaming k-means with the distance that suits sparse
// text. With Euclidean distances a centre that averages many tweets gets
// shorter than any one tweet, since their words rarely overlap; it is then
// nearer to every new tweet than a centre of few, and one cluster takes the
// whole stream. Cosines compare directions only. Each batch is assigned
// and re-assigned a few times against the centres it moves (mini-batch
// Lloyd from the decayed state), and clusters that fade or a cluster that
// takes most of a batch are re-seeded, as scikit-learn's MiniBatchKMeans
// re-assigns its low-count centres.
package spherical

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/field"
)

// Point is what the model knows of a tweet. Terms and Dense are of unit
// length or empty; Geo is a unit vector.
type Point struct {
	Terms []model.Term
	Dense []float32
	Geo   [3]float32
}

// Defaults for Options fields left zero.
const (
	DefaultBuckets        = 1 << 17
	DefaultIterations     = 3
	DefaultInitIterations = 10
	DefaultReassign       = 0.01
	DefaultMaxShare       = 0.5
)

// Options configures a Model. Zero values take the defaults above.
type Options struct {
	K     int
	Decay float64 // weight kept per batch, in [0, 1]
	// Buckets is the dimension of the hashed text vectors (a power of two).
	Buckets int
	// DenseDim is the length of Point.Dense (0: no dense block).
	DenseDim int
	// Text, Dense and Geo weigh each block's cosine in a tweet's score.
	Text, Dense, Geo float64
	// Iterations is how many times a batch is assigned, each time against
	// the centres as the batch's assignment so far has moved them (1: only
	// against the centres before the batch, as Spark does).
	Iterations int
	// InitIterations is how many Lloyd passes refine the seeding of the
	// first batch.
	InitIterations int
	// Reassign: a cluster whose weight falls below this share of the
	// largest weight is re-seeded from a tweet the others serve badly.
	Reassign float64
	// MaxShare: a cluster that takes more than this share of a batch is
	// split in two, taking the weakest cluster's place.
	MaxShare float64
	// MinInit is the number of points needed to seed the model (at least
	// K); points before that are kept.
	MinInit int
	Seed    uint64
}

// DefaultOptions are the values zero fields take (K, Decay and the
// weights are the caller's).
func DefaultOptions() Options {
	o := Options{}
	o.fill()
	return o
}

// Validate checks the options.
func (o *Options) Validate() error {
	switch {
	case o.K < 1:
		return field.Errorf("K", "must be at least 1")
	case !(o.Decay >= 0 && o.Decay <= 1):
		return field.Errorf("Decay", "must be in [0, 1]")
	case o.Buckets != 0 && (o.Buckets < 0 || o.Buckets&(o.Buckets-1) != 0):
		return field.Errorf("Buckets", "(%d) must be a power of two", o.Buckets)
	case o.DenseDim < 0:
		return field.Errorf("DenseDim", "must not be negative")
	case !(o.Text >= 0 && o.Dense >= 0 && o.Geo >= 0) || o.Text+o.Dense+o.Geo == 0 || math.IsInf(o.Text+o.Dense+o.Geo, 0):
		return field.Errorsf([]string{"Text", "Dense", "Geo"}, "must be finite, not negative, and not all zero")
	case o.Iterations < 0:
		return field.Errorf("Iterations", "must not be negative")
	case o.InitIterations < 0:
		return field.Errorf("InitIterations", "must not be negative")
	case !(o.Reassign >= 0 && o.Reassign < 1):
		return field.Errorf("Reassign", "must be in [0, 1)")
	case !(o.MaxShare >= 0 && o.MaxShare <= 1):
		return field.Errorf("MaxShare", "must be in [0, 1]")
	}
	return nil
}

func (o *Options) fill() {
	if o.Buckets == 0 {
		o.Buckets = DefaultBuckets
	}
	if o.Iterations == 0 {
		o.Iterations = DefaultIterations
	}
	if o.InitIterations == 0 {
		o.InitIterations = DefaultInitIterations
	}
	if o.Reassign == 0 {
		o.Reassign = DefaultReassign
	}
	if o.MaxShare == 0 {
		o.MaxShare = DefaultMaxShare
	}
	o.MinInit = max(o.MinInit, o.K)
}

// Model is a streaming spherical k-means model. It is not safe for
// concurrent use, but Predict and Score only read it.
type Model struct {
	o   Options
	k   int
	pcg *rand.PCG // rng's source, kept for checkpoints
	rng *rand.Rand

	// Text sums, bucket-major (text[h*k+j] is bucket h of cluster j), in
	// units of tscale[j]: cluster j's true sum is tscale[j]*text[·*k+j], so
	// decaying a cluster costs one multiplication. tnorm2[j] is the squared
	// norm of the stored column.
	text   []float32
	tscale []float64
	tnorm2 []float64
	nz     [][]uint32  // buckets each column has set since it was last cleared
	dense  [][]float64 // dense sums, one row per cluster
	geo    [][3]float64
	w      []float64 // decayed counts

	// Unit centres for scoring, refreshed after every change.
	denseU [][]float32
	geoU   [][3]float32

	pending []Point
	ready   bool

	// Each slot's generation, counted up whenever the slot is seeded
	// afresh, and the slot it was last split from (-1: none), so that
	// callers can tell a new cluster from an old one in the same slot.
	gen  []uint32
	from []int

	// Batch scratch: the batch's own sums (same layout as text), the
	// buckets it touched, and per-cluster counts.
	bt      []float32
	touched []uint32
	seen    []bool // per bucket: in touched
	bdense  [][]float64
	bgeo    [][3]float64
	bcount  []int
	scores  []float64
	ba      []float64 // per cluster: the factor of the stored column in a batch centre
	binv    []float64 // per cluster: Text / the batch centre's text norm
}

// New returns a model; the first MinInit points it is given seed it.
func New(o Options) (*Model, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.fill()
	k := o.K
	m := &Model{o: o, k: k, pcg: rand.NewPCG(o.Seed, 0x5deece66d)}
	m.rng = rand.New(m.pcg)
	m.text = make([]float32, o.Buckets*k)
	m.bt = make([]float32, o.Buckets*k)
	m.seen = make([]bool, o.Buckets)
	m.tscale = make([]float64, k)
	m.tnorm2 = make([]float64, k)
	m.w = make([]float64, k)
	m.geo = make([][3]float64, k)
	m.geoU = make([][3]float32, k)
	m.bgeo = make([][3]float64, k)
	m.bcount = make([]int, k)
	m.scores = make([]float64, k)
	m.ba = make([]float64, k)
	m.binv = make([]float64, k)
	m.nz = make([][]uint32, k)
	m.dense = make([][]float64, k)
	m.bdense = make([][]float64, k)
	m.denseU = make([][]float32, k)
	m.gen = make([]uint32, k)
	m.from = make([]int, k)
	for j := range k {
		m.from[j] = -1
		m.tscale[j] = 1
		m.dense[j] = make([]float64, o.DenseDim)
		m.bdense[j] = make([]float64, o.DenseDim)
		m.denseU[j] = make([]float32, o.DenseDim)
	}
	return m, nil
}

// K is the number of clusters.
func (m *Model) K() int { return m.k }

// Ready reports whether the model has been seeded.
func (m *Model) Ready() bool { return m.ready }

// Slot reports slot j's generation, which changes whenever the slot is
// seeded afresh (0: never seeded), and the slot its cluster was split
// from when it was (-1: none).
func (m *Model) Slot(j int) (gen uint32, from int) { return m.gen[j], m.from[j] }

// Weights returns a copy of the clusters' decayed counts.
func (m *Model) Weights() []float64 { return slices.Clone(m.w) }

// Predict returns the cluster that scores p highest (ties: the lowest
// index), or -1 before the model is seeded.
func (m *Model) Predict(p *Point) int {
	j, _ := m.Nearest(p, m.scores)
	return j
}

// Nearest is Predict with a scratch buffer of the caller's, which it
// returns grown to K: goroutines that each pass their own may call it at
// once, as long as none trains the model.
func (m *Model) Nearest(p *Point, buf []float64) (int, []float64) {
	if !m.ready {
		return -1, buf
	}
	buf = m.score(p, buf[:0], false)
	j, _ := best(buf)
	return j, buf
}

// Score fills dst (grown to K) with p's score for every cluster and
// returns it: the weighted sum of its blocks' cosines with the centres.
func (m *Model) Score(p *Point, dst []float64) []float64 {
	return m.score(p, dst[:0], false)
}

// best returns the index of the highest score (ties: the lowest) and it.
func best(s []float64) (int, float64) {
	bj, bs := 0, math.Inf(-1)
	for j, v := range s {
		if v > bs {
			bj, bs = j, v
		}
	}
	return bj, bs
}

// score appends p's scores to dst. With batch set, each centre is the
// decayed state plus the batch sums gathered so far.
func (m *Model) score(p *Point, dst []float64, batch bool) []float64 {
	k := m.k
	dst = slices.Grow(dst, k)[:k]
	clear(dst)
	o := &m.o
	if o.Text > 0 && len(p.Terms) > 0 {
		if !batch {
			for _, t := range p.Terms {
				row := m.text[int(t.ID)*k : int(t.ID)*k+k]
				for j, v := range row {
					dst[j] += float64(t.W * v)
				}
			}
			for j := range dst {
				if m.tnorm2[j] > 0 {
					dst[j] *= o.Text / math.Sqrt(m.tnorm2[j])
				}
			}
		} else {
			m.batchText(p, dst)
		}
	}
	if o.Dense > 0 && len(p.Dense) > 0 {
		for j := range k {
			var s float32
			c := m.denseU[j]
			for i, v := range p.Dense {
				s += v * c[i]
			}
			dst[j] += o.Dense * float64(s)
		}
	}
	if o.Geo > 0 {
		for j := range k {
			g := &m.geoU[j]
			dst[j] += o.Geo * float64(p.Geo[0]*g[0]+p.Geo[1]*g[1]+p.Geo[2]*g[2])
		}
	}
	return dst
}

// Update trains the model on one batch, which may be empty. Until the
// model is seeded, points are kept (the slices they hold must not change)
// and seed it once MinInit have come: k-means++ picks K of them, then
// InitIterations Lloyd passes refine the clusters on all of them.
func (m *Model) Update(batch []Point) {
	if !m.ready {
		m.pending = append(m.pending, batch...)
		if len(m.pending) < m.o.MinInit {
			return
		}
		pts := m.pending
		m.pending = nil
		m.seed(pts)
		m.train(pts, 0, m.o.InitIterations)
		m.ready = true
		return
	}
	m.train(batch, m.o.Decay, m.o.Iterations)
}

// DecayEmpty ages the model by n empty batches.
func (m *Model) DecayEmpty(n int64) {
	if !m.ready || n <= 0 {
		return
	}
	d := math.Pow(m.o.Decay, float64(n))
	for j := range m.k {
		m.w[j] *= d
		m.tscale[j] *= d
		for i := range m.dense[j] {
			m.dense[j][i] *= d
		}
		for i := range 3 {
			m.geo[j][i] *= d
		}
		m.renormalize(j)
	}
	m.refreshUnits()
}

// assignment is a batch's state during training.
type assignment struct {
	c      []int     // cluster of each point
	second []int     // its runner-up
	best   []float64 // its score there
}

// train runs the assignment passes over pts against the state decayed by
// d, repairs weak and overgrown clusters, and commits.
func (m *Model) train(pts []Point, d float64, iters int) {
	a := assignment{c: make([]int, len(pts)), second: make([]int, len(pts)), best: make([]float64, len(pts))}
	for it := range max(iters, 1) {
		batch := it > 0
		if batch {
			m.batchCentres(d)
		}
		changed := 0
		for i := range pts {
			s := m.score(&pts[i], m.scores[:0], batch)
			j, sj := best(s)
			second := -1
			for jj, v := range s {
				if jj != j && (second < 0 || v > s[second]) {
					second = jj
				}
			}
			if it == 0 || j != a.c[i] {
				changed++
			}
			a.c[i], a.second[i], a.best[i] = j, second, sj
		}
		m.gather(pts, a.c)
		if it > 0 && changed == 0 {
			break
		}
	}
	if len(pts) > 0 && m.repair(pts, &a, d) {
		m.gather(pts, a.c)
	}
	m.commit(d)
	m.refreshUnits()
}

// gather sums the batch's points by cluster into the batch scratch.
func (m *Model) gather(pts []Point, c []int) {
	k := m.k
	for _, h := range m.touched {
		clear(m.bt[int(h)*k : int(h)*k+k])
		m.seen[h] = false
	}
	m.touched = m.touched[:0]
	for j := range k {
		clear(m.bdense[j])
		m.bgeo[j] = [3]float64{}
		m.bcount[j] = 0
	}
	for i := range pts {
		p, j := &pts[i], c[i]
		for _, t := range p.Terms {
			if !m.seen[t.ID] {
				m.seen[t.ID] = true
				m.touched = append(m.touched, t.ID)
			}
			m.bt[int(t.ID)*k+j] += t.W
		}
		bd := m.bdense[j]
		for i, v := range p.Dense {
			bd[i] += float64(v)
		}
		for i := range 3 {
			m.bgeo[j][i] += float64(p.Geo[i])
		}
		m.bcount[j]++
	}
}

// batchCentres makes the scoring centres the decayed state plus the
// batch sums gathered so far.
func (m *Model) batchCentres(d float64) {
	k := m.k
	cross := make([]float64, k)
	bn2 := make([]float64, k)
	for _, h := range m.touched {
		row, brow := m.text[int(h)*k:int(h)*k+k], m.bt[int(h)*k:int(h)*k+k]
		for j, b := range brow {
			if b != 0 {
				cross[j] += float64(row[j]) * float64(b)
				bn2[j] += float64(b) * float64(b)
			}
		}
	}
	for j := range k {
		a := d * m.tscale[j]
		m.ba[j] = a
		n2 := a*a*m.tnorm2[j] + 2*a*cross[j] + bn2[j]
		m.binv[j] = 0
		if n2 > 1e-300 {
			m.binv[j] = m.o.Text / math.Sqrt(n2)
		}
		unitInto(m.denseU[j], m.dense[j], m.bdense[j], d)
		g := [3]float64{d*m.geo[j][0] + m.bgeo[j][0], d*m.geo[j][1] + m.bgeo[j][1], d*m.geo[j][2] + m.bgeo[j][2]}
		m.geoU[j] = unit3(g)
	}
}

// batchText adds p's text scores against the batch centres to dst.
func (m *Model) batchText(p *Point, dst []float64) {
	k := m.k
	for _, t := range p.Terms {
		row, brow := m.text[int(t.ID)*k:int(t.ID)*k+k], m.bt[int(t.ID)*k:int(t.ID)*k+k]
		w := float64(t.W)
		for j := range dst {
			dst[j] += w * (m.ba[j]*float64(row[j]) + float64(brow[j]))
		}
	}
	for j := range dst {
		dst[j] *= m.binv[j]
	}
}

// unitInto sets dst to the unit vector along d*a + b (zero if that is).
func unitInto(dst []float32, a, b []float64, d float64) {
	var n2 float64
	for i := range a {
		v := d*a[i] + b[i]
		n2 += v * v
	}
	if n2 <= 1e-300 {
		clear(dst)
		return
	}
	inv := 1 / math.Sqrt(n2)
	for i := range a {
		dst[i] = float32((d*a[i] + b[i]) * inv)
	}
}

func unit3(g [3]float64) [3]float32 {
	n := math.Sqrt(g[0]*g[0] + g[1]*g[1] + g[2]*g[2])
	if n <= 1e-300 {
		return [3]float32{}
	}
	return [3]float32{float32(g[0] / n), float32(g[1] / n), float32(g[2] / n)}
}

// commit folds the batch sums into the state decayed by d.
func (m *Model) commit(d float64) {
	k := m.k
	for j := range k {
		m.w[j] = d*m.w[j] + float64(m.bcount[j])
		for i := range m.dense[j] {
			m.dense[j][i] = d*m.dense[j][i] + m.bdense[j][i]
		}
		for i := range 3 {
			m.geo[j][i] = d*m.geo[j][i] + m.bgeo[j][i]
		}
		if d == 0 {
			m.clearText(j)
		} else {
			m.tscale[j] *= d
		}
	}
	for _, h := range m.touched {
		row, brow := m.text[int(h)*k:int(h)*k+k], m.bt[int(h)*k:int(h)*k+k]
		for j, b := range brow {
			if b == 0 {
				continue
			}
			old := row[j]
			nv := old + float32(float64(b)/m.tscale[j])
			if old == 0 {
				m.nz[j] = append(m.nz[j], h)
			}
			row[j] = nv
			m.tnorm2[j] += float64(nv)*float64(nv) - float64(old)*float64(old)
		}
	}
	for j := range k {
		m.renormalize(j)
	}
}

// clearText empties cluster j's text column.
func (m *Model) clearText(j int) {
	for _, h := range m.nz[j] {
		m.text[int(h)*m.k+j] = 0
	}
	m.nz[j] = m.nz[j][:0]
	m.tscale[j], m.tnorm2[j] = 1, 0
}

// renormalize folds a small scale back into column j before float32 runs
// out of range, drops buckets that have faded to nothing, and recomputes
// the column's norm exactly.
func (m *Model) renormalize(j int) {
	if m.tscale[j] >= 1e-6 {
		return
	}
	s := m.tscale[j]
	var n2, peak float64
	for _, h := range m.nz[j] {
		v := float64(m.text[int(h)*m.k+j]) * s
		peak = max(peak, math.Abs(v))
	}
	kept := m.nz[j][:0]
	for _, h := range m.nz[j] {
		i := int(h)*m.k + j
		v := float64(m.text[i]) * s
		if math.Abs(v) <= 1e-7*peak || peak == 0 {
			m.text[i] = 0
			continue
		}
		m.text[i] = float32(v)
		n2 += v * v
		kept = append(kept, h)
	}
	m.nz[j] = kept
	m.tscale[j], m.tnorm2[j] = 1, n2
}

// refreshUnits makes the scoring centres the committed state.
func (m *Model) refreshUnits() {
	for j := range m.k {
		unitInto(m.denseU[j], m.dense[j], m.dense[j], 0)
		m.geoU[j] = unit3(m.geo[j])
	}
}

// wsum is the highest score a tweet can have: every block's weight.
func (m *Model) wsum() float64 { return m.o.Text + m.o.Dense + m.o.Geo }

// similarity is the score of p against a cluster holding only q. Terms
// are sorted by ID (see Point).
func (m *Model) similarity(p, q *Point) float64 {
	var s float64
	if m.o.Text > 0 {
		var t float64
		a, b := p.Terms, q.Terms
		for len(a) > 0 && len(b) > 0 {
			switch {
			case a[0].ID < b[0].ID:
				a = a[1:]
			case a[0].ID > b[0].ID:
				b = b[1:]
			default:
				t += float64(a[0].W * b[0].W)
				a, b = a[1:], b[1:]
			}
		}
		s += m.o.Text * t
	}
	if m.o.Dense > 0 && len(p.Dense) > 0 && len(q.Dense) == len(p.Dense) {
		var t float32
		for i, v := range p.Dense {
			t += v * q.Dense[i]
		}
		s += m.o.Dense * float64(t)
	}
	return s + m.o.Geo*float64(p.Geo[0]*q.Geo[0]+p.Geo[1]*q.Geo[1]+p.Geo[2]*q.Geo[2])
}

// seed picks K of pts by greedy k-means++ (2 + ln K candidates a step, as
// scikit-learn does), each becoming a cluster of one.
func (m *Model) seed(pts []Point) {
	k, n, top := m.k, len(pts), m.wsum()
	dist := func(p, q *Point) float64 { return max(0, top-m.similarity(p, q)) }
	chosen := []int{m.rng.IntN(n)}
	d := make([]float64, n)
	for i := range pts {
		d[i] = dist(&pts[i], &pts[chosen[0]])
	}
	trials := 2 + int(math.Log(float64(k)))
	cand, best := make([]float64, n), make([]float64, n)
	for len(chosen) < k {
		var total float64
		for _, v := range d {
			total += v
		}
		if total <= 0 {
			chosen = append(chosen, chosen[len(chosen)-1]) // fewer distinct points than K
			continue
		}
		bi, bpot := -1, math.Inf(1)
		for range trials {
			x := m.rng.Float64() * total
			idx := n - 1
			for i, v := range d {
				if x < v {
					idx = i
					break
				}
				x -= v
			}
			var pot float64
			for i := range pts {
				cand[i] = min(d[i], dist(&pts[i], &pts[idx]))
				pot += cand[i]
			}
			if pot < bpot {
				bi, bpot = idx, pot
				copy(best, cand)
			}
		}
		chosen = append(chosen, bi)
		copy(d, best)
	}
	c := make([]int, n)
	for i := range c {
		c[i] = -1
	}
	seeds := make([]Point, k)
	for j, i := range chosen {
		seeds[j] = pts[i]
		c[j] = j
	}
	for j := range k {
		m.clearText(j)
		m.gen[j]++
		m.from[j] = -1
	}
	m.gather(seeds, c[:k])
	m.commit(0)
	m.refreshUnits()
}

// repair frees clusters that have faded below Reassign of the largest
// weight, and the weakest cluster when one takes more than MaxShare of
// the batch, and gives each freed place to one half of the cluster that
// serves its tweets worst, split in two. It reports whether it moved any
// point.
func (m *Model) repair(pts []Point, a *assignment, d float64) bool {
	k, n := m.k, len(pts)
	if k < 2 {
		return false
	}
	next := make([]float64, k)
	maxw := 0.0
	for j := range k {
		next[j] = d*m.w[j] + float64(m.bcount[j])
		maxw = max(maxw, next[j])
	}
	slot := make([]bool, k)
	var slots []int
	for j := range k {
		if next[j] < m.o.Reassign*maxw {
			slot[j] = true
			slots = append(slots, j)
		}
	}
	g := 0
	for j := range k {
		if m.bcount[j] > m.bcount[g] {
			g = j
		}
	}
	if len(slots) == 0 && float64(m.bcount[g]) > m.o.MaxShare*float64(n) && m.bcount[g] >= 2 {
		w := -1
		for j := range k {
			if j != g && (w < 0 || next[j] < next[w]) {
				w = j
			}
		}
		slot[w] = true
		slots = append(slots, w)
	}
	if len(slots) == 0 {
		return false
	}
	top := m.wsum()
	cost := make([]float64, k)
	members := make([]int, k)
	for i := range pts {
		if slot[a.c[i]] {
			a.c[i] = a.second[i]
			if slot[a.c[i]] {
				a.c[i] = g
			}
		}
		cost[a.c[i]] += top - a.best[i]
		members[a.c[i]]++
	}
	for _, j := range slots {
		m.clearText(j)
		m.gen[j]++
		m.from[j] = -1
		m.w[j] = 0
		clear(m.dense[j])
		m.geo[j] = [3]float64{}
	}
	for _, s := range slots {
		c := -1
		for j := range k {
			if !slot[j] && members[j] >= 2 && (c < 0 || cost[j] > cost[c]) {
				c = j
			}
		}
		if c < 0 {
			break
		}
		moved := m.split(pts, a, c, s)
		m.from[s] = c
		members[s], members[c] = moved, members[c]-moved
		cost[s], cost[c] = cost[c]/2, cost[c]/2
		slot[s] = false
	}
	return true
}

// centroid is a cluster of a few points, for splitting.
type centroid struct {
	text  map[uint32]float64
	dense []float64
	geo   [3]float64
	tn    float64 // 1/|text|
	dn    float64 // 1/|dense|
	gn    float64 // 1/|geo|
}

func (c *centroid) reset(dim int) {
	if c.text == nil {
		c.text = map[uint32]float64{}
	}
	clear(c.text)
	if len(c.dense) != dim {
		c.dense = make([]float64, dim)
	}
	clear(c.dense)
	c.geo = [3]float64{}
}

func (c *centroid) add(p *Point) {
	for _, t := range p.Terms {
		c.text[t.ID] += float64(t.W)
	}
	for i, v := range p.Dense {
		c.dense[i] += float64(v)
	}
	for i := range 3 {
		c.geo[i] += float64(p.Geo[i])
	}
}

func inv(n2 float64) float64 {
	if n2 <= 1e-300 {
		return 0
	}
	return 1 / math.Sqrt(n2)
}

func (c *centroid) finish() {
	var t, d float64
	for _, v := range c.text {
		t += v * v
	}
	for _, v := range c.dense {
		d += v * v
	}
	c.tn, c.dn = inv(t), inv(d)
	c.gn = inv(c.geo[0]*c.geo[0] + c.geo[1]*c.geo[1] + c.geo[2]*c.geo[2])
}

func (m *Model) centroidScore(c *centroid, p *Point) float64 {
	var t, d float64
	for _, x := range p.Terms {
		t += float64(x.W) * c.text[x.ID]
	}
	for i, v := range p.Dense {
		d += float64(v) * c.dense[i]
	}
	g := float64(p.Geo[0])*c.geo[0] + float64(p.Geo[1])*c.geo[1] + float64(p.Geo[2])*c.geo[2]
	return m.o.Text*t*c.tn + m.o.Dense*d*c.dn + m.o.Geo*g*c.gn
}

// split cuts cluster c's points of this batch in two by spherical 2-means,
// started from the point c serves worst and the one least like it, and
// moves the half with the worst-served point to cluster s. It returns how
// many points moved.
func (m *Model) split(pts []Point, a *assignment, c, s int) int {
	var idx []int
	for i := range pts {
		if a.c[i] == c {
			idx = append(idx, i)
		}
	}
	if len(idx) < 2 {
		return 0
	}
	far := idx[0]
	for _, i := range idx {
		if a.best[i] < a.best[far] {
			far = i
		}
	}
	other := -1
	lo := math.Inf(1)
	for _, i := range idx {
		if i == far {
			continue
		}
		if v := m.similarity(&pts[i], &pts[far]); v < lo {
			other, lo = i, v
		}
	}
	side := make([]bool, len(idx)) // true: goes to s
	var cs [2]centroid
	for r := range cs {
		cs[r].reset(m.o.DenseDim)
	}
	cs[1].add(&pts[far])
	cs[0].add(&pts[other])
	cs[0].finish()
	cs[1].finish()
	for range 5 {
		changed := false
		for n, i := range idx {
			to := m.centroidScore(&cs[1], &pts[i]) > m.centroidScore(&cs[0], &pts[i])
			if i == far {
				to = true
			}
			if to != side[n] {
				side[n], changed = to, true
			}
		}
		if !changed {
			break
		}
		cs[0].reset(m.o.DenseDim)
		cs[1].reset(m.o.DenseDim)
		for n, i := range idx {
			if side[n] {
				cs[1].add(&pts[i])
			} else {
				cs[0].add(&pts[i])
			}
		}
		cs[0].finish()
		cs[1].finish()
	}
	moved := 0
	for n, i := range idx {
		if side[n] {
			a.c[i] = s
			moved++
		}
	}
	if moved == len(idx) { // keep c alive with the point most unlike far
		for n, i := range idx {
			if i == other {
				side[n] = false
				a.c[i] = c
				moved--
			}
		}
	}
	return moved
}
