package events

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	mathbits "math/bits"
	"slices"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
	"github.com/geostream/geostream/analyzer/internal/model"
)

// stateVersion numbers the layout of a saved Detector; a Detector refuses
// a state of another.
const stateVersion = 1

// SaveState implements pipeline.OutputStater: everything Observe reads
// that lasts from one window to the next (the slide count and clock, the
// expected rates, the sketches, the words in places of the newest slide,
// what the last window tested and matched, the events followed and the
// surges seen, the totals), so that a Detector loaded from it flags what
// this one would have. Buffers, and what the options give, are left out.
func (d *Detector) SaveState(w io.Writer) error {
	e := checkpoint.Encoder{B: d.stateBuf[:0]}
	e.Uint(stateVersion)
	e.Int(d.slide)
	e.Time(d.last)
	e.Time(d.began)
	e.Time(d.newestFrom)
	keys := slices.Sorted(maps.Keys(d.clusters))
	e.Uint(uint64(len(keys)))
	for _, k := range keys {
		e.Int(int64(k))
		encodeRate(&e, d.clusters[k])
	}
	cells := slices.SortedFunc(maps.Keys(d.cells), compareCells)
	e.Uint(uint64(len(cells)))
	for _, g := range cells {
		encodeCell(&e, g)
		encodeRate(&e, d.cells[g])
	}
	encodeRate(&e, &d.mapped)
	d.words.encode(&e)
	d.vocab.encode(&e)
	d.cellWords.encode(&e)

	// Only the memos of the newest slide are read again.
	var tested []uint64
	for k, m := range d.tested {
		if m.slide == d.slide {
			tested = append(tested, k)
		}
	}
	slices.Sort(tested)
	e.Uint(uint64(len(tested)))
	for _, k := range tested {
		e.Uint(k)
		e.Float64(d.tested[k].sum)
	}

	e.Uint(uint64(len(d.events)))
	index := make(map[*event]int, len(d.events))
	for i, ev := range d.events {
		index[ev] = i
		model.EncodeEvent(&e, &ev.Event)
		encodeCell(&e, ev.centre)
		model.EncodeStrings(&e, ev.words)
		e.String(ev.word)
		model.EncodeStrings(&e, ev.known)
		e.Int(int64(ev.quiet))
		e.Int(int64(ev.pending))
	}
	e.Int(int64(d.nextID))
	// A match is read again only if its event is still followed.
	var matched []uint64
	for k, ev := range d.matched {
		if _, ok := index[ev]; ok {
			matched = append(matched, k)
		}
	}
	slices.Sort(matched)
	e.Uint(uint64(len(matched)))
	for _, k := range matched {
		e.Uint(k)
		e.Uint(uint64(index[d.matched[k]]))
	}
	surges := slices.Sorted(maps.Keys(d.surges))
	e.Uint(uint64(len(surges)))
	for _, c := range surges {
		e.Int(int64(c))
		e.Int(d.surges[c])
	}
	e.Int(int64(d.flagged))
	e.Int(int64(d.ended))
	e.Int(int64(d.wide))
	d.stateBuf = e.B
	if _, err := w.Write(e.B); err != nil {
		return fmt.Errorf("saving the event detector: %w", err)
	}
	return nil
}

// LoadState implements pipeline.OutputStater on a Detector fresh from New
// with the same options. A state that does not fit is refused whole: the
// Detector is then as New made it.
func (d *Detector) LoadState(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("loading the event detector: %w", err)
	}
	n, err := d.decode(b)
	if err != nil {
		return fmt.Errorf("loading the event detector: %w", err)
	}
	*d = *n
	return nil
}

