package render

import (
	_ "embed" // the fallback fonts
	"sync"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Text is set in Liberation Sans (Latin, Greek, Cyrillic); a character it
// lacks is drawn in the first of the fallback fonts that has it: Noto Sans
// Arabic, Hebrew, Thai and CJK, embedded (made by fonts/fetch.sh; SIL Open
// Font License). They are parsed the first time a character needs them, so
// a stream in Latin script never pays for them. A character no font has
// never reaches the map as an empty box: see drawable and shownWord.
var (
	//go:embed fonts/NotoSansArabic-Regular.ttf
	notoArabic []byte
	//go:embed fonts/NotoSansHebrew-Regular.ttf
	notoHebrew []byte
	//go:embed fonts/NotoSansThai-Regular.ttf
	notoThai []byte
	//go:embed fonts/NotoSansCJK-Regular.otf
	notoCJK []byte
)

// fallbackData are the fallback fonts, in the order they are tried.
var fallbackData = []struct {
	name string
	data []byte
}{
	{"Noto Sans Arabic", notoArabic},
	{"Noto Sans Hebrew", notoHebrew},
	{"Noto Sans Thai", notoThai},
	{"Noto Sans CJK JP", notoCJK},
}

// fallbacks parses the fallback fonts once. A font that does not parse
// (it cannot, unless the files are damaged) is left out, and its
// characters are treated as missing.
var fallbacks = sync.OnceValue(func() []*sfnt.Font {
	out := make([]*sfnt.Font, 0, len(fallbackData))
	for _, fd := range fallbackData {
		f, err := opentype.Parse(fd.data)
		if err != nil {
			continue
		}
		out = append(out, f)
	}
	return out
})

// Which font draws a character: the primary font (Liberation Sans, regular
// or bold), fallback i >= 0, or none.
const (
	primaryFont = -1
	missingFont = -2
)

// fontOf remembers which font draws each character seen. It is emptied
// when it grows large (keywords in every script could fill it).
var fontOf = struct {
	sync.Mutex
	m   map[rune]int8
	buf sfnt.Buffer
}{m: map[rune]int8{}}

const maxFontOf = 1 << 15

// fontFor returns the font that draws r: the primary font where it has a
// glyph for r, else the first fallback that has one, else missingFont.
// Spaces and ASCII are always the primary font's.
func fontFor(r rune) int {
	if r < 0x80 {
		return primaryFont
	}
	fontOf.Lock()
	defer fontOf.Unlock()
	if i, ok := fontOf.m[r]; ok {
		return int(i)
	}
	i := lookupFont(&fontOf.buf, r)
	if len(fontOf.m) >= maxFontOf {
		clear(fontOf.m)
	}
	fontOf.m[r] = int8(i)
	return i
}

func lookupFont(buf *sfnt.Buffer, r rune) int {
	if has(buf, face{}.font().Face, r) {
		return primaryFont
	}
	for i, f := range fallbacks() {
		if has(buf, f, r) {
			return i
		}
	}
	return missingFont
}

func has(buf *sfnt.Buffer, f *sfnt.Font, r rune) bool {
	gi, err := f.GlyphIndex(buf, r)
	return err == nil && gi != 0
}

// drawable reports whether every character of s has a glyph in one of the
// map's fonts.
func drawable(s string) bool {
	for _, r := range s {
		if fontFor(r) == missingFont {
			return false
		}
	}
	return true
}

// run is a stretch of text drawn in one font.
type run struct {
	font int
	s    string
}

// runs cuts s into stretches of one font each. A missing character goes
// to the primary font (which draws its empty box): callers keep such text
// off the map with shownWord.
func runs(s string) []run {
	var out []run
	start, cur := 0, primaryFont
	for i, r := range s {
		fi := fontFor(r)
		if fi == missingFont {
			fi = primaryFont
		}
		if i == 0 {
			cur = fi
		}
		if fi == cur {
			continue
		}
		out = append(out, run{cur, s[start:i]})
		start, cur = i, fi
	}
	return append(out, run{cur, s[start:]})
}

// simple reports whether the primary font draws all of s (the common
// case, measured and drawn as before there were fallbacks).
func simple(s string) bool {
	for _, r := range s {
		if r >= 0x80 && fontFor(r) != primaryFont {
			return false
		}
	}
	return true
}

// advance is the width of s in fallback font fi at size px, with no
// kerning (the fallbacks carry no kerning the renderer reads).
func advance(fi int, s string, px float64) float64 {
	f := fallbacks()[fi]
	ppem := fixed.Int26_6(px*64 + 0.5)
	var buf sfnt.Buffer
	var w fixed.Int26_6
	for _, r := range s {
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil {
			continue
		}
		a, err := f.GlyphAdvance(&buf, gi, ppem, 0)
		if err == nil {
			w += a
		}
	}
	return float64(w) / 64
}
