package text

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/geostream/geostream/shared/tweet"
)

// Tokenize appends the words of s, a post from anywhere, to dst and returns
// it. Words are runs of Unicode letters, marks and digits, folded by [Fold]:
//   - digits alone and, in alphabetic scripts, single letters are no words;
//   - Japanese (Han and kana in a post with kana) is cut into words by a
//     dictionary and keeps its nouns; Chinese (Han in a post without kana) and
//     Thai, Lao, Khmer and Burmese give overlapping pairs of characters, as
//     Lucene's CJK analyzer does; Korean is cut at spaces and loses a trailing
//     particle (서울에서 → 서울);
//   - hashtags are words with their '#' ("#東京"), mentions '@handle' tokens
//     ("@alice.bsky.social");
//   - links, with or without a scheme ("nytimes.com/2024/…", "www.x.org"),
//     bare handles and e-mail addresses give nothing, not even their parts;
//   - an apostrophe after a French, Italian or Catalan elision ("l'école") or
//     before an English clitic ("Ana's", "don't") ends the part it cuts off;
//     elsewhere it joins ("aujourd'hui" → "aujourdhui"); German gender forms
//     ("Lehrer*innen") and versions ("JN.1") stay one word;
//   - stop words of the [Languages] and social-media residue are dropped
//     whatever the post's language, but for a stop word that is an English
//     content word ("war", "die"), which a post keeps unless its other stop
//     words are more of that language than of English.
//
// The words are substrings of one new string. The first post with Japanese
// loads the dictionary (see [PrepareJapanese]).
func Tokenize(dst []string, s string) []string {
	var t tokenizer
	t.buf = make([]byte, 0, len(s)+8)
	if !isASCII(s) {
		s = nfkc(s)
		t.kana = hasKana(s)
	}
	t.scan(s)
	return t.finish(dst)
}

// TokenizePost is [Tokenize] with the spans a source marked in s (byte
// offsets into s): a link span gives nothing, a mention span its '@handle'
// token, a tag span its '#tag' token. Spans out of range, not on rune
// boundaries, of an unknown kind or overlapping an earlier one are ignored.
func TokenizePost(dst []string, s string, ents []tweet.Entity) []string {
	var stack [16]tweet.Entity
	spans := validSpans(stack[:0], s, ents)
	if len(spans) == 0 {
		return Tokenize(dst, s)
	}
	var t tokenizer
	t.buf = make([]byte, 0, len(s)+8)
	pos := 0
	for _, e := range spans {
		if e.Kind != tweet.EntityLink {
			t.kana = t.kana || hasKana(s[pos:e.End])
		} else {
			t.kana = t.kana || hasKana(s[pos:e.Start])
		}
		pos = e.End
	}
	t.kana = t.kana || hasKana(s[pos:])
	pos = 0
	for _, e := range spans {
		t.scan(nfkc(s[pos:e.Start]))
		span := s[e.Start:e.End]
		switch e.Kind {
		case tweet.EntityMention:
			if !t.entity('@', span) {
				t.scan(nfkc(span))
			}
		case tweet.EntityTag:
			if !t.entity('#', span) {
				t.scan(nfkc(span))
			}
		}
		pos = e.End
	}
	t.scan(nfkc(s[pos:]))
	return t.finish(dst)
}

// validSpans appends to dst the entities of ents that mark a valid span of s,
// sorted by start, each after the end of the one before.
func validSpans(dst []tweet.Entity, s string, ents []tweet.Entity) []tweet.Entity {
	for _, e := range ents {
		if e.Kind < tweet.EntityLink || e.Kind > tweet.EntityTag ||
			e.Start < 0 || e.End > len(s) || e.Start >= e.End ||
			!utf8.RuneStart(s[e.Start]) || e.End < len(s) && !utf8.RuneStart(s[e.End]) {
			continue
		}
		// Insert in order; sources give them sorted, so this is a append.
		i := len(dst)
		for i > 0 && dst[i-1].Start > e.Start {
			i--
		}
		if i > 0 && dst[i-1].End > e.Start || i < len(dst) && e.End > dst[i].Start {
			continue // overlaps a span already taken
		}
		dst = append(dst, tweet.Entity{})
		copy(dst[i+1:], dst[i:])
		dst[i] = e
	}
	return dst
}

// tokenizer gathers the words of one post in buf, each followed by a space.
type tokenizer struct {
	buf   []byte
	kana  bool  // the post has kana: its Han is Japanese
	votes votes // the post's stop words by language
	amb   [8]ambiguous
	namb  int
}

// ambiguous is a word in buf that is a stop word of one language and an
// English content word; the post's votes decide at the end.
type ambiguous struct {
	start, end int
	mask       uint32
}

