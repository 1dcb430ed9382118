package cluster

import (
	"math"
	"sort"
	"strings"
)

// KeywordOptions says how clusters are labelled.
type KeywordOptions struct {
	// N is how many keywords each cluster gets.
	N int
	// Mentions lets @mentions be keywords; by default they are not (they
	// name people, not topics).
	Mentions bool
}

// keywordCandidates is how many of a cluster's best words take part in
// the window-wide choice of labels.
const keywordCandidates = 64

// Keywords labels each cluster of a window with the words that tell it
// apart from the rest of the window, ranked by class-based TF-IDF as
// BERTopic does: a word's share of its cluster's words times
// log(1 + A/f), where A is the mean number of words per cluster and f the
// word's count in the whole window. So that no label is shared by most of
// the map, a word found in more than half of three or more clusters is no
// label at all, and any other labels at most a third of the window's
// clusters (at least one), those where it scores highest. A word seen once in a
// cluster is used only when the cluster has too few repeated words.
// counts[i] holds cluster i's word counts (nil for an empty cluster); the
// result is index for index with it.
func Keywords(counts []map[string]int, o KeywordOptions) [][]string {
	out := make([][]string, len(counts))
	if o.N <= 0 {
		return out
	}
	window := map[string]int{}
	present := map[string]int{} // clusters a word is found in
	total, clusters := 0, 0
	for _, c := range counts {
		if len(c) == 0 {
			continue
		}
		clusters++
		for w, n := range c {
			if !o.Mentions && strings.HasPrefix(w, "@") {
				continue
			}
			if IsForeignStopWord(w) {
				continue
			}
			window[w] += n
			present[w]++
			total += n
		}
	}
	if clusters == 0 {
		return out
	}
	if clusters >= 3 {
		for w, p := range present {
			if 2*p > clusters {
				delete(window, w)
			}
		}
	}
	avg := float64(total) / float64(clusters)
	type cand struct {
		cluster int
		word    string
		score   float64
		repeat  bool // seen more than once in its cluster
	}
	var all []cand
	for i, c := range counts {
		size := 0
		for w, n := range c {
			if _, ok := window[w]; ok {
				size += n
			}
		}
		if size == 0 {
			continue
		}
		var cs []cand
		for w, n := range c {
			f, ok := window[w]
			if !ok {
				continue
			}
			s := float64(n) / float64(size) * math.Log(1+avg/float64(f))
			cs = append(cs, cand{i, w, s, n > 1})
		}
		sort.Slice(cs, func(a, b int) bool {
			return better(cs[a].repeat, cs[a].score, cs[a].word, cs[b].repeat, cs[b].score, cs[b].word)
		})
		all = append(all, cs[:min(len(cs), keywordCandidates)]...)
	}
	sort.Slice(all, func(a, b int) bool {
		return better(all[a].repeat, all[a].score, all[a].word, all[b].repeat, all[b].score, all[b].word)
	})
	limit := max(1, clusters/3)
	uses := map[string]int{}
	for _, c := range all {
		if len(out[c.cluster]) >= o.N || uses[c.word] >= limit {
			continue
		}
		uses[c.word]++
		out[c.cluster] = append(out[c.cluster], c.word)
	}
	return out
}

// better orders keyword candidates: words seen more than once first, then
// by score, then alphabetically.
func better(ra bool, sa float64, wa string, rb bool, sb float64, wb string) bool {
	if ra != rb {
		return ra
	}
	if sa != sb {
		return sa > sb
	}
	return wa < wb
}

// IsForeignStopWord reports whether w is a common function word of a
// frequent non-English language as the seed profile's tokenizer leaves it
// (ASCII-folded; it drops only English stop words): such words are kept
// for clustering but never shown as a cluster's keyword. The default
// tokenizer drops the stop words of twenty languages itself.
func IsForeignStopWord(w string) bool {
	_, ok := foreignStop[w]
	return ok
}

var foreignStop = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range strings.Fields(foreignStopList) {
		m[w] = struct{}{}
	}
	return m
}()

// foreignStopList: Spanish, Portuguese, French, German, Italian, Dutch and
// Turkish function words, ASCII-folded as the tokenizer leaves them (it
// drops non-ASCII letters, so "está" arrives as "est").
const foreignStopList = `
de la que el en los del se las por un para una su lo como mas pero sus le ya fue este ha si
porque esta entre cuando muy sobre tambien me hasta hay donde quien desde todo nos durante todos
uno les ni contra otros ese eso ante ellos esto mi antes algunos unos yo otro otras otra tanto
esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo nosotros tu te ti
tus ellas es soy eres somos fui hoy asi pq xq jaja jajaja jajajaja nao um uma os no na do da em
com ao dos das pelo pela ou ele ela eles elas isso isto aquele voce vc meu minha seu sua tem foi
ser estou vai sao ja muito tudo aqui so tambem mais quando onde kkk kkkk kkkkk des du et est une
pas pour sur au avec ce qui dans il elle ils je nous vous donc ne sont cest jai suis sa ses ma
mes ta tes leur leurs moi toi lui y aux cette ces tout tous tres bien fait faire der und ist
nicht ein eine zu sich auf fur im von wie auch an noch nach bei wenn nur oder aber vor zur bis
mehr durch sein wird ich er sie wir ihr di che per non sono della gli ci io piu anche het een ik
dat niet op zijn voor maar hij ze wat dit om aan ook bij nog bir ve bu icin ile cok gibi ama var
yok
`
