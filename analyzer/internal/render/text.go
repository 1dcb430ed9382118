package render

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// Text is set in Liberation Sans from gonum/plot's font cache (sans-serif
// reads better on maps than its serif default), measured with its
// metrics and drawn glyph by glyph with golang.org/x/image/font; other
// scripts fall back to the fonts of fonts.go.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func init() {
	plot.DefaultFont = sans
}

// face is a font at a size, in pixels.
type face struct {
	size float64
	bold bool
}

// font returns gonum/plot's face for f.
func (f face) font() font.Face {
	fnt := font.From(sans, vg.Length(f.size))
	if f.bold {
		fnt.Weight = xfont.WeightBold
	}
	return font.DefaultCache.Lookup(fnt, fnt.Size)
}

// widths remembers measured words: a legend is laid out several times per
// map with the same words. It is emptied when it grows large, so a stream
// of new keywords cannot grow it without bound.
var widths = struct {
	sync.Mutex
	m map[widthKey]float64
}{m: map[widthKey]float64{}}

type widthKey struct {
	f face
	s string
}

const maxWidths = 1 << 14

// width is the advance of s in pixels, with the font's kerning where text
// draws it (see kerning).
func (f face) width(s string) float64 {
	k := widthKey{f, s}
	widths.Lock()
	w, ok := widths.m[k]
	widths.Unlock()
	if ok {
		return w
	}
	w = f.measure(s)
	widths.Lock()
	if len(widths.m) >= maxWidths {
		clear(widths.m)
	}
	widths.m[k] = w
	widths.Unlock()
	return w
}

// measure is the width of s: the primary font's stretches with its
// kerning, the fallbacks' by their advances.
func (f face) measure(s string) float64 {
	if simple(s) {
		return f.primaryWidth(s)
	}
	w := 0.0
	for _, r := range runs(s) {
		if r.font == primaryFont {
			w += f.primaryWidth(r.s)
		} else {
			w += advance(r.font, r.s, f.size)
		}
	}
	return w
}

func (f face) primaryWidth(s string) float64 {
	fc := f.font()
	w := 0.0
	for _, part := range kernFree(s) {
		w += float64(fc.Width(part))
	}
	return w
}

// kerning is a face with the font's kerning, except where small map text
// loses a glyph to it: between digits (the ones of "110" touch), before
// a comma (tucked under a final y or r) and before a colon (under a T).
type kerning struct{ xfont.Face }

func (k kerning) Kern(r0, r1 rune) fixed.Int26_6 {
	if unkerned(r0, r1) {
		return 0
	}
	return k.Face.Kern(r0, r1)
}

func unkerned(r0, r1 rune) bool {
	return r1 == ',' || r1 == ':' || unicode.IsDigit(r0) && unicode.IsDigit(r1)
}

// kernFree cuts s where kerning draws no kerning, so that measuring the
// parts apart measures what is drawn.
func kernFree(s string) []string {
	var parts []string
	start, prev := 0, rune(-1)
	for i, r := range s {
		if prev >= 0 && unkerned(prev, r) {
			parts = append(parts, s[start:i])
			start = i
		}
		prev = r
	}
	return append(parts, s[start:])
}

// ascent is the height of the font above the baseline.
func (f face) ascent() float64 {
	fc := f.font()
	return float64(fc.Extents().Ascent)
}

// height is the height of a line of text, ascent to descent.
func (f face) height() float64 {
	fc := f.font()
	e := fc.Extents()
	return float64(e.Ascent + e.Descent)
}

// line is the distance from one line of text to the next.
func (f face) line() float64 { return math.Ceil(f.size * 1.22) }

// text draws on an image and records where the text went. It holds the
// rasterizing faces of one image: they are not safe for concurrent use.
type text struct {
	img   *image.RGBA
	faces map[faceKey]xfont.Face
	boxes []TextBox
}

// faceKey is a face in one of the fonts (primaryFont or a fallback).
type faceKey struct {
	face
	font int
}

func newText(img *image.RGBA) *text { return &text{img: img, faces: map[faceKey]xfont.Face{}} }

// face returns the rasterizing face of f in font fi: the primary font
// with its kerning, or a fallback (always regular: the fallbacks have no
// bold).
func (t *text) face(f face, fi int) (xfont.Face, error) {
	k := faceKey{f, fi}
	if xf, ok := t.faces[k]; ok {
		return xf, nil
	}
	opts := &opentype.FaceOptions{Size: f.size, DPI: 72, Hinting: xfont.HintingNone}
	if fi != primaryFont {
		xf, err := opentype.NewFace(fallbacks()[fi], opts)
		if err != nil {
			return nil, err
		}
		t.faces[k] = xf
		return xf, nil
	}
	xf, err := opentype.NewFace(f.font().Face, opts)
	if err != nil {
		return nil, err
	}
	t.faces[k] = kerning{xf}
	return t.faces[k], nil
}

// haloColor is the white outline that keeps text legible over the map.
var haloColor = color.NRGBA{0xff, 0xff, 0xff, 0xe8}