// finish drops the ambiguous words of a post that reads as another language
// than English and appends the words to dst.
func (t *tokenizer) finish(dst []string) []string {
	for k := t.namb - 1; k >= 0; k-- {
		a := t.amb[k]
		if t.votes.foreign(a.mask) {
			t.buf = append(t.buf[:a.start], t.buf[a.end+1:]...)
		}
	}
	if len(t.buf) == 0 {
		return dst
	}
	words := string(t.buf[:len(t.buf)-1])
	// Room for exactly the words: a caller that keeps the slice keeps no
	// spare room (append's doubling leaves a quarter unused on average).
	dst = slices.Grow(dst, strings.Count(words, " ")+1)
	for {
		w, rest, more := strings.Cut(words, " ")
		dst = append(dst, w)
		if !more {
			return dst
		}
		words = rest
	}
}

// keep ends the word that starts at buf[start]: a stop word is taken out
// (and votes for its languages), an ambiguous one is kept for finish to
// judge, any other is kept.
func (t *tokenizer) keep(start int) {
	m := stopWords[string(t.buf[start:])]
	switch {
	case m == 0:
	case m&englishBit != 0:
		if t.namb < len(t.amb) {
			t.amb[t.namb] = ambiguous{start, len(t.buf), m}
			t.namb++
		} else if t.votes.foreign(m) {
			t.buf = t.buf[:start]
			return
		}
	default:
		t.votes.add(m)
		t.buf = t.buf[:start]
		return
	}
	t.buf = append(t.buf, ' ')
}

// Classes of word runes: a word never spans two.
const (
	clsNone   = iota
	clsOther  // letters and digits of alphabetic scripts
	clsCJK    // Han, Hiragana, Katakana
	clsHangul // Korean
	clsSEA    // Thai, Lao, Khmer, Myanmar: written without spaces
)

func class(r rune) int {
	if r < utf8.RuneSelf {
		if isASCIIAlnum(byte(r)) {
			return clsOther
		}
		return clsNone
	}
	switch {
	case unicode.IsMark(r):
		return clsNone // continues the word before it
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana),
		r == 0x30FC, r == 0x3005, r == 0x3006, r == 0x3007, r == 0x303B, r == 0x309D, r == 0x309E, r == 0x30FD, r == 0x30FE:
		return clsCJK
	case unicode.Is(unicode.Hangul, r):
		return clsHangul
	case unicode.In(r, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar):
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return clsSEA
		}
		return clsNone
	case unicode.IsLetter(r), unicode.IsDigit(r):
		return clsOther
	}
	return clsNone
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// hasKana reports whether s has Hiragana or Katakana.
func hasKana(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.In(r, unicode.Hiragana, unicode.Katakana) {
			return true
		}
		i += n - 1
	}
	return false
}

// scan adds the words of s, in NFKC.
func (t *tokenizer) scan(s string) {
	prev := clsNone   // class of the rune before i, clsNone after any other
	linkish := false  // the rune before i may be inside a link or handle
	wordChar := false // the rune before i is a letter, mark, digit, '_' or '&'
	for i := 0; i < len(s); {
		c := s[i]
		if c == '#' && !wordChar || c == '@' && mentionMayStart(s, i) {
			if n := t.sigil(s, i); n > 0 {
				i, prev, linkish, wordChar = n, clsNone, true, true
				continue
			}
		}
		if !wordChar {
			switch {
			case isASCIIAlnum(c) && !linkish && prev != clsOther:
				if n := linkEnd(s, i); n > 0 {
					i, prev, linkish, wordChar = n, clsNone, true, false
					continue
				}
			}
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		cls := class(r)
		if cls != clsNone {
			if cls == clsOther && isASCIIAlnum(c) && prev != clsOther && prev != clsNone && !linkish {
				// Latin after CJK with no space ("見てbsky.app"): a link may start here.
				if n := linkEnd(s, i); n > 0 {
					i, prev, linkish, wordChar = n, clsNone, true, false
					continue
				}
			}
			end := wordEnd(s, i, cls)
			i = t.word(s, i, end, cls)
			prev, linkish, wordChar = cls, false, true
			if i > end {
				prev, linkish, wordChar = clsNone, true, false // skipped an e-mail address
			}
			continue
		}
		i += size
		prev = clsNone
		if c < utf8.RuneSelf {
			wordChar = c == '_' || c == '&'
			linkish = linkPunct[c]
		} else if !ignorable(r) { // an invisible character changes nothing
			wordChar = unicode.IsMark(r)
			linkish = false
		}
	}
}

// mentionMayStart reports whether an '@' at s[i] may start a mention, as
// X's rules have it: not after an ASCII letter, digit or '_' (an e-mail
// address) but for a retweet's "RT@", nor after one of "!#$%&*@".
func mentionMayStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	p := s[i-1]
	switch {
	case isASCIIAlnum(p) || p == '_':
		return i >= 2 && strings.EqualFold(s[i-2:i], "rt") && (i == 2 || !isASCIIAlnum(s[i-3]) && s[i-3] != '_')
	case strings.IndexByte("!#$%&*@", p) >= 0:
		return false
	}
	return true
}

