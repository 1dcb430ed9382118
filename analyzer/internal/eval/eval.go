// Package eval scores clusterings against ground-truth labels: the
// adjusted Rand index, normalized mutual information, homogeneity,
// completeness and V-measure (as scikit-learn defines them), and the share
// of the largest cluster. With more clusters than true groups ARI alone
// misleads: a clustering that puts nearly everything in one cluster scores
// near zero on every measure but completeness, and one that cuts every group
// into pure pieces scores high homogeneity but low completeness.
package eval

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// ReadLabels reads "id<TAB>label" lines, as scraper synth --labels writes.
func ReadLabels(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	return parseLabels(f)
}

func parseLabels(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		id, label, ok := strings.Cut(line, "\t")
		if !ok || id == "" {
			return nil, fmt.Errorf("eval: labels line %d: want id<TAB>label", n)
		}
		out[id] = label
	}
	return out, sc.Err()
}

// contingency counts pairs (truth, predicted).
type contingency struct {
	cells      map[[2]int]int
	rows, cols map[int]int
	n          int
	labelIndex map[string]int
}

// Scores are the measures of one clustering against the truth.
type Scores struct {
	N            int     // points scored
	ARI, NMI     float64 // adjusted Rand index; NMI with arithmetic normalization
	Homogeneity  float64 // 1 - H(truth|cluster)/H(truth): each cluster holds one group
	Completeness float64 // 1 - H(cluster|truth)/H(cluster): each group is in one cluster
	VMeasure     float64 // their harmonic mean (equal to this NMI)
	// Largest is the share of the points in the largest cluster.
	Largest float64
}

// Score returns the measures of predicted against truth, which must have
// the same length.
func Score(truth []string, predicted []int) Scores {
	c := contingency{cells: map[[2]int]int{}, rows: map[int]int{}, cols: map[int]int{}, labelIndex: map[string]int{}}
	for i, t := range truth {
		ti, ok := c.labelIndex[t]
		if !ok {
			ti = len(c.labelIndex)
			c.labelIndex[t] = ti
		}
		c.cells[[2]int{ti, predicted[i]}]++
		c.rows[ti]++
		c.cols[predicted[i]]++
		c.n++
	}
	s := Scores{N: c.n, ARI: c.ari(), NMI: c.nmi()}
	s.Homogeneity, s.Completeness, s.VMeasure = c.vmeasure()
	for _, v := range c.cols {
		s.Largest = math.Max(s.Largest, float64(v)/float64(max(c.n, 1)))
	}
	return s
}

func comb2(x int) float64 { return float64(x) * float64(x-1) / 2 }

func (c *contingency) ari() float64 {
	if c.n < 2 {
		return 1
	}
	var index, a, b float64
	for _, v := range c.cells {
		index += comb2(v)
	}
	for _, v := range c.rows {
		a += comb2(v)
	}
	for _, v := range c.cols {
		b += comb2(v)
	}
	expected := a * b / comb2(c.n)
	maxIndex := (a + b) / 2
	if maxIndex == expected {
		return 1 // both partitions trivial and identical in structure
	}
	return (index - expected) / (maxIndex - expected)
}

func entropy(counts map[int]int, n int) float64 {
	var h float64
	for _, v := range counts {
		if v > 0 {
			p := float64(v) / float64(n)
			h -= p * math.Log(p)
		}
	}
	return h
}

func (c *contingency) nmi() float64 {
	hu, hv := entropy(c.rows, c.n), entropy(c.cols, c.n)
	if hu == 0 && hv == 0 {
		return 1
	}
	var mi float64
	n := float64(c.n)
	for k, v := range c.cells {
		if v == 0 {
			continue
		}
		pij := float64(v) / n
		mi += pij * math.Log(pij*n*n/(float64(c.rows[k[0]])*float64(c.cols[k[1]])))
	}
	den := (hu + hv) / 2
	if den == 0 {
		return 0
	}
	return math.Max(0, mi/den)
}

// vmeasure returns homogeneity, completeness and V-measure; an entropy of
// zero in a denominator makes its measure 1, as in scikit-learn.
func (c *contingency) vmeasure() (h, comp, v float64) {
	if c.n == 0 {
		return 1, 1, 1
	}
	hc, hk := entropy(c.rows, c.n), entropy(c.cols, c.n)
	n := float64(c.n)
	var hcGivenK, hkGivenC float64 // conditional entropies
	for k, v := range c.cells {
		if v == 0 {
			continue
		}
		p := float64(v) / n
		hcGivenK -= p * math.Log(float64(v)/float64(c.cols[k[1]]))
		hkGivenC -= p * math.Log(float64(v)/float64(c.rows[k[0]]))
	}
	h, comp = 1, 1
	if hc > 0 {
		h = 1 - hcGivenK/hc
	}
	if hk > 0 {
		comp = 1 - hkGivenC/hk
	}
	if h+comp > 0 {
		v = 2 * h * comp / (h + comp)
	}
	return h, comp, v
}
