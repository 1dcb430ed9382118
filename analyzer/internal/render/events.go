package render

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"strings"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// Events are drawn as a dashed ring, near black on a white rim, around the
// place their posts are, as wide as their spread (RadiusKm) but never
// smaller than a few pixels or larger than a quarter of the map, with a
// dot at the centre. Their labels ("NEW: storm flooding" in the window an
// event was first flagged, "EVENT: storm flooding" while it lasts) are
// placed before the clusters' ids, beside the ring, so that the two never
// overlap; a label that finds no room drops keywords from the end, and is
// left out if even "NEW" does not fit. The legend lists the first few.

// eventColor is the ink of events' rings and labels: apart from every
// cluster colour and the grey.
var eventColor = color.RGBA{0x11, 0x11, 0x11, 0xff}

const (
	// kmPerDegree is the length of a degree of latitude.
	kmPerDegree = 111.32
	// eventKeywords is how many keywords an event's label on the map
	// tries first, legendEvents how many events the legend lists.
	eventKeywords = 3
	legendEvents  = 4
)

// eventMark is an event on the map, in map pixels.
type eventMark struct {
	ev      *Event
	x, y, r float64
}

// placeEvents projects f's events inside ext onto a w×h map, in the order
// of f.Events, with their rings' radii: the spread of their posts at the
// map's scale, at least minR and at most a quarter of the map's side.
func placeEvents(f *Frame, ext geo.BBox, w, h int, minR float64) []eventMark {
	if len(f.Events) == 0 {
		return nil
	}
	proj := geo.Projection{Box: ext, W: float64(w), H: float64(h)}
	perDegree := float64(h) / (ext.N - ext.S)
	maxR := math.Max(minR, math.Min(float64(w), float64(h))/4)
	var out []eventMark
	for i := range f.Events {
		e := &f.Events[i]
		if !ext.Contains(e.Lon, e.Lat) {
			continue
		}
		x, y := proj.Point(e.Lon, e.Lat)
		r := e.RadiusKm / kmPerDegree * perDegree
		if !(r >= minR) { // NaN too
			r = minR
		}
		out = append(out, eventMark{ev: e, x: x, y: y, r: math.Min(r, maxR)})
	}
	return out
}

// eventsIn returns f's events whose place is inside box.
func eventsIn(f *Frame, box geo.BBox) []Event {
	var out []Event
	for _, e := range f.Events {
		if box.Contains(e.Lon, e.Lat) {
			out = append(out, e)
		}
	}
	return out
}

// ringWidth is the width of an event's dashed ring at scale s.
func ringWidth(s float64) float64 { return math.Max(1.5, math.Round(2*s*2)/2) }

// drawEventRings draws each event's ring and centre dot and returns their
// boxes in image pixels.
func drawEventRings(p *painter, marks []eventMark, s float64) []image.Rectangle {
	w := ringWidth(s)
	dot := math.Max(1.5, math.Round(1.6*s*2)/2)
	var boxes []image.Rectangle
	for _, m := range marks {
		p.disc(m.x, m.y, m.r+1, w+2, halo, 0.9)
		p.dashed(m.x, m.y, m.r, w, eventColor, dashesFor(m.r, s))
		p.disc(m.x, m.y, dot+1, 0, halo, 0.9)
		p.disc(m.x, m.y, dot, 0, eventColor, 1)
		x, y := float64(p.rect.Min.X)+m.x, float64(p.rect.Min.Y)+m.y
		boxes = append(boxes, rectF(x-m.r, y-m.r, x+m.r, y+m.r))
	}
	return boxes
}

// dashesFor is how many dashes a ring of radius r has: one about every
// 11 pixels of its length at the default scale, at least six.
func dashesFor(r, s float64) int {
	return max(6, int(math.Round(2*math.Pi*r/math.Max(7, 11*s))))
}

// dashed blends a dashed ring (n dashes, each 60% of its period) like
// disc's rings.
func (p *painter) dashed(x, y, r, width float64, c color.RGBA, n int) {
	q := [3]float64{math.Round(r*4) / 4, math.Round(width*4) / 4, float64(n)}
	m, ok := p.masks[q]
	if !ok {
		m = dashMask(q[0], q[1], n)
		p.masks[q] = m
	}
	blend(p.img, p.rect, p.rect.Min.X+int(math.Round(x)), p.rect.Min.Y+int(math.Round(y)), m, c, 1)
}

