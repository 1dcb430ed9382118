package text

import (
	"strings"
	"unicode/utf8"
)

// Korean particles a word may end in, longest first, with the kind of
// syllable they follow: a particle that comes after a final consonant
// (은, 을, 과, 으로) is only cut after one, its other form (는, 를, 와, 로)
// only after a vowel, so a word that merely ends like a particle is left
// alone more often. 이 and 가 (subject) and 의 (possessive) are not cut:
// too many nouns end in them (고양이, 음악가, 민주주의).
var particles = []struct {
	p     string
	after int // 0 any syllable, 1 after a final consonant, 2 after a vowel or ㄹ
}{
	{"에서는", 0}, {"으로는", 1}, {"에게서", 0},
	{"에서", 0}, {"에게", 0}, {"으로", 1}, {"까지", 0}, {"부터", 0}, {"한테", 0}, {"처럼", 0},
	{"보다", 0}, {"에는", 0}, {"이랑", 1}, {"께서", 0}, {"마다", 0}, {"조차", 0}, {"밖에", 0},
	{"은", 1}, {"는", 2}, {"을", 1}, {"를", 2}, {"과", 1}, {"와", 2}, {"로", 2}, {"에", 0}, {"도", 0}, {"랑", 2},
}

// korean adds a Korean word, without a trailing particle when at least two
// syllables are left. Words of compatibility jamo only ("ㅋㅋ", "ㅠㅠ") are
// no words.
func (t *tokenizer) korean(w string) {
	syllables := true
	for _, r := range w {
		if r < 0xAC00 || r > 0xD7A3 {
			syllables = false
			break
		}
	}
	if !syllables {
		if !strings.ContainsFunc(w, func(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 }) {
			return
		}
		t.add(w)
		return
	}
	for _, p := range particles {
		stem, ok := strings.CutSuffix(w, p.p)
		if !ok || stem == "" {
			continue
		}
		last, _ := utf8.DecodeLastRuneInString(stem)
		final := (last - 0xAC00) % 28 // 0: no final consonant, 8: ㄹ
		if p.after == 1 && final == 0 || p.after == 2 && final != 0 && final != 8 {
			continue
		}
		// The longest particle that fits decides, even when it leaves too
		// short a stem to cut ("것으로" is not "것으" + 로); a stop word with
		// a particle is a stop word ("나는", "것으로").
		if IsStopWord(stem) {
			return
		}
		if utf8.RuneCountInString(stem) >= 2 {
			w = stem
		}
		break
	}
	t.add(w)
}
