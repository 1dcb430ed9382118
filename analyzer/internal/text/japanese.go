package text

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/dict"
	"github.com/ikawaha/kagome-dict/ipa"
	kagome "github.com/ikawaha/kagome/v2/tokenizer"
)

// segmenter cuts Japanese into words with kagome and the IPA dictionary
// (mecab-ipadic), loaded once, when the first Japanese post comes.
type segmenter struct {
	tok *kagome.Tokenizer
	// kind[id] says what the tokenizer makes of the dictionary's word id.
	kind []uint8
	// base holds the dictionary form of the verbs and adjectives kept
	// ("忘れ" → "忘れる"), by word id.
	base map[int32]string
	// unknownNoun says, by class, whether a word the dictionary lacks is a
	// noun.
	unknownNoun []bool
}

// Kinds of dictionary words.
const (
	jaSkip = iota // particles, auxiliaries, pronouns, numbers, adverbs...
	jaNoun        // common and proper nouns, nouns of action and of quality
	jaVerb        // independent verbs and adjectives, kept in dictionary form
)

var (
	jaOnce sync.Once
	ja     *segmenter
)

// PrepareJapanese loads the Japanese dictionary now, which the first post
// with Japanese would otherwise do (a second or more, 37.5 MB of heap). It
// is safe to call more than once and from several goroutines.
func PrepareJapanese() { japaneseSegmenter() }

// japaneseSegmenter returns the segmenter, loading it the first time.
func japaneseSegmenter() *segmenter {
	jaOnce.Do(func() { ja = newSegmenter(ipa.Dict()) })
	return ja
}

// newSegmenter makes a segmenter of d. It keeps the dictionary forms of the
// verbs and adjectives it wants and drops the rest of d's contents
// (readings, pronunciations, inflections): they would hold 60 MB more of
// heap for as long as the process runs.
func newSegmenter(d *dict.Dict) *segmenter {
	tok, err := kagome.New(d, kagome.OmitBosEos())
	if err != nil {
		panic("text: loading the Japanese dictionary: " + err.Error())
	}
	seg := &segmenter{tok: tok, kind: make([]uint8, len(d.POSTable.POSs)), base: map[int32]string{}}
	baseAt, haveBase := d.ContentsMeta[dict.BaseFormIndex]
	type pair struct{ a, b dict.POSID }
	memo := map[pair]uint8{}
	intern := map[string]string{}
	for id, pos := range d.POSTable.POSs {
		if len(pos) < 2 {
			continue
		}
		p := pair{pos[0], pos[1]}
		k, ok := memo[p]
		if !ok {
			k = jaKind(d.POSTable.NameList[pos[0]], d.POSTable.NameList[pos[1]])
			memo[p] = k
		}
		if k == jaVerb {
			i := int(baseAt) - len(pos)
			if !haveBase || id >= len(d.Contents) || i < 0 || i >= len(d.Contents[id]) {
				continue
			}
			b := d.Contents[id][i]
			if _, ok := intern[b]; !ok {
				intern[b] = strings.Clone(b)
			}
			seg.base[int32(id)] = intern[b]
		}
		seg.kind[id] = k
	}
	d.Contents = nil
	seg.unknownNoun = make([]bool, len(d.UnkDict.Contents))
	for i, c := range d.UnkDict.Contents {
		seg.unknownNoun[i] = len(c) > 1 && jaKind(c[0], c[1]) == jaNoun
	}
	return seg
}

// jaKind says what is kept of words of this part of speech (IPA's first two
// levels).
func jaKind(pos0, pos1 string) uint8 {
	switch pos0 {
	case "名詞":
		switch pos1 {
		case "一般", "固有名詞", "サ変接続", "形容動詞語幹", "ナイ形容詞語幹":
			return jaNoun
		}
	case "動詞", "形容詞":
		if pos1 == "自立" {
			return jaVerb
		}
	}
	return jaSkip
}

// lightVerbs are Japanese verbs and adjectives as common as stop words and as
// empty of a topic, which stopwords-iso's short Japanese list lacks.
var lightVerbs = set("思う 言う いう 見る みる 行く いく 来る くる やる 分かる わかる いい 良い よい 無い ない 多い 少ない 欲しい ほしい すごい 凄い しまう おる くれる もらう あげる")

// japanese adds the nouns, verbs and adjectives of w, a run of Han and kana;
// verbs and adjectives in their dictionary form.
func (t *tokenizer) japanese(w string) {
	seg := japaneseSegmenter()
	toks := seg.tok.Tokenize(w)
	for k := 0; k < len(toks); k++ {
		tk := toks[k]
		word := ""
		switch tk.Class {
		case kagome.KNOWN:
			if tk.ID < 0 || tk.ID >= len(seg.kind) {
				continue
			}
			switch seg.kind[tk.ID] {
			case jaNoun:
				word = tk.Surface
			case jaVerb:
				word = seg.base[int32(tk.ID)]
				if lightVerbs[word] {
					continue
				}
			}
		case kagome.UNKNOWN:
			if tk.ID >= 0 && tk.ID < len(seg.unknownNoun) && seg.unknownNoun[tk.ID] {
				word = tk.Surface
			}
		}
		if word == "" {
			continue
		}
		if word == tk.Surface && katakana(word) {
			// A loanword the dictionary splits ("ブル" + "スコ") is one word.
			end := tk.End
			for k+1 < len(toks) && toks[k+1].Start == end && katakana(toks[k+1].Surface) && seg.isNoun(toks[k+1]) {
				k++
				end = toks[k].End
			}
			if end != tk.End {
				last := toks[k]
				word = w[tk.Position : last.Position+len(last.Surface)]
			}
		}
		if r, n := utf8.DecodeRuneInString(word); n == len(word) && !unicode.Is(unicode.Han, r) {
			continue // one kana is no word
		}
		t.add(word)
	}
}

// isNoun reports whether tk is a noun the tokenizer keeps.
func (seg *segmenter) isNoun(tk kagome.Token) bool {
	switch tk.Class {
	case kagome.KNOWN:
		return tk.ID >= 0 && tk.ID < len(seg.kind) && seg.kind[tk.ID] == jaNoun
	case kagome.UNKNOWN:
		return tk.ID >= 0 && tk.ID < len(seg.unknownNoun) && seg.unknownNoun[tk.ID]
	}
	return false
}

// katakana reports whether s is Katakana only (with the long vowel mark).
func katakana(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Katakana, r) && r != 0x30FC {
			return false
		}
	}
	return s != ""
}
