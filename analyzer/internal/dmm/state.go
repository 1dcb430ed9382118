package dmm

import (
	"fmt"
	"io"
	"slices"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
	"github.com/geostream/geostream/analyzer/internal/model"
)

// stateVersion numbers the layout of a saved model; a model refuses a
// state of another.
const stateVersion = 3

// stateChunk is how much of the state SaveState encodes before it writes
// it out: the model keeps a scratch buffer of about this size, not one
// the size of its state (tens of megabytes for a full window).
const stateChunk = 64 << 10

// stateWriter encodes a state into a small buffer and writes it out
// whenever the buffer fills; err is the first write's error.
type stateWriter struct {
	checkpoint.Encoder
	w   io.Writer
	err error
}

// flush writes what is encoded if it is at least min bytes.
func (s *stateWriter) flush(min int) {
	if len(s.B) < min || len(s.B) == 0 || s.err != nil {
		return
	}
	_, s.err = s.w.Write(s.B)
	s.B = s.B[:0]
}

// bytes is Encoder.Bytes, with b written as it is, not copied.
func (s *stateWriter) bytes(b []byte) {
	s.Uint(uint64(len(b)))
	s.flush(1)
	if s.err == nil {
		_, s.err = s.w.Write(b)
	}
}

// SaveState implements cluster.Stater: it writes everything Train,
// Forget, Age and Assign read, but the points, which the caller keeps
// and gives back (see LoadState), scratch space, and what the options
// give.
func (m *Model) SaveState(w io.Writer) error {
	pcg, err := m.pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("saving the model: %w", err)
	}
	if cap(m.stateBuf) < stateChunk {
		m.stateBuf = make([]byte, 0, stateChunk+stateChunk/4)
	}
	e := &stateWriter{Encoder: checkpoint.Encoder{B: m.stateBuf[:0]}, w: w}
	e.Uint(stateVersion)
	e.Bytes(pcg)
	e.Int(int64(m.nextID))
	e.Int(int64(m.posts))
	e.Int(m.skipped)
	e.Int(m.clock)
	e.Uint(uint64(len(m.slots)))
	for _, c := range m.slots {
		e.Int(int64(c.id))
		e.Int(int64(c.m))
		e.Int(c.n)
		e.Bool(c.live)
		e.Int(c.born)
		e.Float64(c.lb)
		e.Float64(c.lbVB)
		e.Int(c.lbN)
		e.flush(stateChunk)
	}
	int32s(&e.Encoder, m.free)
	e.Uint(uint64(len(m.postings)))
	for _, p := range m.postings {
		e.Uint(uint64(p.id))
		e.Int(p.total)
		e.Bool(p.live)
		e.Uint(uint64(len(p.list)))
		for _, en := range p.list {
			e.Int(int64(en.slot))
			e.Int(en.n)
		}
		e.flush(stateChunk)
	}
	int32s(&e.Encoder, m.freePost)
	e.flush(stateChunk)
	// Each held batch is encoded again at every checkpoint, into a buffer
	// that lasts the save: kept from save to save, the saved forms of a
	// window of a million posts held 38 MB to spare about 70 ns a post a
	// checkpoint (85 ms every 20 s slide).
	e.Uint(uint64(len(m.held)))
	var held []byte
	for _, r := range m.held {
		held = encodeHeld(held[:0], r)
		e.bytes(held)
	}
	e.Int(m.mem.base + int64(m.mem.head))
	live := m.mem.queue[m.mem.head:]
	e.Uint(uint64(len(live)))
	for _, r := range live {
		e.Int(int64(r.id))
		e.Int(r.until)
		e.Float64(r.norm)
		e.Bool(r.gone)
		e.Uint(uint64(len(r.terms)))
		for _, t := range r.terms {
			e.Uint(uint64(t.id))
			e.Float64(t.w)
		}
		e.flush(stateChunk)
	}
	e.flush(1)
	if m.stateBuf = e.B[:0]; cap(e.B) > 4*stateChunk {
		m.stateBuf = nil // grown by one long list: not kept
	}
	if e.err != nil {
		return fmt.Errorf("saving the model: %w", e.err)
	}
	return nil
}

func int32s(e *checkpoint.Encoder, v []int32) {
	e.Uint(uint64(len(v)))
	for _, x := range v {
		e.Int(int64(x))
	}
}

func readInt32s(d *checkpoint.Decoder) []int32 {
	out := make([]int32, d.Len(1))
	for i := range out {
		out[i] = int32(d.Int())
	}
	return out
}

// encodeHeld appends held batch r's saved form to b.
func encodeHeld(b []byte, r *batchRecord) []byte {
	e := checkpoint.Encoder{B: slices.Grow(b, 16+12*len(r.points)+8*len(r.terms))}
	e.Uint(uint64(len(r.points)))
	for i := range r.points {
		e.Int(int64(r.slot[i]))
		e.Float64(r.typ[i])
		ts := r.terms[r.off[i]:r.off[i+1]]
		e.Uint(uint64(len(ts)))
		for _, t := range ts {
			e.Int(int64(t.w))
			e.Int(int64(t.p))
		}
	}
	return e.B
}

