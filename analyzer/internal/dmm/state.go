package dmm

import (
	"encoding/gob"
	"fmt"
	"io"
	"slices"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// stateVersion numbers the layout of a saved model; a model refuses a
// state of another.
const stateVersion = 1

// state is a saved Model: everything Train, Forget, Age and Assign read,
// but the points, which the caller keeps and gives back (see LoadState).
// Scratch space and what the options give are not saved.
type state struct {
	Version  int
	PCG      []byte
	Slots    []slotState
	Free     []int32
	NextID   int
	Posts    int
	Skipped  int64
	Postings []postingState
	FreePost []int32
	Held     []heldState
	Clock    int64
	MemBase  int64
	Mem      []rememberedState
}

type slotState struct {
	ID, M    int
	N        int64
	Live     bool
	Born     int64
	LB, LBVB float64
	LBN      int64
}

type postingState struct {
	ID    uint32
	Total int64
	Slots []int32
	Ns    []int64
	Live  bool
}

// heldState is a batchRecord: its terms as three columns.
type heldState struct {
	Points    int
	IDs       []uint32
	Ws, Ps    []int32
	Off, Slot []int32
	Typ       []float64
}

type rememberedState struct {
	ID    int
	Until int64
	IDs   []uint32
	Ws    []float64
	Norm  float64
	Gone  bool
}

// SaveState implements cluster.Stater: it writes what the model holds.
func (m *Model) SaveState(w io.Writer) error {
	pcg, err := m.pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("saving the model: %w", err)
	}
	st := state{Version: stateVersion, PCG: pcg, Free: m.free, NextID: m.nextID, Posts: m.posts, Skipped: m.skipped,
		FreePost: m.freePost, Clock: m.clock, MemBase: m.mem.base + int64(m.mem.head)}
	st.Slots = make([]slotState, len(m.slots))
	for i, c := range m.slots {
		st.Slots[i] = slotState{ID: c.id, M: c.m, N: c.n, Live: c.live, Born: c.born, LB: c.lb, LBVB: c.lbVB, LBN: c.lbN}
	}
	st.Postings = make([]postingState, len(m.postings))
	for i, p := range m.postings {
		ps := postingState{ID: p.id, Total: p.total, Live: p.live, Slots: make([]int32, len(p.list)), Ns: make([]int64, len(p.list))}
		for j, e := range p.list {
			ps.Slots[j], ps.Ns[j] = e.slot, e.n
		}
		st.Postings[i] = ps
	}
	st.Held = make([]heldState, len(m.held))
	for i, r := range m.held {
		h := heldState{Points: len(r.points), Off: r.off, Slot: r.slot, Typ: r.typ,
			IDs: make([]uint32, len(r.terms)), Ws: make([]int32, len(r.terms)), Ps: make([]int32, len(r.terms))}
		for j, t := range r.terms {
			h.IDs[j], h.Ws[j], h.Ps[j] = t.id, t.w, t.p
		}
		st.Held[i] = h
	}
	for _, r := range m.mem.queue[m.mem.head:] {
		rs := rememberedState{ID: r.id, Until: r.until, Norm: r.norm, Gone: r.gone,
			IDs: make([]uint32, len(r.terms)), Ws: make([]float64, len(r.terms))}
		for j, t := range r.terms {
			rs.IDs[j], rs.Ws[j] = t.id, t.w
		}
		st.Mem = append(st.Mem, rs)
	}
	if err := gob.NewEncoder(w).Encode(&st); err != nil {
		return fmt.Errorf("saving the model: %w", err)
	}
	return nil
}

