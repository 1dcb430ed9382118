package text

import (
	_ "embed"
	"math/bits"
	"strings"
)

// Languages are the languages whose stop words the tokenizer drops, by ISO
// 639-1 code: the twenty commonest on Bluesky and Mastodon.
var Languages = []string{"en", "ja", "pt", "de", "es", "fr", "ko", "it", "nl", "ru", "uk", "pl", "tr", "zh", "ar", "fa", "id", "th", "ca", "sv"}

const (
	langEN = 0 // index of English in Languages
	// residueBit marks the social-media residue every network shares.
	residueBit = 1 << 30
	// englishBit marks a stop word of another language that is an English
	// content word: dropped only in a post whose stop words are more of that
	// language than of English.
	englishBit = 1 << 31
	langMask   = 1<<30 - 1
)

//go:embed stopwords.txt
var stopFile string

// residue is what posts on every network carry besides their words: retweet
// and via markers, HTML entities left as words, link parts, laughter and
// kisses ("ww", "xx").
const residue = `rt amp via mt cc ht gt lt quot nbsp apos http https www com html htm php utm ref ww xx`

// stopWords maps a folded word to the languages it is a stop word of (bit i
// for Languages[i]) and the residue and English-content bits.
var stopWords = loadStopWords(stopFile)

func loadStopWords(file string) map[string]uint32 {
	if len(Languages) != nLang {
		panic("text: nLang is not len(Languages)")
	}
	m := make(map[string]uint32, 12000)
	index := map[string]int{}
	for i, l := range Languages {
		index[l] = i
	}
	for line := range strings.Lines(file) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		lang, words, _ := strings.Cut(strings.TrimSpace(line), " ")
		var bit uint32
		if lang == "en+" {
			bit = englishBit
		} else if i, ok := index[lang]; ok {
			bit = 1 << i
		} else {
			panic("text: stopwords.txt has an unknown language " + lang)
		}
		for _, w := range strings.Fields(words) {
			m[w] |= bit
		}
	}
	for _, w := range strings.Fields(residue) {
		m[w] |= residueBit
	}
	return m
}

// IsStopWord reports whether the folded word w is a stop word of any of the
// Languages or social-media residue ("rt", "amp", "via"), as the tokenizer
// drops it in a post with no other clue to its language. English content
// words that are stop words of another language ("war", "die") are not.
func IsStopWord(w string) bool {
	m := stopWords[w]
	return m&englishBit == 0 && m != 0
}

// nLang is len(Languages).
const nLang = 20

// votes counts a post's stop words, as evidence of its language for the
// English content words that are stop words of another language X ("war"
// is German): the post reads as X when it has more stop words of X that are
// no English stop words than English stop words that are not X's. An
// English stop word counts only if at most one other list has it too:
// stopwords-iso's English list holds "de", "la" and "que", which say nothing
// of English.
type votes struct {
	x      [nLang]uint16 // stop words of each language that are not English ones
	en     uint16        // English stop words of at most two lists
	enWith [nLang]uint16 // those of them that are also a stop word of each language
}

func (v *votes) add(mask uint32) {
	mask &= langMask
	if mask&(1<<langEN) == 0 {
		for m := mask; m != 0; m &= m - 1 {
			v.x[bits.TrailingZeros32(m)]++
		}
		return
	}
	if bits.OnesCount32(mask) > 2 {
		return
	}
	v.en++
	for m := mask &^ (1 << langEN); m != 0; m &= m - 1 {
		v.enWith[bits.TrailingZeros32(m)]++
	}
}

// foreign reports whether the post whose votes these are reads as one of the
// languages of mask rather than as English.
func (v *votes) foreign(mask uint32) bool {
	for m := mask & langMask &^ (1 << langEN); m != 0; m &= m - 1 {
		i := bits.TrailingZeros32(m)
		if v.x[i] > v.en-v.enWith[i] {
			return true
		}
	}
	return false
}
