package features

import (
	"math"

	"github.com/geostream/geostream/analyzer/internal/embed"
)

// IDF estimates inverse document frequencies over an endless stream in
// fixed memory: document counts live in a hashed table (colliding words
// share a count, which only makes rare words look a little commoner), and
// all counts are halved whenever the number of documents reaches HalfAt,
// so the estimate follows the stream and never overflows.
type IDF struct {
	counts []float32
	docs   float64
	HalfAt float64
	seen   map[uint32]struct{}
	bs     []uint32 // scratch for buckets
}

// DefaultIDFBuckets is the table size: 2^20 counts, 4 MiB.
const DefaultIDFBuckets = 1 << 20

// NewIDF returns an estimator with buckets counts (a power of two).
func NewIDF(buckets int) *IDF {
	return &IDF{counts: make([]float32, buckets), HalfAt: 1 << 20, seen: map[uint32]struct{}{}}
}

func (f *IDF) bucket(w string) uint32 { return fnv32(w) & uint32(len(f.counts)-1) }

// Observe counts one document's distinct words.
func (f *IDF) Observe(words []string) {
	f.observe(f.buckets(words))
}

// buckets returns the bucket of each word, in a buffer reused by the
// next call.
func (f *IDF) buckets(words []string) []uint32 {
	f.bs = f.bs[:0]
	for _, w := range words {
		f.bs = append(f.bs, f.bucket(w))
	}
	return f.bs
}

// observe counts one document given its words' buckets, each distinct
// bucket once.
func (f *IDF) observe(bs []uint32) {
	if len(bs) <= 64 { // a tweet: a scan beats a map
		for i, b := range bs {
			dup := false
			for _, c := range bs[:i] {
				if c == b {
					dup = true
					break
				}
			}
			if !dup {
				f.counts[b]++
			}
		}
	} else {
		clear(f.seen)
		for _, b := range bs {
			if _, dup := f.seen[b]; !dup {
				f.seen[b] = struct{}{}
				f.counts[b]++
			}
		}
	}
	f.docs++
	if f.docs >= f.HalfAt {
		for i := range f.counts {
			f.counts[i] /= 2
		}
		f.docs /= 2
	}
}

// Weight is the smoothed idf of w: ln((1+N)/(1+df)) + 1.
func (f *IDF) Weight(w string) float64 { return f.weight(f.bucket(w)) }

func (f *IDF) weight(b uint32) float64 {
	return math.Log((1+f.docs)/(1+float64(f.counts[b]))) + 1
}

// Mean observes words, then sets dst to their idf-weighted mean vector and
// returns how many words the model knew.
func (f *IDF) Mean(m embed.Model, dst []float64, words []string) int {
	f.observe(f.buckets(words))
	return f.mean(m, dst, words)
}

// mean is Mean without observing words: the buckets of f.bs are theirs.
func (f *IDF) mean(m embed.Model, dst []float64, words []string) int {
	bs := f.bs
	clear(dst)
	n := 0
	for i, w := range words {
		if m.AddTo(dst, w, f.weight(bs[i])) {
			n++
		}
	}
	return n
}