// LoadState implements cluster.Stater: a model fresh from New takes the
// state SaveState wrote. held are the batches the model held, oldest
// first, as Train was given them, but for the empty ones. A state that
// does not fit them, or is of another layout, is refused whole: the model
// is then as New made it.
func (m *Model) LoadState(r io.Reader, held [][]*model.Point) error {
	var st state
	if err := gob.NewDecoder(r).Decode(&st); err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("loading the model: a state of layout %d, not %d", st.Version, stateVersion)
	}
	if len(st.Held) != len(held) {
		return fmt.Errorf("loading the model: it held %d batches, the window has %d", len(st.Held), len(held))
	}
	for i, h := range st.Held {
		if h.Points != len(held[i]) || len(h.Off) != h.Points+1 || len(h.Slot) != h.Points || len(h.Typ) != h.Points ||
			len(h.Ws) != len(h.IDs) || len(h.Ps) != len(h.IDs) {
			return fmt.Errorf("loading the model: held batch %d does not fit the window's", i)
		}
		for _, p := range h.Ps {
			if p < 0 || int(p) >= len(st.Postings) {
				return fmt.Errorf("loading the model: held batch %d names no term", i)
			}
		}
		for _, s := range h.Slot {
			if int(s) >= len(st.Slots) {
				return fmt.Errorf("loading the model: held batch %d names no cluster", i)
			}
		}
	}
	for _, p := range st.Postings {
		if len(p.Ns) != len(p.Slots) {
			return fmt.Errorf("loading the model: a term's clusters do not fit")
		}
		for _, s := range p.Slots {
			if s < 0 || int(s) >= len(st.Slots) {
				return fmt.Errorf("loading the model: a term names no cluster")
			}
		}
	}
	for _, r := range st.Mem {
		if len(r.Ws) != len(r.IDs) {
			return fmt.Errorf("loading the model: a remembered cluster does not fit")
		}
	}
	if err := m.pcg.UnmarshalBinary(st.PCG); err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	m.free, m.nextID, m.posts, m.skipped, m.freePost, m.clock = st.Free, st.NextID, st.Posts, st.Skipped, st.FreePost, st.Clock
	m.slots = make([]slot, len(st.Slots))
	m.acc = make([]accum, len(st.Slots))
	m.gen = 0
	clear(m.idSlot)
	for i, c := range st.Slots {
		m.slots[i] = slot{id: c.ID, m: c.M, n: c.N, live: c.Live, born: c.Born, lb: c.LB, lbVB: c.LBVB, lbN: c.LBN}
		if c.Live && c.ID >= 0 {
			m.idSlot[c.ID] = int32(i)
		}
	}
	m.postings = make([]posting, len(st.Postings))
	clear(m.terms)
	for i, p := range st.Postings {
		list := make([]entry, len(p.Slots))
		for j := range list {
			list[j] = entry{slot: p.Slots[j], n: p.Ns[j]}
		}
		m.postings[i] = posting{id: p.ID, total: p.Total, list: list, live: p.Live}
		if p.Live {
			m.terms[p.ID] = int32(i)
		}
	}
	m.held, m.spare = m.held[:0], nil
	clear(m.byFirst)
	for i, h := range st.Held {
		r := &batchRecord{points: slices.Clone(held[i]), off: h.Off, slot: h.Slot, typ: h.Typ, terms: make([]qterm, len(h.IDs))}
		for j := range r.terms {
			r.terms[j] = qterm{id: h.IDs[j], w: h.Ws[j], p: h.Ps[j]}
		}
		m.held = append(m.held, r)
		if len(r.points) > 0 {
			m.byFirst[r.points[0]] = r
		}
	}
	m.mem.queue, m.mem.head, m.mem.base = m.mem.queue[:0], 0, st.MemBase
	clear(m.mem.index)
	for i, rs := range st.Mem {
		r := remembered{id: rs.ID, until: rs.Until, norm: rs.Norm, gone: rs.Gone, terms: make([]weighted, len(rs.IDs))}
		for j := range r.terms {
			r.terms[j] = weighted{id: rs.IDs[j], w: rs.Ws[j]}
		}
		m.mem.queue = append(m.mem.queue, r)
		if !r.gone {
			for _, t := range r.terms {
				m.mem.index[t.id] = append(m.mem.index[t.id], st.MemBase+int64(i))
			}
		}
	}
	return nil
}
