package events

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"unsafe"
)

// add counts n for the key hashed to h at slide at, one key at a time: the
// reference addAll is checked against.
func (s *sketch) add(h uint64, n float64, at int64) {
	if at-s.base >= rescaleEvery {
		s.rescale(at)
	}
	if at != s.addAt || s.addFor == 0 {
		s.addAt, s.addFor = at, math.Pow(s.keep, float64(s.base-at))
	}
	v := float32(n * s.addFor)
	for i := range s.rows {
		j := mix(h, i) & s.mask
		s.rows[i][j] += v
		w, bit := j>>6<<1, uint64(1)<<(j&63)
		s.flags[i][w] |= bit
		if s.tracking && s.flags[i][w+1]&bit == 0 {
			s.flags[i][w+1] |= bit
			s.changed[i] = append(s.changed[i], uint32(j))
		}
	}
}

// TestSketchAddAllIsAddOneByOne: adding a slide's keys at once leaves a
// sketch as adding them one by one does, bit for bit: counts (keys that
// share a bucket, a key twice in one slide), the buckets held, and the
// buckets marked changed and in which order, through rescales, before
// and after the sketch is tracked.
func TestSketchAddAllIsAddOneByOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	one, all := newSketch(9, 0.93), newSketch(9, 0.93)
	for at := int64(1); at < 2*rescaleEvery+40; at++ {
		if at == 100 {
			one.track()
			all.track()
		}
		var hs []uint64
		var ns []int32
		for range rng.IntN(60) {
			hs, ns = append(hs, rng.Uint64N(400)), append(ns, int32(1+rng.IntN(5)))
		}
		for i, h := range hs {
			one.add(h, float64(ns[i]), at)
		}
		all.addAll(hs, ns, at)
		if at%17 == 0 {
			one.track()
			all.track()
		}
		for i := range one.rows {
			if !slices.Equal(one.rows[i], all.rows[i]) || !slices.Equal(one.flags[i], all.flags[i]) ||
				!slices.Equal(one.changed[i], all.changed[i]) {
				t.Fatalf("slide %d: the sketches differ", at)
			}
		}
		if one.base != all.base || one.whole != all.whole {
			t.Fatalf("slide %d: base %d and %d, whole %v and %v", at, one.base, all.base, one.whole, all.whole)
		}
	}
}

// TestNewRow: a row, large or small, is zeroed and holds what is written
// to it; a large one, on Linux, starts on a page of 2 MB.
func TestNewRow(t *testing.T) {
	s := &sketch{}
	for _, n := range []int{1 << 8, 1 << 20} {
		row := newRow(n, s)
		if len(row) != n {
			t.Fatalf("a row of %d counts holds %d", n, len(row))
		}
		for j, v := range row {
			if v != 0 {
				t.Fatalf("a new row of %d counts holds %g at %d", n, v, j)
			}
		}
		row[0], row[n-1] = 1, 2
		if row[0]+row[n-1] != 3 {
			t.Fatalf("a row of %d counts does not hold what is written", n)
		}
		if at := uintptr(unsafe.Pointer(&row[0])); mappedRows && n*4 >= hugePage/2 && at%hugePage != 0 {
			t.Errorf("a row of %d counts starts at %#x, not on a page of 2 MB", n, at)
		}
	}
	runtime.KeepAlive(s) // the rows are released with it
}
