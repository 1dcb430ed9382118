package eval

import "github.com/geostream/geostream/analyzer/internal/model"

// KeywordScores says how well a window's keywords name its clusters.
type KeywordScores struct {
	// Judged counts clusters whose majority label is a topic (not the
	// ignored label); Own counts those of them that show a word of their
	// own topic among their first keywords. A word is a topic's when, of
	// the window's labelled tweets that use it, more carry that topic's
	// label than any other (the ignored label included).
	Judged, Own int
	// Shared is the largest share of the window's clusters that show one
	// same keyword.
	Shared float64
}

// ScoreKeywords scores the first top keywords of each of r's clusters
// against the labels of r's points.
func ScoreKeywords(r *model.Result, labels map[string]string, ignore string, top int) KeywordScores {
	var ks KeywordScores
	if len(r.Clusters) == 0 {
		return ks
	}
	byWord := map[string]map[string]int{} // word -> label -> tweets
	byCluster := map[int]map[string]int{} // cluster -> label -> tweets
	for _, p := range r.Points {
		l, ok := labels[p.ID()]
		if !ok {
			continue
		}
		for w := range p.Tokens() {
			m := byWord[w]
			if m == nil {
				m = map[string]int{}
				byWord[w] = m
			}
			m[l]++
		}
		if p.Cluster >= 0 {
			m := byCluster[p.Cluster]
			if m == nil {
				m = map[string]int{}
				byCluster[p.Cluster] = m
			}
			m[l]++
		}
	}
	shown := map[string]int{}
	for _, c := range r.Clusters {
		for _, w := range c.Keywords {
			shown[w]++
		}
		major := argmax(byCluster[c.ID])
		if major == "" || major == ignore {
			continue
		}
		ks.Judged++
		for _, w := range c.Keywords[:min(top, len(c.Keywords))] {
			if argmax(byWord[w]) == major {
				ks.Own++
				break
			}
		}
	}
	for _, n := range shown {
		ks.Shared = max(ks.Shared, float64(n)/float64(len(r.Clusters)))
	}
	return ks
}

// argmax returns the key with the largest count (ties: the smallest key).
func argmax(m map[string]int) string {
	best, bn := "", 0
	for k, n := range m {
		if n > bn || (n == bn && k < best) {
			best, bn = k, n
		}
	}
	return best
}
