package tweet

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// maxEntities bounds the entities kept for one post, and maxEntityInput
// those read from a line, against hostile records: a real post marks a few
// dozen at most (X allows 50 mentions).
const (
	maxEntities    = 100
	maxEntityInput = 4 * maxEntities
	maxEntityValue = 2048 // bytes of an entity's Value (a URL) kept
)

// String returns the kind's name as the compact record writes it: "link",
// "mention" or "tag".
func (k EntityKind) String() string {
	switch k {
	case EntityLink:
		return "link"
	case EntityMention:
		return "mention"
	case EntityTag:
		return "tag"
	}
	return "entity"
}

// entityKind is the kind named s, or 0.
func entityKind(s string) EntityKind {
	switch s {
	case "link":
		return EntityLink
	case "mention":
		return EntityMention
	case "tag":
		return EntityTag
	}
	return 0
}

// cleanEntities returns es sorted by Start, keeping only those that mark a
// non-empty part of text between rune boundaries and overlap none kept
// before them (at most maxEntities); nil when none is left. What a source
// marked wrongly is dropped, never trusted: the tokenizer slices Text by
// these offsets.
func cleanEntities(text string, es []Entity) []Entity {
	if len(es) == 0 {
		return nil
	}
	slices.SortStableFunc(es, func(a, b Entity) int { return a.Start - b.Start })
	out := es[:0]
	end := 0
	for _, e := range es {
		if e.Kind < EntityLink || e.Kind > EntityTag || e.Start < end || e.End <= e.Start || e.End > len(text) ||
			!runeBoundary(text, e.Start) || !runeBoundary(text, e.End) {
			continue
		}
		e.Value = truncate(e.Value, maxEntityValue)
		out = append(out, e)
		end = e.End
		if len(out) == maxEntities {
			break
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// runeBoundary reports whether i is where a rune of s starts as Go's range
// loop reads s (each byte of invalid UTF-8 a rune of its own), or len(s).
func runeBoundary(s string, i int) bool {
	if i <= 0 || i >= len(s) {
		return i == 0 || i == len(s)
	}
	if utf8.RuneStart(s[i]) {
		return true // a valid sequence never holds a byte that starts a rune
	}
	for q := i - 1; q >= 0 && q >= i-(utf8.UTFMax-1); q-- {
		if utf8.RuneStart(s[q]) {
			r, n := utf8.DecodeRuneInString(s[q:])
			return (r == utf8.RuneError && n == 1) || q+n <= i
		}
	}
	return true // continuation bytes with no start: each is invalid, and a rune
}

// appendTagEntity marks "#tag" at text[start:] as a hashtag.
func appendTagEntity(es []Entity, start int, tag string) []Entity {
	return append(es, Entity{Kind: EntityTag, Start: start, End: start + 1 + len(tag), Value: tag})
}

// xEntity is an entity of an X line before its offsets are checked: Start
// and End count code points of the text as X sent it (escaped), and sign
// and want are the text it should mark: "#tag", "@name", or want alone
// (the t.co URL). want may alias the parser's buffer.
type xEntity struct {
	Entity
	sign byte
	want []byte
}

// xEntities turns X entities into byte offsets into the unescaped text u
// of sent. X counts code points of the text it sent, with &, < and >
// escaped (see unescapeX), so each "&amp;" before an entity moves it four
// bytes back. An entity whose offsets do not mark what it names (X's
// indices are known to be off at times) is looked for after the one
// before it; one that is not found is dropped.
func xEntities(sent, u string, es []xEntity) []Entity {
	if len(es) == 0 {
		return nil
	}
	slices.SortStableFunc(es, func(a, b xEntity) int { return a.Start - b.Start })
	xByteOffsets(sent, es)
	out := make([]Entity, 0, len(es))
	from := 0
	for _, e := range es {
		if len(e.want) == 0 {
			continue
		}
		if !marks(u, e.Start, e.End, e.sign, e.want) {
			want := string(e.want)
			if e.sign != 0 {
				want = string(e.sign) + want
			}
			i := strings.Index(u[from:], want)
			if i < 0 {
				continue
			}
			e.Start, e.End = from+i, from+i+len(want)
		}
		if e.Start < from {
			continue
		}
		out = append(out, e.Entity)
		from = e.End
	}
	return cleanEntities(u, out)
}

// marks reports whether u[start:end] is sign and want, a hashtag or a
// mention also with its full-width sign and in any case.
func marks(u string, start, end int, sign byte, want []byte) bool {
	if start < 0 || end > len(u) || start >= end {
		return false
	}
	got := u[start:end]
	if sign == 0 {
		return got == string(want)
	}
	for _, s := range [...]string{string(sign), fullWidth(sign)} {
		if strings.HasPrefix(got, s) && strings.EqualFold(got[len(s):], string(want)) {
			return true
		}
	}
	return false
}

func fullWidth(sign byte) string {
	if sign == '#' {
		return "＃"
	}
	return "＠"
}

// xByteOffsets converts the code point offsets of es, sorted by Start,
// into byte offsets into unescapeX(sent), in one pass over sent. An offset
// inside an escape goes to the end of what it stands for; one past the
// text becomes -1.
func xByteOffsets(sent string, es []xEntity) {
	// Every offset, in order: starts are sorted, ends mostly are.
	type ref struct{ cp, i, which int }
	var buf [32]ref
	refs := buf[:0]
	for i, e := range es {
		refs = append(refs, ref{e.Start, i, 0}, ref{e.End, i, 1})
	}
	slices.SortFunc(refs, func(a, b ref) int { return a.cp - b.cp })
	set := func(r ref, o int) {
		if r.which == 0 {
			es[r.i].Start = o
		} else {
			es[r.i].End = o
		}
	}
	cp, o, k := 0, 0, 0
	for i := 0; i < len(sent) && k < len(refs); {
		for k < len(refs) && refs[k].cp <= cp {
			set(refs[k], o)
			k++
		}
		if sent[i] == '&' {
			if n := xEscape(sent[i:]); n > 0 {
				i, cp, o = i+n, cp+n, o+1
				continue
			}
		}
		_, n := utf8.DecodeRuneInString(sent[i:])
		i, cp, o = i+n, cp+1, o+n
	}
	for ; k < len(refs); k++ {
		if refs[k].cp <= cp {
			set(refs[k], o)
		} else {
			set(refs[k], -1)
		}
	}
}

// xEscape is the length of the escape s begins with ("&amp;", "&lt;",
// "&gt;"), or 0, as unescapeX reads them.
func xEscape(s string) int {
	for _, e := range [...]string{"&amp;", "&lt;", "&gt;"} {
		if strings.HasPrefix(s, e) {
			return len(e)
		}
	}
	return 0
}
