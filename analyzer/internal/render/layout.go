package render

import (
	"image"
	"math"
	"strings"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// scaleOf is how large text and markers are on a w×h canvas, relative to
// the default 1600×900; small canvases keep text readable.
func scaleOf(w, h int) float64 {
	return math.Max(0.72, math.Min(3, math.Sqrt(float64(w)*float64(h)/(1600*900))))
}

// layout is where everything goes on the canvas, in pixels.
type layout struct {
	margin    float64
	titleFace face
	footFace  face
	titleY    float64
	footY     float64
	footLines []string // the credits, in lines that fit the width
	mapRect   image.Rectangle
	extent    geo.BBox
	legend    image.Rectangle
	cols      int
	base      face    // the legend's starting font
	grow      float64 // how much larger it may grow to fill its room
}

// chooseLayout puts the map and legend on the canvas: the legend beside
// the map or below it, whichever shows the asked region larger, and the
// map's extent widened to fill the space it gets, so that no band of the
// canvas is left blank. lc is the legend to make room for.
func chooseLayout(f *Frame, title, credits string, lc legendContent) layout {
	W, H := float64(f.Width), float64(f.Height)
	s := scaleOf(f.Width, f.Height)
	l := layout{margin: math.Round(10 * s)}
	m := l.margin
	l.titleFace = shrinkToFit(face{size: math.Round(19 * s), bold: true}, title, W-2*m)
	l.footFace, l.footLines = creditLines(credits, face{size: math.Max(9, math.Round(10.5*s))}, W-2*m)
	l.base = face{size: math.Max(9, math.Round(14*s))}
	l.titleY = m
	top := math.Round(m + l.titleFace.line() + 6*s)
	l.footY = H - math.Round(m*0.6) - float64(len(l.footLines))*l.footFace.line()
	bottom := l.footY - math.Round(6*s)
	gap := math.Round(14 * s)
	minCol := 330 * s

	type candidate struct {
		layout
		score float64
	}
	var cands []candidate

	// The legend to the right.
	{
		c := l
		// A quarter of the width, or more for a long keyword.
		lw := math.Round(math.Min(math.Max(math.Max(0.27*W, 230*s), lc.minWidth(l.base)), 0.45*W))
		area := rectF(m, top, W-m-lw-gap, bottom)
		c.extent, c.mapRect = fitMap(f.Box, area, false)
		legend := rectF(float64(c.mapRect.Max.X)+gap, top, W-m, bottom)
		c.cols = int(math.Max(1, math.Min(3, math.Floor(float64(legend.Dx())/minCol))))
		c.legend, c.grow = legend, 1.2
		fitted := fitLegend(lc, l.base, float64(legend.Dx()), c.cols, float64(legend.Dy()), c.grow)
		cands = append(cands, candidate{c, regionArea(f.Box, c.extent, c.mapRect) * 1.05 * legendPenalty(fitted, lc, l.base)})
	}
	// The legend below.
	{
		c := l
		c.cols = int(math.Max(1, math.Min(4, math.Floor((W-2*m)/minCol))))
		need := fitLegend(lc, l.base, W-2*m, c.cols, 0, 1).height
		mapBottom := math.Max(bottom-need-gap, top+0.4*(bottom-top))
		c.extent, c.mapRect = fitMap(f.Box, rectF(m, top, W-m, mapBottom), true)
		// Below a map the globe's limits kept short, the legend may grow
		// more to fill the room.
		c.legend, c.grow = rectF(m, float64(c.mapRect.Max.Y)+gap, W-m, bottom), 1.6
		fitted := fitLegend(lc, l.base, float64(c.legend.Dx()), c.cols, float64(c.legend.Dy()), c.grow)
		cands = append(cands, candidate{c, regionArea(f.Box, c.extent, c.mapRect) * legendPenalty(fitted, lc, l.base)})
	}
	best := cands[0]
	for _, c := range cands[1:] {
		if c.score > best.score {
			best = c
		}
	}
	return best.layout
}

// legendPenalty lowers a layout's score when its legend had to shrink its
// font a lot or fold entries away.
func legendPenalty(l legendLayout, lc legendContent, base face) float64 {
	p := 1.0
	if len(l.blocks) < len(lc.blocks) {
		p *= 0.7
	}
	if l.face.size < base.size*0.84 {
		p *= 0.9
	}
	if l.broken > 0 {
		p *= 0.6 // a keyword split across lines
	}
	return p
}

// fitMap widens box to the aspect of area and returns it with the
// largest rectangle of its aspect in area: all of area unless the globe's
// limits stopped the widening, in which case the map is placed at the top,
// at the left or (center) in the middle.
func fitMap(box geo.BBox, area image.Rectangle, center bool) (geo.BBox, image.Rectangle) {
	aw, ah := float64(area.Dx()), float64(area.Dy())
	if aw < 1 || ah < 1 {
		return box, area
	}
	ext := geo.Fit(box, aw/ah, geo.MapLimits)
	a := ext.Aspect()
	w, h := aw, ah
	if a > aw/ah {
		h = math.Round(aw / a)
	} else {
		w = math.Round(ah * a)
	}
	x := float64(area.Min.X)
	if center {
		x += math.Round((aw - w) / 2)
	}
	r := image.Rect(int(x), area.Min.Y, int(x+w), area.Min.Y+int(h))
	return ext, r
}

// regionArea is how many pixels the asked box covers on a map of ext in
// rect.
func regionArea(box, ext geo.BBox, rect image.Rectangle) float64 {
	fw := (box.E - box.W) / (ext.E - ext.W)
	fh := (box.N - box.S) / (ext.N - ext.S)
	return float64(rect.Dx()) * fw * float64(rect.Dy()) * fh
}

func rectF(x0, y0, x1, y1 float64) image.Rectangle {
	return image.Rect(int(math.Round(x0)), int(math.Round(y0)), int(math.Round(x1)), int(math.Round(y1)))
}

// creditLines fits the credits (parts joined by creditSep) in width w: on
// one line at f or a little smaller, else on as few lines as the parts
// need at f.
func creditLines(credits string, f face, w float64) (face, []string) {
	if g := shrinkToFit(f, credits, w); g.size >= f.size-1 || g.size >= 9 {
		if g.width(credits) <= w {
			return g, []string{credits}
		}
	}
	var lines []string
	for _, part := range strings.Split(credits, creditSep) {
		if n := len(lines); n > 0 && f.width(lines[n-1]+creditSep+part) <= w {
			lines[n-1] += creditSep + part
			continue
		}
		lines = append(lines, part)
	}
	for _, l := range lines {
		f = shrinkToFit(f, l, w)
	}
	return f, lines
}

// shrinkToFit returns f, made smaller (to 8 px at least) until s fits in w.
func shrinkToFit(f face, s string, w float64) face {
	for f.size > 8 && f.width(s) > w {
		f.size--
	}
	return f
}
