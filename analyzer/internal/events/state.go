package events

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	mathbits "math/bits"
	"slices"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
	"github.com/geostream/geostream/analyzer/internal/model"
)

// stateVersion numbers the layout of a saved Detector; a Detector refuses
// a state of another, but for layout 1: layout 2 with words hashed by
// FNV-1a (hashFNV). A Detector loaded from a state of layout 1 goes on
// hashing words that way, as its sketches and keys were filled, and
// saving layout 1, so that a run resumed from an older checkpoint keeps
// what it learnt.
const stateVersion = 2

// layout returns the layout the Detector saves.
func (d *Detector) layout() uint64 {
	if d.hash.fnv {
		return 1
	}
	return stateVersion
}

// SaveState implements pipeline.OutputStater: everything Observe reads
// that lasts from one window to the next (the slide count and clock, the
// expected rates, the sketches, the words in places of the newest slide,
// what the last window tested and matched, the events followed and the
// surges seen, the totals), so that a Detector loaded from it flags what
// this one would have. Buffers, and what the options give, are left out.
func (d *Detector) SaveState(w io.Writer) error { return d.save(w, false) }

// SaveChanges implements pipeline.ChangeStater: what SaveState would
// write, but of the expected rates and the sketches, most of the state
// and little of it changed by a window, only what changed since the last
// SaveState or SaveChanges (the rates forgotten, the rates and the
// buckets that changed), so that LoadState of the one and LoadChanges of
// each after it, in order, load what SaveState would have saved.
func (d *Detector) SaveChanges(w io.Writer) error {
	if !d.saved {
		return errors.New("saving the event detector's changes: its state was never saved")
	}
	return d.save(w, true)
}

func (d *Detector) save(w io.Writer, changes bool) error {
	e := checkpoint.Encoder{B: d.stateBuf[:0]}
	e.Uint(d.layout())
	e.Int(d.slide)
	e.Time(d.last)
	e.Time(d.began)
	e.Time(d.newestFrom)
	encodeRates(&e, d.clusters, &d.touchedClusters, &d.goneClusters, changes, cmp.Compare[int], func(e *checkpoint.Encoder, k int) { e.Int(int64(k)) })
	encodeRates(&e, d.cells, &d.touchedCells, &d.goneCells, changes, compareCells, encodeCell)
	encodeRate(&e, &d.mapped)
	d.words.encode(&e, changes)
	d.vocab.encode(&e, changes)
	d.cellWords.encode(&e)

	// What the newest slide's candidates learnt, by key, as the next
	// slide reads it.
	var memos []cellWord
	if t := d.cellWords.cur; t != nil && t.slide == d.slide {
		for _, c := range d.cellWords.all {
			if m := t.slot[c.slot].memo; !math.IsNaN(m) {
				memos = append(memos, cellWord{key: c.key, memo: m})
			}
		}
	}
	slices.SortFunc(memos, func(a, b cellWord) int { return cmp.Compare(a.key, b.key) })
	e.Uint(uint64(len(memos)))
	for _, c := range memos {
		e.Uint(c.key)
		e.Float64(c.memo)
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
	d.saved = true
	if _, err := w.Write(e.B); err != nil {
		return fmt.Errorf("saving the event detector: %w", err)
	}
	return nil
}

// encodeRates appends rates, by key: all of them, sorted; or, with
// changes, the keys forgotten and the rates touched since the last save.
// Either way the rates are marked unchanged from then on.
func encodeRates[K comparable](e *checkpoint.Encoder, rates map[K]*rate, touched, gone *[]K, changes bool,
	compare func(a, b K) int, put func(*checkpoint.Encoder, K)) {
	if changes {
		e.Uint(uint64(len(*gone)))
		for _, k := range *gone {
			put(e, k)
		}
		// A key forgotten and seen again is in touched twice: each is
		// written once, if its rate is still kept.
		keep := (*touched)[:0]
		for _, k := range *touched {
			if r := rates[k]; r != nil && r.changed {
				r.changed = false
				keep = append(keep, k)
			}
		}
		e.Uint(uint64(len(keep)))
		for _, k := range keep {
			put(e, k)
			encodeRate(e, rates[k])
		}
	} else {
		for _, r := range rates {
			r.changed = false
		}
		keys := slices.SortedFunc(maps.Keys(rates), compare)
		e.Uint(uint64(len(keys)))
		for _, k := range keys {
			put(e, k)
			encodeRate(e, rates[k])
		}
	}
	*touched, *gone = (*touched)[:0], (*gone)[:0]
}

// decodeRates reads what encodeRates wrote into rates: empty, or, with
// changes, as of the save before.
func decodeRates[K comparable](d *checkpoint.Decoder, rates map[K]*rate, changes bool, get func(*checkpoint.Decoder) K, keySize int) {
	if changes {
		for range d.Len(keySize) {
			delete(rates, get(d))
		}
	}
	for range d.Len(keySize + 17) {
		k := get(d)
		rates[k] = decodeRate(d)
	}
}

// LoadState implements pipeline.OutputStater on a Detector fresh from New
// with the same options. A state that does not fit is refused whole: the
// Detector is then as New made it.
func (d *Detector) LoadState(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("loading the event detector: %w", err)
	}
	n, err := New(d.o)
	if err != nil {
		return fmt.Errorf("loading the event detector: %w", err)
	}
	if err := n.decode(b, false); err != nil {
		return fmt.Errorf("loading the event detector: %w", err)
	}
	*d = *n
	return nil
}