// linkPunct marks the ASCII punctuation that may stand inside a link or a
// handle: a word right after it starts no link of its own.
var linkPunct = func() (t [utf8.RuneSelf]bool) {
	for _, c := range []byte("._-/@:%~+=?&#") {
		t[c] = true
	}
	return t
}()

// wordEnd returns the end of the word of class cls that starts at i: marks
// and characters that only shape a word continue it, and so does an
// apostrophe or a middle dot between two letters of an alphabetic script.
func wordEnd(s string, i, cls int) int {
	for i < len(s) {
		if cls == clsOther && isASCIIAlnum(s[i]) {
			i++
			continue
		}
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		c := class(r)
		switch {
		case c == cls:
		case c == clsNone && r >= utf8.RuneSelf && (unicode.IsMark(r) || ignorable(r)):
		case cls == clsOther && (r == '\'' || r == '’' || r == '·') && i+n < len(s):
			next, _ := utf8.DecodeRuneInString(s[i+n:])
			if !unicode.IsLetter(next) || class(next) != clsOther {
				return i
			}
		case cls == clsOther && r == '.' && i+1 < len(s) && '0' <= s[i+1] && s[i+1] <= '9' && i > 0 && isASCIIAlnum(s[i-1]):
			// A version or variant: "JN.1", "web3.0".
		case cls == clsOther && (r == '*' || r == ':' || r == '_' || r == '/') && genderEnding(s[i+1:]) > 0:
			// German gender forms: "Lehrer*innen", "Bürger:in".
			n += genderEnding(s[i+1:])
		default:
			return i
		}
		i += n
	}
	return i
}

// genderEnding returns the length of the German gender ending ("innen",
// "in") that s starts with and that ends a word there, or 0.
func genderEnding(s string) int {
	for _, e := range []string{"innen", "in"} {
		if len(s) >= len(e) && strings.EqualFold(s[:len(e)], e) {
			if len(s) == len(e) {
				return len(e)
			}
			if r, _ := utf8.DecodeRuneInString(s[len(e):]); !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return len(e)
			}
		}
	}
	return 0
}

// word adds the word s[i:end] of class cls and returns where scanning goes
// on: end, or past the host of an e-mail address the word starts.
func (t *tokenizer) word(s string, i, end, cls int) int {
	w := s[i:end]
	switch cls {
	case clsOther:
		if end < len(s) && s[end] == '@' {
			if h := hostEnd(s, end+1); h > 0 {
				return h // an e-mail address
			}
		}
		t.alphabetic(w)
	case clsCJK:
		if t.kana {
			t.japanese(w)
		} else {
			t.pairs(w, 1)
		}
	case clsHangul:
		t.korean(w)
	case clsSEA:
		t.pairs(w, 2)
	}
	return end
}

// Elisions and clitics, lower case: the parts of a word an apostrophe cuts off.
var (
	elisions = set("l d j m n s t c qu jusqu lorsqu puisqu quoiqu presqu dell nell sull dall all coll un gl tutt quell quest nessun")
	clitics  = set("s t re ve ll d m")
)

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

// alphabetic adds a word of an alphabetic script.
func (t *tokenizer) alphabetic(w string) {
	start := len(t.buf)
	if t.asciiWord(w) {
		return
	}
	if strings.ContainsAny(w, "'’ʼ") {
		w = cutClitics(w)
	}
	letters, chars, first, same := 0, 0, rune(-1), true
	for _, r := range w {
		if isApostrophe(r) {
			continue
		}
		n := len(t.buf)
		t.buf = appendFold(t.buf, r)
		if n == len(t.buf) {
			continue
		}
		f, _ := utf8.DecodeRune(t.buf[n:])
		if unicode.IsMark(f) {
			continue
		}
		chars++
		if unicode.IsLetter(f) {
			letters++
		}
		if first < 0 {
			first = f
		} else if f != first {
			same = false
		}
	}
	if letters == 0 || chars < 2 || same && chars > 2 {
		// Digits, one letter, or one letter over and over ("www", "aaaa").
		t.buf = t.buf[:start]
		return
	}
	t.keep(start)
}

// asciiWord adds w if it is ASCII letters and digits only, the common case,
// and reports whether it was.
func (t *tokenizer) asciiWord(w string) bool {
	letters, same := 0, true
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case 'a' <= c && c <= 'z':
			letters++
		case 'A' <= c && c <= 'Z':
			letters++
			c += 'a' - 'A'
		case '0' <= c && c <= '9':
		default:
			return false
		}
		same = same && c|0x20 == w[0]|0x20
	}
	if letters == 0 || len(w) < 2 || same && len(w) > 2 {
		return true // digits, one letter, or one letter over and over
	}
	start := len(t.buf)
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		t.buf = append(t.buf, c)
	}
	t.keep(start)
	return true
}

