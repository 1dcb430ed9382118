package render

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The legend's keywords come in every script. The renderer draws glyphs
// left to right without a shaping engine, so shownWord prepares each word:
//
//   - A right-to-left word (Arabic, Hebrew) is turned into visual order,
//     its letters reversed, so that drawn left to right it reads right to
//     left; digits and Latin letters inside it keep their order. Each
//     keyword is reordered on its own: the list of keywords stays in the
//     legend's left-to-right order.
//   - Arabic letters take the contextual form (isolated, initial, medial,
//     final; lam-alef ligatures) that their neighbours call for, through
//     the Arabic presentation forms that Noto Sans Arabic maps.
//   - A word with a character none of the map's fonts has (Devanagari,
//     Bengali, Tamil, Georgian, emoji, ...) is shown as "[Devanagari]":
//     the legend says that the live page shows the word itself.

// shownWord returns w as the map draws it, and false when it had to be
// replaced by the name of its script.
func shownWord(w string) (string, bool) {
	w = strings.Map(drop(true), w)
	if !drawable(strings.Map(drop(false), w)) {
		return "[" + scriptName(w) + "]", false
	}
	return strings.Map(drop(false), visual(w)), true
}

// drop is a strings.Map function that removes invisible characters, but
// for the joiners with keepJoiners.
func drop(keepJoiners bool) func(rune) rune {
	return func(r rune) rune {
		if invisible(r) && !(keepJoiners && (r == zwj || r == zwnj)) {
			return -1
		}
		return r
	}
}

// invisible reports whether r draws nothing: a variation selector (as
// after an emoji), a joiner or another format character. Joiners matter
// to Arabic's joining, so they are dropped only after it.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Variation_Selector, unicode.Cf)
}

// scriptName is the Unicode script of the first character of w that no
// font draws: "symbol" for an emoji or another symbol, "word" for
// anything else that belongs to no one script.
func scriptName(w string) string {
	for _, r := range w {
		if invisible(r) || fontFor(r) != missingFont {
			continue
		}
		for _, name := range scriptNames() {
			if name != "Common" && name != "Inherited" && unicode.Is(unicode.Scripts[name], r) {
				return strings.ReplaceAll(name, "_", " ")
			}
		}
		if unicode.IsSymbol(r) {
			return "symbol"
		}
		break
	}
	return "word"
}

var scriptNames = sync.OnceValue(func() []string {
	names := make([]string, 0, len(unicode.Scripts))
	for name := range unicode.Scripts {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
})

// rtl reports whether r is a letter of a right-to-left script.
func rtl(r rune) bool {
	return unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko) && !unicode.IsDigit(r)
}

// visual returns w in the order its glyphs are drawn, left to right. A
// word with no right-to-left letter is returned unchanged.
func visual(w string) string {
	if !strings.ContainsFunc(w, rtl) {
		return w
	}
	rs := shapeArabic([]rune(w))
	// Cut into stretches: right-to-left letters (with the marks and
	// punctuation between them) and the rest (digits, Latin).
	type stretch struct {
		rs  []rune
		rtl bool
	}
	var parts []stretch
	for i := 0; i < len(rs); {
		isR := rtl(rs[i]) || unicode.Is(unicode.Mn, rs[i])
		j := i + 1
		for j < len(rs) && (rtl(rs[j]) || unicode.Is(unicode.Mn, rs[j])) == isR {
			j++
		}
		parts = append(parts, stretch{rs[i:j], isR})
		i = j
	}
	// The word reads right to left: its stretches in reverse, and inside a
	// right-to-left stretch its letters reversed, each with its marks
	// still after it.
	var b strings.Builder
	for k := len(parts) - 1; k >= 0; k-- {
		p := parts[k]
		if !p.rtl {
			b.WriteString(string(p.rs))
			continue
		}
		var clusters [][]rune
		for i := 0; i < len(p.rs); {
			j := i + 1
			for j < len(p.rs) && unicode.Is(unicode.Mn, p.rs[j]) {
				j++
			}
			clusters = append(clusters, p.rs[i:j])
			i = j
		}
		for _, c := range slices.Backward(clusters) {
			b.WriteString(string(c))
		}
	}
	return b.String()
}

// Arabic contextual forms, by position in the forms array.
const (
	isol = iota
	fina
	init_
	medi
)