// LoadChanges implements pipeline.ChangeStater: it reads, after LoadState,
// what a SaveChanges wrote, each in the order they were saved. Changes
// that do not fit are refused, and the Detector is then as New made it.
func (d *Detector) LoadChanges(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err == nil && !d.saved {
		err = errors.New("no state was loaded before")
	}
	if err == nil {
		err = d.decode(b, true)
	}
	if err != nil {
		n, _ := New(d.o)
		*d = *n
		return fmt.Errorf("loading the event detector's changes: %w", err)
	}
	return nil
}

// decode reads a state into d, fresh from New, or, with changes, changes
// into d as the state before them left it.
func (d *Detector) decode(b []byte, changes bool) error {
	dec := &checkpoint.Decoder{B: b}
	switch v := dec.Uint(); {
	case v != stateVersion && v != 1:
		return fmt.Errorf("a state of layout %d, not %d", v, stateVersion)
	case changes && v != d.layout():
		return fmt.Errorf("changes of layout %d to a state of layout %d", v, d.layout())
	default:
		d.hash = wordHash{fnv: v == 1}
	}
	d.slide, d.last, d.began, d.newestFrom = dec.Int(), dec.Time(), dec.Time(), dec.Time()
	decodeRates(dec, d.clusters, changes, func(dec *checkpoint.Decoder) int { return int(dec.Int()) }, 1)
	decodeRates(dec, d.cells, changes, decodeCell, 2)
	d.mapped = *decodeRate(dec)
	if err := d.words.decode(dec, changes); err != nil {
		return err
	}
	if err := d.vocab.decode(dec, changes); err != nil {
		return err
	}
	d.cellWords = &cellWords{}
	if err := d.cellWords.decode(dec); err != nil {
		return err
	}
	// The words in places are of the newest slide or one before it,
	// never of one after: Observe would take them for its own.
	if lag := d.slide - d.cellWords.slide; dec.Err == nil && (lag < 0 || lag >= 1<<31) {
		return fmt.Errorf("the words in places are of slide %d, the detector's is %d: the state is %w",
			d.cellWords.slide, d.slide, checkpoint.ErrDamaged)
	}
	for range dec.Len(9) {
		k, m := dec.Uint(), dec.Float64()
		if t := d.cellWords.cur; t.size() > 0 {
			if i := t.find(k); t.slot[i].n != 0 {
				t.slot[i].memo = m // a key the slide does not hold is never read
			}
		}
	}
	d.events = nil
	if c := dec.Len(45); c > 0 {
		d.events = make([]*event, c)
		for i := range d.events {
			ev := &event{Event: model.DecodeEvent(dec), centre: decodeCell(dec), words: model.DecodeStrings(dec),
				word: dec.String(), known: model.DecodeStrings(dec), quiet: int(dec.Int()), pending: int(dec.Int())}
			d.events[i] = ev
		}
	}
	d.nextID = int(dec.Int())
	d.matched = map[uint64]*event{}
	for range dec.Len(2) {
		k, i := dec.Uint(), dec.Uint()
		if i >= uint64(len(d.events)) {
			return fmt.Errorf("a match names no event")
		}
		d.matched[k] = d.events[i]
	}
	clear(d.surges)
	for range dec.Len(2) {
		c := int(dec.Int())
		d.surges[c] = dec.Int()
	}
	d.flagged, d.ended, d.wide = int(dec.Int()), int(dec.Int()), int(dec.Int())
	if dec.Err != nil || len(dec.B) != 0 {
		return fmt.Errorf("the state is %w", checkpoint.ErrDamaged)
	}
	d.saved = true
	return nil
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
// its distance from the previous one and the count, row by row. With
// changes, only the buckets added to since the sketch was last saved or
// loaded, each as its place and count, in the order they changed; or,
// after a rescale, which changes them all, all of them, as before, with a
// flag that says so. It reads only the buckets marked, and marks them all
// unchanged.
func (s *sketch) encode(e *checkpoint.Encoder, changes bool) {
	e.Int(s.base)
	whole := !changes || s.whole
	if changes {
		e.Bool(whole)
	}
	for i, row := range s.rows {
		e.Uint(uint64(len(row)))
		n, last := 0, -1
		body := checkpoint.Encoder{B: s.scratch[:0]}
		if whole {
			s.heldBits(i, func(w int, held uint64) uint64 {
				for bits := held; bits != 0; bits &= bits - 1 {
					j := w<<6 + mathbits.TrailingZeros64(bits)
					body.Uint(uint64(j - last))
					body.Float32(row[j])
					last, n = j, n+1
				}
				return held
			})
		} else {
			for _, j := range s.changed[i] { // as they changed: no sort
				body.Uint(uint64(j))
				body.Float32(row[j])
			}
			n = len(s.changed[i])
		}
		s.scratch = body.B
		e.Uint(uint64(n))
		e.B = append(e.B, body.B...)
	}
	s.track()
}

// decode reads what encode wrote: a sketch's counts into a sketch fresh
// from newSketch of the same size, or, with changes, the changed counts
// into the sketch as the save before left it.
func (s *sketch) decode(d *checkpoint.Decoder, changes bool) error {
	s.base = d.Int()
	whole := !changes || d.Bool()
	for i, row := range s.rows {
		if size := d.Uint(); d.Err == nil && size != uint64(len(row)) {
			return fmt.Errorf("a sketch of %d counts, not %d", size, len(row))
		}
		if whole && changes {
			clear(row)
			s.heldBits(i, func(int, uint64) uint64 { return 0 })
		}
		at := -1
		for range d.Len(5) {
			if whole {
				step := d.Uint()
				if step == 0 || step > uint64(len(row)-at-1) {
					return fmt.Errorf("a sketch is %w", checkpoint.ErrDamaged)
				}
				at += int(step)
			} else if j := d.Uint(); j < uint64(len(row)) {
				at = int(j)
			} else {
				return fmt.Errorf("a sketch is %w", checkpoint.ErrDamaged)
			}
			row[at] = d.Float32()
			s.flags[i][at>>6<<1] |= 1 << (at & 63)
		}
	}
	s.addAt, s.getAt, s.addFor, s.getFor = 0, 0, 0, 0
	s.track()
	return nil
}

// encode appends the counts of the newest slide, the only ones the next
// slide reads (as the slide before its own), in the order they were first
// counted.
func (cw *cellWords) encode(e *checkpoint.Encoder) {
	e.Int(cw.slide)
	e.Uint(uint64(len(cw.all)))
	for _, c := range cw.all {
		e.Uint(c.key)
		e.Int(int64(c.n))
	}
}

// decode reads what encode wrote into an empty table.
func (cw *cellWords) decode(d *checkpoint.Decoder) error {
	cw.cur, cw.prev = &cwTable{}, &cwTable{slide: -1}
	cw.slide = d.Int()
	cw.cur.slide = cw.slide
	for range d.Len(2) {
		key, n := d.Uint(), d.Int()
		if d.Err != nil {
			return nil // the caller reports it
		}
		if n < 1 || n > math.MaxInt32 {
			return fmt.Errorf("a word in a place is counted %d times: the state is %w", n, checkpoint.ErrDamaged)
		}
		if 2*(cw.cur.size()+1) > len(cw.cur.slot) {
			cw.grow()
		}
		i := cw.cur.find(key)
		if cw.cur.slot[i].n != 0 {
			return fmt.Errorf("a word in a place is counted twice: the state is %w", checkpoint.ErrDamaged)
		}
		cw.cur.put(i, cwSlot{key: key, n: int32(n), memo: math.NaN()})
		cw.all = append(cw.all, cellWord{key: key, n: int32(n), slot: int32(i)})
	}
	return nil
}
