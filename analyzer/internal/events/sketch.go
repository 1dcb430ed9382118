package events

import (
	"math"
	mathbits "math/bits"
	"slices"
	"unsafe"
)

// sketch keeps decayed counts of many keys (a word in a place, a word) in
// fixed memory: a count-min sketch, whose counts lose a factor keep a
// slide. A key's count is the smallest of its buckets', so it is never
// under the truth and over it only where other keys share its buckets:
// at most an expected count a little too high, a burst a little harder
// to see. One row is enough when the buckets far outnumber the keys a
// half-life holds.
type sketch struct {
	// rows hold the counts; a large row is mapped outside the Go heap
	// (newRow) and released once the sketch is unreachable, so a row is
	// never kept apart from its sketch.
	rows [sketchRows][]float32
	mask uint64
	keep float64
	// base is the slide the stored counts are relative to: a count added
	// at slide s is stored times keep^(base-s), and read at slide t times
	// keep^(t-base).
	base int64
	// The factors last used, and the slides they are for.
	addAt, getAt   int64
	addFor, getFor float64
	// flags holds two words of bits for each 64 buckets, side by side so
	// that a bucket added to costs one wait for memory, not two: the held
	// bits (flags[2w]) mark the buckets that hold a count, so that a
	// checkpoint writes those without reading the rest of the sketch,
	// most of it zero; once the sketch has been saved (track, tracking),
	// the dirty bits (flags[2w+1]) mark the buckets added to since, and
	// changed lists them; whole says that a rescale has changed them all.
	// So a checkpoint can write only what changed.
	flags    [sketchRows][]uint64
	tracking bool
	changed  [sketchRows][]uint32
	whole    bool
	// scratch is encode's, kept from one checkpoint to the next, and js
	// and fresh addAll's.
	scratch []byte
	js      []uint32
	fresh   []uint8
}

// sketchRows is how many rows a sketch has.
const sketchRows = 1

// rescaleEvery is how many slides pass before the stored counts are
// brought to a new base, long before float32 overflows.
const rescaleEvery = 256

// faded is the count under which a rescale forgets a bucket's: the
// detector expects no fewer than least posts of anything, and even the
// nine buckets of a block of cells holding faded each stay under it, so
// forgetting one changes no test. Without it a count would take a day to
// underflow, and the sketch, and every checkpoint, would fill with counts
// too small to matter.
const faded = 1e-4

func newSketch(bits uint, keep float64) *sketch {
	s := &sketch{mask: 1<<bits - 1, keep: keep}
	for i := range s.rows {
		s.rows[i] = newRow(1<<bits, s)
		s.flags[i] = written(make([]uint64, 2*((1<<bits+63)/64)))
	}
	return s
}

// addAll counts ns[i] for the key hashed to hs[i], each at slide at, in
// order. Each step runs over all the keys in a loop of its own, so that
// the buckets, far apart in memory, are fetched many at a time rather
// than one after the other (a third of the cost of adding them one by
// one, in the analyzer's profile).
func (s *sketch) addAll(hs []uint64, ns []int32, at int64) {
	if len(hs) == 0 {
		return
	}
	if at-s.base >= rescaleEvery {
		s.rescale(at)
	}
	if at != s.addAt || s.addFor == 0 {
		s.addAt, s.addFor = at, math.Pow(s.keep, float64(s.base-at))
	}
	for i := range s.rows {
		js := s.js[:0]
		for _, h := range hs {
			js = append(js, uint32(mix(h, i)&s.mask))
		}
		s.js = js
		row := s.rows[i]
		for k, j := range js {
			row[j] += float32(float64(ns[k]) * s.addFor)
		}
		flags := s.flags[i]
		if !s.tracking {
			for _, j := range js {
				flags[j>>6<<1] |= 1 << (j & 63)
			}
		} else {
			// Without a branch on a bit far away in memory, which would be
			// mispredicted at the cost of a wait for each: the buckets not
			// yet marked are noted as they are marked, and listed after.
			fresh := s.fresh[:0]
			for _, j := range js {
				w, bit := j>>6<<1, uint64(1)<<(j&63)
				flags[w] |= bit
				fresh = append(fresh, uint8(^flags[w+1]>>(j&63)&1))
				flags[w+1] |= bit
			}
			s.fresh = fresh
			ch := slices.Grow(s.changed[i], len(js))
			n := len(ch)
			ch = ch[:n+len(js)]
			for k, j := range js {
				ch[n] = j
				n += int(fresh[k])
			}
			s.changed[i] = ch[:n]
		}
	}
}

// track starts marking the buckets that change, from a state just saved
// or loaded on.
func (s *sketch) track() {
	for i := range s.flags {
		for _, j := range s.changed[i] {
			s.flags[i][j>>6<<1+1] &^= 1 << (j & 63)
		}
		s.changed[i] = s.changed[i][:0]
	}
	s.tracking, s.whole = true, false
}

// heldBits calls f with each word of held bits, by its index (w: buckets
// w*64 to w*64+63), and stores what f returns in its place.
func (s *sketch) heldBits(i int, f func(w int, bits uint64) uint64) {
	flags := s.flags[i]
	for w := 0; 2*w < len(flags); w++ {
		if bits := flags[2*w]; bits != 0 {
			flags[2*w] = f(w, bits)
		}
	}
}

