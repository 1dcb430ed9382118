package eval

import (
	"math"
	"strings"
	"testing"
)

func TestScore(t *testing.T) {
	tests := []struct {
		name     string
		truth    []string
		pred     []int
		ari, nmi float64
	}{
		{"identical up to renaming", []string{"a", "a", "b", "b"}, []int{5, 5, 2, 2}, 1, 1},
		// scikit-learn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715,
		// normalized_mutual_info_score = 0.8
		{"one class split", []string{"a", "a", "b", "b"}, []int{0, 0, 1, 2}, 0.5714285714285715, 0.8},
		// adjusted_rand_score([0,0,1,1],[0,1,0,1]) = -0.5, NMI 0
		{"independent", []string{"a", "a", "b", "b"}, []int{0, 1, 0, 1}, -0.5, 0},
		// adjusted_rand_score([0,0,0,1,1,1],[0,0,1,1,2,2]) = 0.24242424242424246
		// normalized_mutual_info_score(...) = 0.5158037429793888
		{"partial", []string{"a", "a", "a", "b", "b", "b"}, []int{0, 0, 1, 1, 2, 2}, 0.24242424242424246, 0.5158037429793888},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ari, nmi := Score(tc.truth, tc.pred)
			if math.Abs(ari-tc.ari) > 1e-12 || math.Abs(nmi-tc.nmi) > 1e-12 {
				t.Fatalf("got ARI %v NMI %v, want %v %v", ari, nmi, tc.ari, tc.nmi)
			}
		})
	}
}

func TestParseLabels(t *testing.T) {
	got, err := parseLabels(strings.NewReader("1\tsport\r\n\n2\tfiller\n"))
	if err != nil || got["1"] != "sport" || got["2"] != "filler" || len(got) != 2 {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := parseLabels(strings.NewReader("no tab here\n")); err == nil {
		t.Fatal("bad line accepted")
	}
}