// cutClitics drops the elisions before and the clitics after the apostrophes
// of w.
func cutClitics(w string) string {
	for {
		i := strings.IndexAny(w, "'’ʼ")
		if i < 0 || !elisions[strings.ToLower(w[:i])] {
			break
		}
		_, n := utf8.DecodeRuneInString(w[i:])
		w = w[i+n:]
	}
	for {
		i := strings.LastIndexAny(w, "'’ʼ")
		if i < 0 {
			break
		}
		_, n := utf8.DecodeRuneInString(w[i:])
		if !clitics[strings.ToLower(w[i+n:])] {
			break
		}
		w = w[:i]
	}
	return w
}

// pairs adds the overlapping pairs of characters of w (a character being a
// letter with the marks after it), or w itself if it has one character and
// one is enough (min 1, for Han).
func (t *tokenizer) pairs(w string, min int) {
	var marks [3]int // starts of the last three characters
	n := 0
	for i, r := range w {
		if i > 0 && (unicode.IsMark(r) || ignorable(r)) {
			continue
		}
		marks[0], marks[1], marks[2] = marks[1], marks[2], i
		n++
		if n >= 3 {
			t.add(w[marks[0]:marks[2]])
		}
	}
	switch {
	case n >= 2:
		t.add(w[marks[1]:])
	case n == 1 && min == 1:
		t.add(w)
	}
}

// add adds w, folded, as a word unless it is one character three times or
// more ("ｗｗｗ", "ㅋㅋㅋ").
func (t *tokenizer) add(w string) {
	start := len(t.buf)
	chars, first, same := 0, rune(-1), true
	for _, r := range w {
		n := len(t.buf)
		t.buf = appendFold(t.buf, r)
		if n == len(t.buf) || unicode.IsMark(r) {
			continue
		}
		chars++
		if first < 0 {
			first = r
		} else if r != first {
			same = false
		}
	}
	if chars == 0 || same && chars > 2 {
		t.buf = t.buf[:start]
		return
	}
	t.keep(start)
}

// sigil adds the hashtag or mention at s[i] ('#' or '@') and returns its end,
// or 0 if none starts there.
func (t *tokenizer) sigil(s string, i int) int {
	j := i + 1
	if s[i] == '@' {
		// A handle: X and Mastodon names, Bluesky domains, Mastodon's
		// @name@server.
		if j >= len(s) || !(isASCIIAlnum(s[j]) || s[j] == '_') {
			return 0
		}
		for j < len(s) && (isASCIIAlnum(s[j]) || strings.IndexByte("_.-@", s[j]) >= 0) {
			j++
		}
		for s[j-1] == '.' || s[j-1] == '-' || s[j-1] == '@' {
			j--
		}
		t.buf = append(t.buf, '@')
		for k := i + 1; k < j; k++ {
			t.buf = appendFold(t.buf, rune(s[k]))
		}
		t.buf = append(t.buf, ' ')
		return j
	}
	// A hashtag: letters, marks, digits and '_' of any script.
	letters, runes, first := 0, 0, clsNone
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if r == '.' && j+1 < len(s) && '0' <= s[j+1] && s[j+1] <= '9' && isASCIIAlnum(s[j-1]) {
			j++ // a version or variant: "#JN.1"
			continue
		}
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || ignorable(r)) {
			break
		}
		if unicode.IsLetter(r) {
			letters++
			if first == clsNone {
				first = class(r)
			}
		}
		runes++
		j += n
	}
	if j == i+1 {
		return 0
	}
	if letters == 0 || runes == 1 && first == clsOther {
		return j // "#1", "#a": no word
	}
	t.entity('#', s[i:j])
	return j
}

// entity adds span, a mention or tag the source marked (or the tokenizer
// found), as one token with its sigil; it reports false if span is no
// handle or tag.
func (t *tokenizer) entity(sigil byte, span string) bool {
	span = strings.TrimLeft(nfkc(span), string(sigil))
	if span == "" {
		return false
	}
	start := len(t.buf)
	t.buf = append(t.buf, sigil)
	letter := false
	for _, r := range span {
		if unicode.IsSpace(r) || r == utf8.RuneError {
			t.buf = t.buf[:start]
			return false
		}
		letter = letter || unicode.IsLetter(r) || sigil == '@' && unicode.IsDigit(r)
		t.buf = appendFold(t.buf, r)
	}
	if !letter || len(t.buf) == start+1 {
		t.buf = t.buf[:start] // "#2024" is no word
		return true
	}
	t.buf = append(t.buf, ' ')
	return true
}
