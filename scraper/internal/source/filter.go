package source

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/geostream/geostream/shared/tweet"
)

// Filter keeps the tweets of a live source that carries everything (Bluesky,
// Mastodon) by language and by words, as X's filtered stream would. The zero
// value keeps every tweet.
type Filter struct {
	langs  []string
	tracks [][]string // phrases, each a list of terms
}

// NewFilter returns a Filter keeping tweets in one of langs (a primary
// language subtag matches its regional forms: "pt" keeps "pt-BR") whose text
// matches one of track. A phrase of track matches when each of its
// space-separated terms is a word of the text, in any order and case; "storm"
// also matches "#storm", while "#storm" matches only the hashtag. An empty
// list keeps everything on its side.
func NewFilter(langs, track []string) Filter {
	var f Filter
	for _, l := range langs {
		if l = strings.TrimSpace(l); l != "" {
			f.langs = append(f.langs, strings.ToLower(l))
		}
	}
	for _, p := range track {
		if terms := strings.Fields(strings.ToLower(p)); len(terms) > 0 {
			f.tracks = append(f.tracks, terms)
		}
	}
	return f
}

// Active reports whether the filter drops anything.
func (f *Filter) Active() bool { return len(f.langs) > 0 || len(f.tracks) > 0 }

// Keep reports whether t passes the filter.
func (f *Filter) Keep(t *tweet.Tweet) bool {
	return f.keepLang(t.Lang) && f.keepText(t.Text)
}

func (f *Filter) keepLang(lang string) bool {
	if len(f.langs) == 0 {
		return true
	}
	for _, want := range f.langs {
		if len(lang) >= len(want) && strings.EqualFold(lang[:len(want)], want) &&
			(len(lang) == len(want) || lang[len(want)] == '-' || lang[len(want)] == '_') {
			return true
		}
	}
	return false
}

func (f *Filter) keepText(text string) bool {
	if len(f.tracks) == 0 {
		return true
	}
	for _, terms := range f.tracks {
		all := true
		for _, term := range terms {
			if !hasTerm(text, term) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// hasTerm reports whether term (lower case) is a word of text: a run of
// letters, digits and underscores, with its leading # or @ when term has
// one. A term in a script written without spaces (Chinese, Japanese, Thai)
// matches anywhere in the text.
func hasTerm(text, term string) bool {
	if unspaced(term) {
		return strings.Contains(text, term)
	}
	mark := byte(0)
	if term[0] == '#' || term[0] == '@' {
		mark, term = term[0], term[1:]
	}
	if term == "" {
		return false
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += n
			continue
		}
		j := i
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r) {
				break
			}
			j += n
		}
		if (mark == 0 || i > 0 && text[i-1] == mark) && strings.EqualFold(text[i:j], term) {
			return true
		}
		i = j
	}
	return false
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// unspaced reports whether s holds a letter of a script written without
// spaces between words.
func unspaced(s string) bool {
	for _, r := range s {
		if r >= utf8.RuneSelf && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai) {
			return true
		}
	}
	return false
}
