// Package embed gives words vectors: the built-in hashed random-indexing
// vectors that need no download, or a pre-trained table loaded from a
// word2vec (binary or text), GloVe or fastText .vec file, plain or gzipped.
package embed

import "math"

// Model maps words to vectors of a fixed dimension. Implementations are
// safe for concurrent reads.
type Model interface {
	Dim() int
	// AddTo adds scale times the vector of word to dst (len Dim) and
	// reports whether the word is known.
	AddTo(dst []float64, word string, scale float64) bool
}

// Mean sets dst to the mean vector of the known words and returns how many
// were known. With none known dst is all zeros, never NaN.
func Mean(m Model, dst []float64, words []string) int {
	clear(dst)
	n := 0
	for _, w := range words {
		if m.AddTo(dst, w, 1) {
			n++
		}
	}
	if n > 1 {
		inv := 1 / float64(n)
		for i := range dst {
			dst[i] *= inv
		}
	}
	return n
}

// Hashed is the built-in model: each word gets a sparse ternary random
// vector (NNZ entries of ±1/sqrt(NNZ)) derived from a hash of the word, so
// every word is known, no file is needed, and the mean of a tweet's vectors
// is a random projection of its bag of words: tweets sharing words land
// close, tweets sharing none are nearly orthogonal.
type Hashed struct {
	D, NNZ int
	Seed   uint64
}

// DefaultHashed is the default built-in model.
var DefaultHashed = Hashed{D: 128, NNZ: 8, Seed: 0x5eed}

// Dim implements Model.
func (h Hashed) Dim() int { return h.D }

// AddTo implements Model.
func (h Hashed) AddTo(dst []float64, word string, scale float64) bool {
	x := h.Seed ^ 0xcbf29ce484222325
	for i := 0; i < len(word); i++ {
		x ^= uint64(word[i])
		x *= 0x100000001b3
	}
	scale /= math.Sqrt(float64(h.NNZ))
	for range h.NNZ {
		x = splitmix(x)
		pos := int((x >> 1) % uint64(h.D))
		if x&1 == 0 {
			dst[pos] += scale
		} else {
			dst[pos] -= scale
		}
	}
	return true
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	z := x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Table is a pre-trained model: a vector per known word.
type Table struct {
	D       int
	Vectors map[string][]float32
}

// Dim implements Model.
func (t *Table) Dim() int { return t.D }

// AddTo implements Model.
func (t *Table) AddTo(dst []float64, word string, scale float64) bool {
	v, ok := t.Vectors[word]
	if !ok {
		return false
	}
	for i, x := range v {
		dst[i] += scale * float64(x)
	}
	return true
}