// draw draws s with its top-left corner at (x, y); with a halo, a white
// outline keeps it legible over the map. It returns the text's box.
func (t *text) draw(f face, x, y float64, c color.Color, s string, halo bool) image.Rectangle {
	box := image.Rect(int(math.Floor(x)), int(math.Floor(y)), int(math.Ceil(x+f.width(s))), int(math.Ceil(y+f.height())))
	if s == "" {
		return box
	}
	parts := []run{{primaryFont, s}}
	if !simple(s) {
		parts = runs(s)
	}
	// Each stretch in its font, one after the other: their ink's bounds
	// first, then rasterized once into a mask; the halo is the mask,
	// widened.
	faces := make([]xfont.Face, len(parts))
	var bounds fixed.Rectangle26_6
	var adv fixed.Int26_6
	for i, p := range parts {
		xf, err := t.face(f, p.font)
		if err != nil {
			return box
		}
		faces[i] = xf
		b, a := xfont.BoundString(xf, p.s)
		b = b.Add(fixed.Point26_6{X: adv})
		if i == 0 {
			bounds = b
		} else {
			bounds = bounds.Union(b)
		}
		adv += a
	}
	pad := 0
	if halo {
		pad = int(math.Max(1, math.Round(f.size/9)))
	}
	dot := fixed.Point26_6{X: fixed.Int26_6(math.Round(x * 64)), Y: fixed.Int26_6(math.Round((y + f.ascent()) * 64))}
	r := image.Rect((dot.X+bounds.Min.X).Floor()-pad, (dot.Y+bounds.Min.Y).Floor()-pad,
		(dot.X+bounds.Max.X).Ceil()+pad, (dot.Y+bounds.Max.Y).Ceil()+pad)
	mask := image.NewAlpha(r)
	d := xfont.Drawer{Dst: mask, Src: image.Opaque, Dot: dot}
	for i, p := range parts {
		d.Face = faces[i]
		d.DrawString(p.s)
	}
	if halo {
		draw.DrawMask(t.img, r, image.NewUniform(haloColor), image.Point{}, dilate(mask, pad), r.Min, draw.Over)
	}
	draw.DrawMask(t.img, r, image.NewUniform(c), image.Point{}, mask, r.Min, draw.Over)
	return box
}

// dilate returns m with every pixel raised to the largest within r of it
// (a square neighbourhood, softened at the corners).
func dilate(m *image.Alpha, r int) *image.Alpha {
	b := m.Bounds()
	out := image.NewAlpha(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var v uint8
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					p := image.Pt(x+dx, y+dy)
					if !p.In(b) {
						continue
					}
					a := m.AlphaAt(p.X, p.Y).A
					if dx*dx+dy*dy > r*r {
						a /= 2
					}
					v = max(v, a)
				}
			}
			out.SetAlpha(x, y, color.Alpha{A: v})
		}
	}
	return out
}

// record draws like draw, without a halo, and keeps the box for
// Stats.Text.
func (t *text) record(f face, x, y float64, c color.Color, s string) {
	t.boxes = append(t.boxes, TextBox{s, t.draw(f, x, y, c, s, false)})
}

// wrap breaks s into lines no wider than w, between words. A word wider
// than a whole line is split, with a hyphen, where it has to be. Lines are
// measured word by word, with the space between. Where s has single
// spaces between words (as legend entries do), its lines are slices of s,
// not new strings: a legend is wrapped many times per map.
func wrap(f face, s string, w float64) []string {
	var lines []string
	single := !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) && r != ' ' }) && !strings.Contains(s, "  ")
	cur, curW := "", 0.0
	start := -1 // where cur starts in s, when it is a slice of s
	space := f.width(" ")
	off := 0
	for word := range strings.FieldsSeq(s) {
		at := off + strings.Index(s[off:], word)
		off = at + len(word)
		ww := f.width(word)
		if cur != "" && curW+space+ww <= w {
			if single && start >= 0 {
				cur = s[start:off]
			} else {
				cur = cur + " " + word
			}
			curW += space + ww
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
			cur, curW = "", 0
		}
		for ww > w {
			head := fitPrefix(f, word, w)
			lines = append(lines, head+"-")
			word = word[len(head):]
			at += len(head)
			ww = f.width(word)
		}
		cur, curW, start = word, ww, at
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// wordsFit reports whether every word of s fits in w, so that wrap breaks
// s only between words.
func wordsFit(f face, s string, w float64) bool {
	for _, word := range strings.Fields(s) {
		if f.width(word) > w {
			return false
		}
	}
	return true
}

// fitPrefix is the longest prefix of word (at least one rune) that fits
// in w with a hyphen after it.
func fitPrefix(f face, word string, w float64) string {
	end := 0
	for i := range word {
		if i > 0 && f.width(word[:i]+"-") > w {
			break
		}
		end = i
	}
	if end == 0 {
		_, n := utf8.DecodeRuneInString(word)
		end = n
	}
	return word[:end]
}