// LoadState implements cluster.Stater: a model fresh from New takes the
// state SaveState wrote. held are the batches the model held, oldest
// first, as Train was given them, but for the empty ones. A state that
// does not fit them, or is of another layout, is refused whole: the model
// is then as New made it.
func (m *Model) LoadState(r io.Reader, held [][]*model.Point) error {
	d, err := checkpoint.OpenState(r, stateVersion)
	if err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	var n Model // read into a model of its own, kept only if all fits
	pcg := d.Bytes()
	n.nextID, n.posts, n.skipped, n.clock = int(d.Int()), int(d.Int()), d.Int(), d.Int()
	n.slots = make([]slot, d.Len(8))
	for i := range n.slots {
		n.slots[i] = slot{id: int(d.Int()), m: int(d.Int()), n: d.Int(), live: d.Bool(), born: d.Int(),
			lb: d.Float64(), lbVB: d.Float64(), lbN: d.Int()}
	}
	n.free = readInt32s(d)
	n.postings = make([]posting, d.Len(4))
	for i := range n.postings {
		p := posting{id: uint32(d.Uint()), total: d.Int(), live: d.Bool()}
		p.list = make([]entry, d.Len(2))
		for j := range p.list {
			p.list[j] = entry{slot: int32(d.Int()), n: d.Int()}
		}
		n.postings[i] = p
	}
	n.freePost = readInt32s(d)
	if h := d.Len(1); d.Err == nil && h != len(held) {
		return fmt.Errorf("loading the model: it held %d batches, the window has %d", h, len(held))
	}
	for i := range held {
		hd := &checkpoint.Decoder{B: d.Bytes()}
		if hd.Uint() != uint64(len(held[i])) {
			return fmt.Errorf("loading the model: held batch %d does not fit the window's", i)
		}
		r := &batchRecord{points: slices.Clone(held[i]), off: []int32{0}}
		for range held[i] {
			r.slot = append(r.slot, int32(hd.Int()))
			r.typ = append(r.typ, hd.Float64())
			for range hd.Len(2) {
				r.terms = append(r.terms, qterm{w: int32(hd.Int()), p: int32(hd.Int())})
			}
			r.off = append(r.off, int32(len(r.terms)))
		}
		if hd.Err != nil || len(hd.B) != 0 {
			return fmt.Errorf("loading the model: held batch %d is damaged", i)
		}
		n.held = append(n.held, r)
	}
	n.mem.base = d.Int()
	n.mem.queue = make([]remembered, d.Len(4))
	for i := range n.mem.queue {
		q := remembered{id: int(d.Int()), until: d.Int(), norm: d.Float64(), gone: d.Bool()}
		q.terms = make([]weighted, d.Len(9))
		for j := range q.terms {
			q.terms[j] = weighted{id: uint32(d.Uint()), w: d.Float64()}
		}
		n.mem.queue[i] = q
	}
	if d.Err != nil || len(d.B) != 0 {
		return fmt.Errorf("loading the model: the state is %w", checkpoint.ErrDamaged)
	}
	if err := n.check(); err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	if err := m.pcg.UnmarshalBinary(pcg); err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	m.nextID, m.posts, m.skipped, m.clock = n.nextID, n.posts, n.skipped, n.clock
	m.slots, m.free, m.postings, m.freePost, m.held, m.spare = n.slots, n.free, n.postings, n.freePost, n.held, nil
	m.acc, m.gen = make([]accum, len(m.slots)), 0
	clear(m.idSlot)
	for i, c := range m.slots {
		if c.live && c.id >= 0 {
			m.idSlot[c.id] = int32(i)
		}
	}
	clear(m.terms)
	for i, p := range m.postings {
		if p.live {
			m.terms[p.id] = int32(i)
		}
	}
	clear(m.byFirst)
	for _, r := range m.held {
		m.byFirst[r.points[0]] = r
	}
	m.mem.queue, m.mem.head, m.mem.base = n.mem.queue, 0, n.mem.base
	clear(m.mem.index)
	for i, r := range m.mem.queue {
		if !r.gone {
			for _, t := range r.terms {
				m.mem.index[t.id] = append(m.mem.index[t.id], m.mem.base+int64(i))
			}
		}
	}
	return nil
}

// check makes sure every index in a loaded state points where it may.
func (n *Model) check() error {
	slotOK := func(s int32) bool { return s >= 0 && int(s) < len(n.slots) }
	for _, s := range n.free {
		if !slotOK(s) {
			return fmt.Errorf("a free cluster out of range")
		}
	}
	for _, p := range n.freePost {
		if p < 0 || int(p) >= len(n.postings) {
			return fmt.Errorf("a free term out of range")
		}
	}
	for _, p := range n.postings {
		for _, e := range p.list {
			if !slotOK(e.slot) {
				return fmt.Errorf("a term names no cluster")
			}
		}
	}
	for i, r := range n.held {
		for _, s := range r.slot {
			if s != -1 && !slotOK(s) {
				return fmt.Errorf("held batch %d names no cluster", i)
			}
		}
		for _, t := range r.terms {
			if t.p < 0 || int(t.p) >= len(n.postings) {
				return fmt.Errorf("held batch %d names no term", i)
			}
		}
	}
	return nil
}