// decode reads a state into a new Detector with d's options.
func (d *Detector) decode(b []byte) (*Detector, error) {
	dec := &checkpoint.Decoder{B: b}
	if v := dec.Uint(); v != stateVersion {
		return nil, fmt.Errorf("a state of layout %d, not %d", v, stateVersion)
	}
	n, err := New(d.o)
	if err != nil {
		return nil, err
	}
	n.slide, n.last, n.began, n.newestFrom = dec.Int(), dec.Time(), dec.Time(), dec.Time()
	for range dec.Len(18) {
		k := int(dec.Int())
		n.clusters[k] = decodeRate(dec)
	}
	for range dec.Len(19) {
		g := decodeCell(dec)
		n.cells[g] = decodeRate(dec)
	}
	n.mapped = *decodeRate(dec)
	if err := n.words.decode(dec); err != nil {
		return nil, err
	}
	if err := n.vocab.decode(dec); err != nil {
		return nil, err
	}
	n.cellWords.decode(dec)
	for range dec.Len(9) {
		k := dec.Uint()
		n.tested[k] = pairMemo{slide: n.slide, sum: dec.Float64()}
	}
	if c := dec.Len(45); c > 0 {
		n.events = make([]*event, c)
		for i := range n.events {
			ev := &event{Event: model.DecodeEvent(dec), centre: decodeCell(dec), words: model.DecodeStrings(dec),
				word: dec.String(), known: model.DecodeStrings(dec), quiet: int(dec.Int()), pending: int(dec.Int())}
			n.events[i] = ev
		}
	}
	n.nextID = int(dec.Int())
	n.matched = map[uint64]*event{}
	for range dec.Len(2) {
		k, i := dec.Uint(), dec.Uint()
		if i >= uint64(len(n.events)) {
			return nil, fmt.Errorf("a match names no event")
		}
		n.matched[k] = n.events[i]
	}
	for range dec.Len(2) {
		c := int(dec.Int())
		n.surges[c] = dec.Int()
	}
	n.flagged, n.ended, n.wide = int(dec.Int()), int(dec.Int()), int(dec.Int())
	if dec.Err != nil || len(dec.B) != 0 {
		return nil, fmt.Errorf("the state is %w", checkpoint.ErrDamaged)
	}
	return n, nil
}

func compareCells(a, b cell) int { return cmp.Or(cmp.Compare(a.i, b.i), cmp.Compare(a.j, b.j)) }

func encodeCell(e *checkpoint.Encoder, g cell) {
	e.Int(int64(g.i))
	e.Int(int64(g.j))
}

func decodeCell(d *checkpoint.Decoder) cell { return cell{int32(d.Int()), int32(d.Int())} }

func encodeRate(e *checkpoint.Encoder, r *rate) {
	e.Float64(r.sum)
	e.Float64(r.weight)
	e.Int(r.at)
}

func decodeRate(d *checkpoint.Decoder) *rate {
	return &rate{sum: d.Float64(), weight: d.Float64(), at: d.Int()}
}

// encode appends the sketch's counts: the buckets that hold one, each as
// its distance from the previous one and the count, row by row. It reads
// only the buckets marked held.
func (s *sketch) encode(e *checkpoint.Encoder) {
	e.Int(s.base)
	for i, row := range s.rows {
		e.Uint(uint64(len(row)))
		n, last := 0, -1
		body := checkpoint.Encoder{B: s.scratch[:0]}
		for w, bits := range s.held[i] {
			for bits != 0 {
				j := w<<6 + mathbits.TrailingZeros64(bits)
				bits &= bits - 1
				body.Uint(uint64(j - last))
				body.Float32(row[j])
				last, n = j, n+1
			}
		}
		s.scratch = body.B
		e.Uint(uint64(n))
		e.B = append(e.B, body.B...)
	}
}

// decode reads what encode wrote into a sketch fresh from newSketch of
// the same size.
func (s *sketch) decode(d *checkpoint.Decoder) error {
	s.base = d.Int()
	for i, row := range s.rows {
		if size := d.Uint(); d.Err == nil && size != uint64(len(row)) {
			return fmt.Errorf("a sketch of %d counts, not %d", size, len(row))
		}
		at := -1
		for range d.Len(5) {
			step := d.Uint()
			if step == 0 || step > uint64(len(row)-at-1) {
				return fmt.Errorf("a sketch is %w", checkpoint.ErrDamaged)
			}
			at += int(step)
			row[at] = d.Float32()
			s.held[i][at>>6] |= 1 << (at & 63)
		}
	}
	s.addAt, s.getAt, s.addFor, s.getFor = 0, 0, 0, 0
	return nil
}

// encode appends the counts of the newest slide, the only ones the next
// slide reads (as the slide before its own).
func (cw *cellWords) encode(e *checkpoint.Encoder) {
	e.Int(cw.slide)
	now := tag(cw.slide)
	var live []cwSlot
	for _, s := range cw.slot {
		if s.at == now {
			live = append(live, s)
		}
	}
	slices.SortFunc(live, func(a, b cwSlot) int { return cmp.Compare(a.key, b.key) })
	e.Uint(uint64(len(live)))
	for _, s := range live {
		e.Uint(s.key)
		e.Int(int64(s.n))
	}
}

// decode reads what encode wrote into an empty table.
func (cw *cellWords) decode(d *checkpoint.Decoder) {
	cw.slide = d.Int()
	for range d.Len(2) {
		key, n := d.Uint(), int32(d.Int())
		if 2*(cw.used+1) > len(cw.slot) {
			cw.grow()
		}
		i := cw.find(key)
		if cw.slot[i].at == 0 {
			cw.used++
		}
		cw.slot[i] = cwSlot{key: key, at: tag(cw.slide), n: n}
	}
}
