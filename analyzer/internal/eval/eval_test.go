package eval

import (
	"math"
	"strings"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
)

func TestScore(t *testing.T) {
	tests := []struct {
		name  string
		truth []string
		pred  []int
		want  Scores
	}{
		{"identical up to renaming", []string{"a", "a", "b", "b"}, []int{5, 5, 2, 2},
			Scores{N: 4, ARI: 1, NMI: 1, Homogeneity: 1, Completeness: 1, VMeasure: 1, Largest: 0.5}},
		// scikit-learn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715,
		// normalized_mutual_info_score = 0.8, homogeneity_completeness_v_measure =
		// (1.0, 0.6666666666666666, 0.8)
		{"one class split", []string{"a", "a", "b", "b"}, []int{0, 0, 1, 2},
			Scores{N: 4, ARI: 0.5714285714285715, NMI: 0.8, Homogeneity: 1, Completeness: 0.6666666666666666, VMeasure: 0.8, Largest: 0.5}},
		// adjusted_rand_score([0,0,1,1],[0,1,0,1]) = -0.5, NMI 0, h c v (0, 0, 0)
		{"independent", []string{"a", "a", "b", "b"}, []int{0, 1, 0, 1},
			Scores{N: 4, ARI: -0.5, Largest: 0.5}},
		// adjusted_rand_score([0,0,0,1,1,1],[0,0,1,1,2,2]) = 0.24242424242424246
		// normalized_mutual_info_score(...) = 0.5158037429793888
		// homogeneity_completeness_v_measure = (0.6666666666666669, 0.420619835714305, 0.5158037429793889)
		{"partial", []string{"a", "a", "a", "b", "b", "b"}, []int{0, 0, 1, 1, 2, 2},
			Scores{N: 6, ARI: 0.24242424242424246, NMI: 0.5158037429793888, Homogeneity: 0.6666666666666669,
				Completeness: 0.420619835714305, VMeasure: 0.5158037429793889, Largest: 1.0 / 3}},
		// Everything in one cluster: homogeneity 0, completeness 1 (scikit-learn).
		{"one cluster", []string{"a", "b", "c", "c"}, []int{7, 7, 7, 7},
			Scores{N: 4, ARI: 0, NMI: 0, Homogeneity: 0, Completeness: 1, VMeasure: 0, Largest: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Score(tc.truth, tc.pred)
			g := []float64{float64(got.N), got.ARI, got.NMI, got.Homogeneity, got.Completeness, got.VMeasure, got.Largest}
			w := []float64{float64(tc.want.N), tc.want.ARI, tc.want.NMI, tc.want.Homogeneity, tc.want.Completeness, tc.want.VMeasure, tc.want.Largest}
			for i := range g {
				if math.Abs(g[i]-w[i]) > 1e-12 {
					t.Fatalf("got %+v, want %+v", got, tc.want)
				}
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

func TestScoreKeywords(t *testing.T) {
	pt := func(id string, cluster int, words ...string) *model.Point {
		return modeltest.WithTokens(modeltest.WithID(&model.Point{Cluster: cluster}, id), words)
	}
	r := &model.Result{
		Points: []*model.Point{
			pt("1", 0, "storm", "today"), pt("2", 0, "storm", "rain"), pt("3", 0, "love"),
			pt("4", 1, "goal", "today"), pt("5", 1, "goal"), pt("6", 1, "storm"),
			pt("7", 2, "today", "love"), pt("8", 2, "love"),
		},
		Clusters: []model.ClusterSummary{
			{ID: 0, Keywords: []string{"today", "storm"}}, // its topic's word second: counts
			{ID: 1, Keywords: []string{"today", "storm"}}, // another topic's words only
			{ID: 2, Keywords: []string{"love"}},           // a filler cluster: not judged
		},
	}
	labels := map[string]string{"1": "weather", "2": "weather", "3": "filler",
		"4": "football", "5": "football", "6": "weather", "7": "filler", "8": "filler"}
	got := ScoreKeywords(r, labels, "filler", 3)
	want := KeywordScores{Judged: 2, Own: 1, Shared: 2.0 / 3}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if got := ScoreKeywords(r, labels, "filler", 1); got.Own != 0 {
		t.Fatalf("top 1: got %+v, want no cluster with its own word first", got)
	}
}