// arabicForms maps an Arabic letter to its presentation forms (0 where it
// has none). It is read from Unicode's own data: each presentation form's
// compatibility decomposition (NFKC) is the letter, and the forms of a
// letter stand together in the order isolated, final, initial, medial. A
// letter with four forms joins on both sides; with two, only to the
// letter before it.
var arabicForms = sync.OnceValue(func() map[rune][4]rune {
	forms := map[rune][4]rune{}
	scan := func(lo, hi rune) {
		var base rune
		var group []rune
		flush := func() {
			if base == 0 || len(group) == 0 || len(group) == 3 {
				return
			}
			if _, ok := forms[base]; ok {
				return // the Presentation Forms-B entry wins
			}
			var f [4]rune
			copy(f[:], group)
			forms[base] = f
		}
		for r := lo; r <= hi; r++ {
			d := []rune(norm.NFKC.String(string(r)))
			b := rune(0)
			if len(d) == 1 && d[0] != r && unicode.Is(unicode.Arabic, d[0]) && unicode.IsLetter(d[0]) {
				b = d[0]
			}
			if b != base || len(group) == 4 {
				flush()
				base, group = b, nil
			}
			if b != 0 {
				group = append(group, r)
			}
		}
		flush()
	}
	scan(0xFE70, 0xFEFC)
	scan(0xFB50, 0xFDFF)
	return forms
})

// lamAlef are the lam-alef ligatures (isolated, final), by the alef.
var lamAlef = map[rune][2]rune{
	0x0622: {0xFEF5, 0xFEF6}, // alef with madda above
	0x0623: {0xFEF7, 0xFEF8}, // alef with hamza above
	0x0625: {0xFEF9, 0xFEFA}, // alef with hamza below
	0x0627: {0xFEFB, 0xFEFC}, // alef
}

const (
	lam     = 0x0644
	tatweel = 0x0640
	zwnj    = 0x200C
	zwj     = 0x200D
)

// joinsBoth reports whether r connects to the letters on both sides.
func joinsBoth(r rune) bool {
	if r == tatweel || r == zwj {
		return true
	}
	f, ok := arabicForms()[r]
	return ok && f[medi] != 0
}

// joinsBefore reports whether r connects to the letter before it.
func joinsBefore(r rune) bool {
	if r == tatweel || r == zwj {
		return true
	}
	f, ok := arabicForms()[r]
	return ok && f[fina] != 0
}

// shapeArabic replaces Arabic letters by the presentation form their
// neighbours call for, in logical order. A form the Arabic font lacks is
// left as the letter.
func shapeArabic(rs []rune) []rune {
	if !slices.ContainsFunc(rs, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
		return rs
	}
	forms := arabicForms()
	// neighbour returns the letter next to i in direction step, skipping
	// marks, or 0.
	neighbour := func(i, step int) rune {
		for j := i + step; j >= 0 && j < len(rs); j += step {
			if !unicode.Is(unicode.Mn, rs[j]) {
				return rs[j]
			}
		}
		return 0
	}
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		f, ok := forms[r]
		if !ok {
			out = append(out, r)
			continue
		}
		prev := neighbour(i, -1)
		joinPrev := prev != 0 && joinsBoth(prev) && joinsBefore(r)
		if r == lam {
			if next := neighbour(i, 1); next != 0 {
				if lig, ok := lamAlef[next]; ok {
					form := lig[isol]
					if joinPrev {
						form = lig[fina]
					}
					if inFont(form) {
						out = append(out, form)
						// The marks between lam and alef follow the ligature.
						for i++; rs[i] != next; i++ {
							out = append(out, rs[i])
						}
						continue
					}
				}
			}
		}
		next := neighbour(i, 1)
		joinNext := next != 0 && joinsBoth(r) && joinsBefore(next)
		pos := isol
		switch {
		case joinPrev && joinNext:
			pos = medi
		case joinNext:
			pos = init_
		case joinPrev:
			pos = fina
		}
		if g := f[pos]; g != 0 && inFont(g) {
			out = append(out, g)
		} else {
			out = append(out, r)
		}
	}
	return out
}

// inFont reports whether a font of the map draws r.
func inFont(r rune) bool { return fontFor(r) != missingFont }
