package cluster

import (
	"slices"
	"testing"
)

func TestKeywords(t *testing.T) {
	tests := []struct {
		name   string
		counts []map[string]int
		opts   KeywordOptions
		want   [][]string
	}{
		{
			name: "a word every cluster uses loses to the words of each cluster",
			counts: []map[string]int{
				{"#macselena": 40, "storm": 10, "flood": 6},
				{"#macselena": 40, "goal": 12, "match": 5},
				{"#macselena": 40, "vote": 9, "polls": 7},
			},
			opts: KeywordOptions{N: 2},
			want: [][]string{{"storm", "flood"}, {"goal", "match"}, {"vote", "polls"}},
		},
		{
			name: "a word in most clusters is no label",
			counts: []map[string]int{
				{"today": 50, "a1": 2},
				{"today": 5, "b1": 2},
				{"today": 5, "c1": 2},
			},
			opts: KeywordOptions{N: 2},
			want: [][]string{{"a1"}, {"b1"}, {"c1"}},
		},
		{
			name: "a shared word labels at most a third of the clusters, where it scores best",
			counts: []map[string]int{
				{"rain": 9, "a": 2}, {"rain": 5, "b": 2}, {"rain": 3, "c": 2},
				{"d": 2}, {"e": 2}, {"f": 2},
			},
			opts: KeywordOptions{N: 2},
			want: [][]string{{"a", "rain"}, {"b", "rain"}, {"c"}, {"d"}, {"e"}, {"f"}},
		},
		{
			name:   "mentions only on request",
			counts: []map[string]int{{"@bob": 9, "rain": 2}, {"sun": 3}},
			opts:   KeywordOptions{N: 2},
			want:   [][]string{{"rain"}, {"sun"}},
		},
		{
			name:   "mentions when asked",
			counts: []map[string]int{{"@bob": 9, "rain": 2}, {"sun": 3}},
			opts:   KeywordOptions{N: 1, Mentions: true},
			want:   [][]string{{"@bob"}, {"sun"}},
		},
		{
			name:   "foreign function words are never labels",
			counts: []map[string]int{{"que": 30, "de": 20, "gol": 3}, {"rain": 4}},
			opts:   KeywordOptions{N: 2},
			want:   [][]string{{"gol"}, {"rain"}},
		},
		{
			name:   "words seen once come after repeated ones",
			counts: []map[string]int{{"zebra": 1, "aardvark": 1, "storm": 2}, {"rain": 4}},
			opts:   KeywordOptions{N: 2},
			want:   [][]string{{"storm", "aardvark"}, {"rain"}},
		},
		{
			name:   "empty clusters stay empty",
			counts: []map[string]int{nil, {"rain": 4}},
			opts:   KeywordOptions{N: 3},
			want:   [][]string{nil, {"rain"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Keywords(tc.counts, tc.opts)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if !slices.Equal(got[i], tc.want[i]) {
					t.Fatalf("cluster %d: got %v, want %v (all: %v)", i, got[i], tc.want[i], got)
				}
			}
		})
	}
}
