package dmm

import (
	"cmp"
	"math"
	"slices"
)

// memoryTerms is how many of its heaviest terms a remembered cluster
// keeps, and maxRemembered how many clusters are remembered at most (the
// oldest are forgotten first), so that the memory is bounded whatever the
// stream.
const (
	memoryTerms   = 32
	maxRemembered = 1 << 16
)

// weighted is a term and its weight.
type weighted struct {
	id uint32
	w  float64
}

// remembered is a cluster whose posts have all left the window.
type remembered struct {
	id    int
	until int64 // forgotten once the clock passes this
	terms []weighted
	norm  float64
	gone  bool // revived
}

// memory holds the clusters that ended within the last ttl batches, by
// the terms of their last posts, so that a topic that comes back gets its
// id back. A remembered cluster plays no part in the sampling; only ids
// are matched.
type memory struct {
	ttl   int
	queue []remembered // by the time they ended
	head  int          // queue[head:] are remembered
	base  int64        // sequence number of queue[0]
	index map[uint32][]int64

	// scratch
	dot   map[int64]float64
	vec   []weighted
	pairs []match
	order []int32
}

// match is a candidate pair: a new cluster (by its place in the list
// given to revive) and a remembered one (by sequence number).
type match struct {
	fresh int
	seq   int64
	cos   float64
}

func (mm *memory) init(ttl int) {
	mm.ttl = ttl
	mm.index = map[uint32][]int64{}
	mm.dot = map[int64]float64{}
}

// Len is how many clusters are remembered.
func (mm *memory) Len() int { return len(mm.queue) - mm.head }

// remember keeps cluster id by the terms of its last posts (their
// postings in ps), until clock + ttl.
func (mm *memory) remember(id int, ps []posting, ts []qterm, clock int64) {
	if mm.ttl == 0 || len(ts) == 0 {
		return
	}
	vec := mm.vector(ps, ts)
	slices.SortFunc(vec, func(a, b weighted) int {
		if c := cmp.Compare(b.w, a.w); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	vec = vec[:min(len(vec), memoryTerms)]
	r := remembered{id: id, until: clock + int64(mm.ttl), terms: slices.Clone(vec)}
	for _, t := range r.terms {
		r.norm += t.w * t.w
	}
	r.norm = math.Sqrt(r.norm)
	if mm.Len() == maxRemembered {
		mm.drop()
	}
	seq := mm.base + int64(len(mm.queue))
	mm.queue = append(mm.queue, r)
	for _, t := range r.terms {
		mm.index[t.id] = append(mm.index[t.id], seq)
	}
}

// vector merges ts, whose postings are in ps, into one weight per term
// (in mm.vec).
func (mm *memory) vector(ps []posting, ts []qterm) []weighted {
	mm.vec = mm.vec[:0]
	for _, t := range ts {
		mm.vec = append(mm.vec, weighted{ps[t.p].id, float64(t.w) / unit})
	}
	slices.SortFunc(mm.vec, func(a, b weighted) int { return cmp.Compare(a.id, b.id) })
	out := mm.vec[:0]
	for _, t := range mm.vec {
		if n := len(out); n > 0 && out[n-1].id == t.id {
			out[n-1].w += t.w
		} else {
			out = append(out, t)
		}
	}
	mm.vec = out
	return out
}

// expire forgets the clusters remembered past their time.
func (mm *memory) expire(clock int64) {
	for mm.head < len(mm.queue) && mm.queue[mm.head].until < clock {
		mm.drop()
	}
}

// drop forgets the oldest remembered cluster.
func (mm *memory) drop() {
	r := &mm.queue[mm.head]
	seq := mm.base + int64(mm.head)
	if !r.gone {
		mm.unindex(r, seq)
	}
	*r = remembered{}
	mm.head++
	if mm.head == len(mm.queue) {
		mm.base += int64(mm.head)
		mm.queue, mm.head = mm.queue[:0], 0
	} else if mm.head > 1024 && mm.head > len(mm.queue)/2 {
		n := copy(mm.queue, mm.queue[mm.head:])
		clear(mm.queue[n:])
		mm.base += int64(mm.head)
		mm.queue, mm.head = mm.queue[:n], 0
	}
}

func (mm *memory) unindex(r *remembered, seq int64) {
	for _, t := range r.terms {
		l := mm.index[t.id]
		if i := slices.Index(l, seq); i >= 0 {
			l = slices.Delete(l, i, i+1)
		}
		if len(l) == 0 {
			delete(mm.index, t.id)
		} else {
			mm.index[t.id] = l
		}
	}
}

// revive returns, for each cluster the batch r opened (fresh, slots), the
// id of the remembered cluster it continues, or -1: pairs whose cosine of
// term weights reaches Revive are matched best first, each remembered
// cluster at most once. It returns nil when nothing is remembered.
func (mm *memory) revive(m *Model, r *batchRecord, fresh []int32) []int {
	if mm.Len() == 0 || len(fresh) == 0 {
		return nil
	}
	// The posts of each fresh cluster, grouped: all of them are in r.
	mm.order = mm.order[:0]
	for i, s := range r.slot {
		if s >= 0 && m.slots[s].id < 0 {
			mm.order = append(mm.order, int32(i))
		}
	}
	slices.SortStableFunc(mm.order, func(a, b int32) int { return cmp.Compare(r.slot[a], r.slot[b]) })
	mm.pairs = mm.pairs[:0]
	at := 0
	for fi, s := range fresh {
		m.q = m.q[:0]
		for ; at < len(mm.order) && r.slot[mm.order[at]] == s; at++ {
			i := mm.order[at]
			m.q = append(m.q, r.terms[r.off[i]:r.off[i+1]]...)
		}
		vec := mm.vector(m.postings, m.q)
		var norm float64
		clear(mm.dot)
		for _, t := range vec {
			norm += t.w * t.w
			for _, seq := range mm.index[t.id] {
				d := &mm.queue[seq-mm.base]
				for _, u := range d.terms {
					if u.id == t.id {
						mm.dot[seq] += t.w * u.w
						break
					}
				}
			}
		}
		norm = math.Sqrt(norm)
		for seq, dot := range mm.dot {
			cos := dot / (norm * mm.queue[seq-mm.base].norm)
			if cos >= m.opts.Revive {
				mm.pairs = append(mm.pairs, match{fi, seq, cos})
			}
		}
	}
	slices.SortFunc(mm.pairs, func(a, b match) int {
		if c := cmp.Compare(b.cos, a.cos); c != 0 {
			return c
		}
		if c := cmp.Compare(a.fresh, b.fresh); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	ids := make([]int, len(fresh))
	for i := range ids {
		ids[i] = -1
	}
	for _, p := range mm.pairs {
		d := &mm.queue[p.seq-mm.base]
		if ids[p.fresh] >= 0 || d.gone {
			continue
		}
		ids[p.fresh] = d.id
		d.gone = true
		mm.unindex(d, p.seq)
	}
	return ids
}