// get returns the key's count, decayed to slide at.
func (s *sketch) get(h uint64, at int64) float64 {
	v := float32(math.MaxFloat32)
	for i := range s.rows {
		v = min(v, s.rows[i][mix(h, i)&s.mask])
	}
	return float64(v) * s.factor(at)
}

// factor returns what a stored count is multiplied by when read at slide
// at.
func (s *sketch) factor(at int64) float64 {
	if at != s.getAt || s.getFor == 0 {
		s.getAt, s.getFor = at, math.Pow(s.keep, float64(at-s.base))
	}
	return s.getFor
}

// history sets each word in a cell's count in all (hist), decayed to
// slide at, as get would, for the words candidates tests (held by two
// posts, or held the slide before; the others are left at 0): each step
// over all the keys in a loop of its own, as addAll does, so that the
// buckets are fetched many at a time.
func (s *sketch) history(all []cellWord, at int64) {
	f := s.factor(at)
	for i := range all {
		c := &all[i]
		c.hist = math.MaxFloat32
		if c.n < 2 && c.prev == 0 {
			c.hist = 0 // never read, and counts are never under 0
		}
	}
	for r := range s.rows {
		row := s.rows[r]
		for i := range all {
			if c := &all[i]; c.hist != 0 {
				c.hist = min(c.hist, float64(row[mix(c.key, r)&s.mask]))
			}
		}
	}
	for i := range all {
		all[i].hist *= f
	}
}

func (s *sketch) rescale(at int64) {
	f := float32(math.Pow(s.keep, float64(at-s.base)))
	for i, row := range s.rows {
		s.heldBits(i, func(w int, held uint64) uint64 {
			for bits := held; bits != 0; bits &= bits - 1 {
				j := w<<6 + mathbits.TrailingZeros64(bits)
				if v := row[j] * f; v < faded {
					row[j] = 0
					held &^= 1 << (j & 63)
				} else {
					row[j] = v
				}
			}
			return held
		})
	}
	s.base = at
	s.addFor, s.getFor = 0, 0
	s.whole = true
}

// written writes a zero to each page of s, fresh from make, and returns
// it. Memory the Go runtime has just taken from the kernel is handed out
// unwritten, and a page of it that is read before it is written (a bit
// or slot tested, then set) faults twice: the read maps the kernel's
// shared zero page, and the first write faults again to replace it,
// which stops every CPU the process runs on to flush its TLB. Written
// first, each page faults once. The sketches' bits, 128 pages, cost the
// analyzer's first window about 4 ms that way.
func written[T any](s []T) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if size == 0 {
		return s
	}
	step := max(4096/size, 1)
	for i := 0; i < len(s); i += step {
		s[i] = zero
	}
	return s
}

// mix derives row i's bucket from a key's hash (splitmix64's finalizer).
func mix(h uint64, i int) uint64 {
	h += 0x9e3779b97f4a7c15 * uint64(i+1)
	h = (h ^ h>>30) * 0xbf58476d1ce4e5b9
	h = (h ^ h>>27) * 0x94d049bb133111eb
	return h ^ h>>31
}

// hashWord hashes a word, the same on every run, so that a run is
// reproducible: eight bytes at a time, each step a 64 by 64 bit multiply
// whose product's halves are xored (as wyhash does). FNV-1a (hashFNV),
// a multiply for each byte, one after the other, takes half as long again
// on a stream's words (BenchmarkHashWord), and a word is hashed for each
// of the posts on the map that hold it.
//
// The saved state's layout 2 rests on its values (TestHashWord).
func hashWord(w string) uint64 {
	const k0, k1, k2 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db, 0x8ebc6af09c88c6e3
	n := len(w)
	var a, b uint64
	switch {
	case n > 8:
		a = k2
		for i := 0; i+8 < n; i += 8 {
			a = fold(le64(w[i:])^k0, a^k1)
		}
		b = le64(w[n-8:]) // the last eight bytes, which may overlap
	case n >= 4: // the first four bytes and the last four, which may overlap
		a, b = uint64(le32(w)), uint64(le32(w[n-4:]))
	case n > 0:
		a = uint64(w[0])<<16 | uint64(w[n>>1])<<8 | uint64(w[n-1])
	}
	return fold(a^k0, b^k1^uint64(n)<<56) // the length clear of the bytes
}

// fold multiplies a by b and xors the product's two halves.
func fold(a, b uint64) uint64 {
	hi, lo := mathbits.Mul64(a, b)
	return hi ^ lo
}

// le64 and le32 read the first eight and four bytes of s, little-endian.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// hashFNV hashes a word as the saved state's layout 1 did (FNV-1a).
func hashFNV(w string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint64(w[i])) * 1099511628211
	}
	return h
}

// wordHash hashes words for a Detector: with hashWord, or, in a Detector
// loaded from a state of layout 1, whose sketches and keys were filled
// that way, with hashFNV.
type wordHash struct{ fnv bool }

func (x wordHash) word(t string) uint64 {
	if x.fnv {
		return hashFNV(t)
	}
	return hashWord(t)
}

// token is word of t, and 0 for a mention (@name), which the detector
// counts but never tests.
func (x wordHash) token(t string) uint64 {
	if isMention(t) {
		return 0
	}
	return x.word(t)
}

func isMention(t string) bool { return len(t) > 0 && t[0] == '@' }

// hashAt hashes a word in a cell.
func hashAt(word uint64, c cell) uint64 {
	return (word^uint64(uint32(c.i)))*0x100000001b3 ^ uint64(uint32(c.j))<<32 + 0x2545f4914f6cdd1d
}