// dashMask is discMask's ring of radius r and width, cut into n dashes.
func dashMask(r, width float64, n int) []float64 {
	m := discMask(r, width)
	R := int(math.Ceil(r))
	size := 2*R + 1
	for y := -R; y <= R; y++ {
		for x := -R; x <= R; x++ {
			a := math.Atan2(float64(y), float64(x))/(2*math.Pi) + 1
			if phase := math.Mod(a*float64(n), 1); phase >= 0.6 {
				m[(y+R)*size+x+R] = 0
			}
		}
	}
	return m
}

// eventLabel is "NEW: w1 w2" (new) or "EVENT: w1 w2", with the first n of
// words.
func eventLabel(e *Event, words []string, n int) string {
	head := "EVENT"
	if e.New {
		head = "NEW"
	}
	if n = min(n, len(words)); n == 0 {
		return head
	}
	return head + ": " + strings.Join(words[:n], " ")
}

// shownWords are an event's keywords as the map draws them, and the names
// of the scripts it could not.
func shownWords(kw []string) (words, unshown []string) {
	for _, w := range kw {
		s, ok := shownWord(w)
		if !ok {
			unshown = append(unshown, s)
		}
		words = append(words, s)
	}
	return words, unshown
}

// drawEventLabels writes each event's label beside its ring, on a white
// halo, in the first of a few places around it that stays on the map and
// covers no other label, preferring one that covers no other ring and no
// large disc, and fewer keywords before none. It returns the labels drawn.
func drawEventLabels(t *text, rect image.Rectangle, marks []eventMark, rings, obstacles []image.Rectangle, s float64) []TextBox {
	f := face{size: math.Max(10, math.Round(12.5*s)), bold: true}
	h := f.height()
	inner := rect.Inset(2)
	var placed []image.Rectangle
	var out []TextBox
	for i, m := range marks {
		words, _ := shownWords(m.ev.Keywords)
		x, y := float64(rect.Min.X)+m.x, float64(rect.Min.Y)+m.y
		d := m.r + ringWidth(s)/2 + 2
		own := rings[i]
		try := func(label string, avoidDiscs bool) (image.Rectangle, [2]float64, bool) {
			w := f.width(label)
			spots := [][2]float64{
				{x + d, y - h/2}, {x - d - w, y - h/2}, {x - w/2, y - d - h}, {x - w/2, y + d},
				{x + d*0.7, y - d*0.7 - h}, {x + d*0.7, y + d*0.7}, {x - d*0.7 - w, y - d*0.7 - h}, {x - d*0.7 - w, y + d*0.7},
			}
			for _, sp := range spots {
				box := rectF(sp[0]-1, sp[1]-1, sp[0]+w+1, sp[1]+h+1)
				if !box.In(inner) || overlapsAny(box, placed) {
					continue
				}
				if avoidDiscs && (coversOther(box, own, rings) || coversOther(box, own, obstacles)) {
					continue
				}
				return box, sp, true
			}
			return image.Rectangle{}, [2]float64{}, false
		}
	search:
		for n := min(eventKeywords, len(words)); n >= 0; n-- {
			label := eventLabel(m.ev, words, n)
			for _, avoid := range []bool{true, false} {
				if box, sp, ok := try(label, avoid); ok {
					placed = append(placed, box)
					out = append(out, TextBox{label, t.draw(f, sp[0], sp[1], eventColor, label, true)})
					break search
				}
			}
		}
	}
	return out
}

// eventBlocks are the legend's lines for events: the first few, then how
// many more, and what a dashed ring is. unshown gains the names standing
// for keywords the fonts cannot draw.
func eventBlocks(events []Event, unshown *[]string) []block {
	if len(events) == 0 {
		return nil
	}
	var out []block
	for i := range events[:min(len(events), legendEvents)] {
		e := &events[i]
		words, missing := shownWords(e.Keywords)
		for _, u := range missing {
			if !slices.Contains(*unshown, u) {
				*unshown = append(*unshown, u)
			}
		}
		head := eventLabel(e, words, len(words))
		if e.Posts > 0 {
			head += fmt.Sprintf(" (%s posts)", thousands(e.Posts))
		}
		b := block{mark: markEvent, color: eventColor, head: head}
		if i == 0 {
			b.space = 0.6
		}
		out = append(out, b)
	}
	if n := len(events) - legendEvents; n > 0 {
		out = append(out, block{note: true, head: fmt.Sprintf("+%d more events", n)})
	}
	return append(out, block{note: true,
		head: "dashed ring: an event, posts on one topic in one place coming far faster than before; NEW in the window it began"})
}
