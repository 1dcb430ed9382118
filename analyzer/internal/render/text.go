package render

import (
	"image"
	"image/color"
	"math"
	"strings"
	"unicode/utf8"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
)

func init() {
	// Sans-serif text reads better on maps than gonum/plot's serif default.
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
}

// face is a font at a size, in pixels (the canvas runs at 72 dpi, so a
// point is a pixel).
type face struct {
	size float64
	bold bool
}

func (f face) style(c color.Color) vgdraw.TextStyle {
	fnt := font.From(plot.DefaultFont, vg.Length(f.size))
	if f.bold {
		fnt.Weight = xfont.WeightBold
	}
	return vgdraw.TextStyle{Color: c, Font: fnt, Handler: plot.DefaultTextHandler, YAlign: vgdraw.YTop}
}

// width is the advance of s in pixels.
func (f face) width(s string) float64 { return float64(f.style(color.Black).Width(s)) }

// height is the height of a line of text, ascent to descent.
func (f face) height() float64 { return float64(f.style(color.Black).Height("Hg")) }

// line is the distance from one line of text to the next.
func (f face) line() float64 { return math.Ceil(f.size * 1.22) }

// text draws on the image through gonum/plot's canvas, in pixel
// coordinates with y pointing down, and records where the text went.
type text struct {
	c     vgdraw.Canvas
	h     float64
	boxes []TextBox
}

// draw draws s with its top-left corner at (x, y); with a halo, a white
// outline keeps it legible over the map. It returns the text's box.
func (t *text) draw(f face, x, y float64, c color.Color, s string, halo bool) image.Rectangle {
	box := image.Rect(int(math.Floor(x)), int(math.Floor(y)), int(math.Ceil(x+f.width(s))), int(math.Ceil(y+f.height())))
	if s == "" {
		return box
	}
	if halo {
		hs := f.style(color.RGBA{0xff, 0xff, 0xff, 0xe0})
		d := math.Max(1, f.size/9)
		for _, o := range [][2]float64{{-1, 0}, {1, 0}, {0, -1}, {0, 1}, {-0.7, -0.7}, {0.7, -0.7}, {-0.7, 0.7}, {0.7, 0.7}} {
			t.c.FillText(hs, vg.Point{X: vg.Length(x + o[0]*d), Y: vg.Length(t.h - y - o[1]*d)}, s)
		}
	}
	t.c.FillText(f.style(c), vg.Point{X: vg.Length(x), Y: vg.Length(t.h - y)}, s)
	return box
}

// record draws like draw and keeps the box for Stats.Text.
func (t *text) record(f face, x, y float64, c color.Color, s string) {
	t.boxes = append(t.boxes, TextBox{s, t.draw(f, x, y, c, s, false)})
}

// wrap breaks s into lines no wider than w, between words. A word wider
// than a whole line is split, with a hyphen, where it has to be.
func wrap(f face, s string, w float64) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		try := word
		if cur != "" {
			try = cur + " " + word
		}
		if f.width(try) <= w {
			cur = try
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
			cur = ""
		}
		for f.width(word) > w {
			head := fitPrefix(f, word, w)
			lines = append(lines, head+"-")
			word = word[len(head):]
		}
		cur = word
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
