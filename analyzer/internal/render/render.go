package render

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
)

// Renderer draws frames. It caches base maps and is safe for concurrent use.
type Renderer struct {
	base baseCache
	// canvases are images Render may draw into again once encoded.
	canvases sync.Pool
}

// Credits are the sources every map names; creditGeoNames is added when
// the gazetteer placed any of the frame's tweets.
const (
	credits        = "Base map: Natural Earth (public domain), via world-atlas"
	creditGeoNames = "Places: GeoNames (CC BY 4.0)"
	creditTool     = "Drawn by geostream"
	creditSep      = "  ·  "
)

// Colours of text and the map's frame.
var (
	inkColor    = color.RGBA{0x22, 0x22, 0x22, 0xff}
	softColor   = color.RGBA{0x66, 0x66, 0x66, 0xff}
	methodColor = color.RGBA{0x55, 0x55, 0x55, 0xff}
)

// Image draws f and returns the image.
func (r *Renderer) Image(f *Frame) (*image.RGBA, Stats, error) {
	if err := f.check(); err != nil {
		return nil, Stats{}, err
	}
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	st, err := r.draw(img, f)
	if err != nil {
		return nil, st, err
	}
	return img, st, nil
}

// Render draws f and encodes it as PNG to w.
func (r *Renderer) Render(w io.Writer, f *Frame) (Stats, error) {
	if err := f.check(); err != nil {
		return Stats{}, err
	}
	img, _ := r.canvases.Get().(*image.RGBA)
	if img == nil || img.Bounds() != image.Rect(0, 0, f.Width, f.Height) {
		img = image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	}
	defer r.canvases.Put(img)
	st, err := r.draw(img, f)
	if err != nil {
		return st, err
	}
	return st, encodePNG(w, img, f.CompressionLevel)
}

// draw draws f onto img, which is f's size; it paints every pixel.
func (r *Renderer) draw(img *image.RGBA, f *Frame) (Stats, error) {
	var st Stats
	s := scaleOf(f.Width, f.Height)
	byCount := f.SizeBy != SizeByNone
	sc := discScale{min: math.Max(2.5, math.Round(3*s*2)/2), max: math.Round(24 * s), ref: refMin}

	// Lay the canvas out for the legend the asked region would have, then
	// fill it with what the widened map actually shows.
	credit := creditsFor(f)
	inBox := rankInView(f, f.Box)
	lay := chooseLayout(f, title(f, -1), credit,
		legendFor(f, inBox, coloredIDs(f, inBox), nil, countMethods(f), eventsIn(f, f.Box), sc, byCount, byCount))
	mw, mh := lay.mapRect.Dx(), lay.mapRect.Dy()
	if mw < 50 || mh < 50 {
		return st, fmt.Errorf("render: %dx%d leaves no room for the map", f.Width, f.Height)
	}
	cell := math.Round(8 * s)
	groups, mc, counts := groupPoints(f, lay.extent, mw, mh, cell)
	st.Drawn, st.Outside = counts.Drawn, counts.Outside
	st.Data, st.Extent, st.Legend = lay.mapRect, lay.extent, lay.legend
	ranked := rankGroups(groups)
	colored := coloredIDs(f, ranked)
	colors := colorsFor(f, colored)
	if byCount {
		// Size the discs by the largest cell first, merge, then size them
		// again by the largest merged disc.
		if len(groups) > 0 && groups[0].n > sc.ref {
			sc.ref = groups[0].n
		}
		groups = mergeGroups(groups, sc.radius, sc.max)
		if len(groups) > 0 && groups[0].n > sc.ref {
			sc.ref = groups[0].n
		}
	}

	base, err := r.base.get(lay.extent, mw, mh, math.Max(9, math.Round(10.5*s)))
	if err != nil {
		return st, err
	}
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, lay.mapRect, base, image.Point{}, draw.Src)
	p := &painter{img: img, rect: lay.mapRect, masks: map[[3]float64][]float64{}}
	if byCount {
		drawGroups(p, groups, colors, sc)
	} else {
		drawPoints(p, f, lay.extent, colored, colors, s)
	}
	t := newText(img)
	radius := sc.radius
	if !byCount {
		radius = func(int) float64 { return 3 * s }
	}
	var obs []image.Rectangle
	if byCount {
		obs = obstacles(lay.mapRect, groups, radius)
	}
	// Events' rings over the discs, their labels first, then the
	// clusters' ids where those leave room.
	marks := placeEvents(f, lay.extent, mw, mh, math.Max(8, math.Round(10*s)))
	st.EventRings = drawEventRings(p, marks, s)
	st.Events = drawEventLabels(t, lay.mapRect, marks, st.EventRings, obs, s)
	var taken []image.Rectangle
	for _, l := range st.Events {
		taken = append(taken, l.Box)
	}
	st.Labels = drawLabels(t, lay.mapRect, anchors(groups, colored, radius), append(slices.Clip(obs), st.EventRings...), taken, colors, s)
	frameRect(img, lay.mapRect.Inset(-1), coastColor)

	head := title(f, st.Drawn)
	t.record(shrinkToFit(lay.titleFace, head, float64(f.Width)-2*lay.margin), lay.margin, lay.titleY, inkColor, head)
	lc := legendFor(f, ranked, colored, colors, mc, eventsIn(f, lay.extent), sc, byCount, byCount && stacks(groups, sc.radius))
	leg := fitLegend(lc, lay.base, float64(lay.legend.Dx()), lay.cols, float64(lay.legend.Dy()), lay.grow)
	drawLegend(t, &painter{img: img, rect: lay.legend.Inset(-2), masks: p.masks}, lay.legend, leg)
	ff := lay.footFace
	for i, line := range lay.footLines {
		t.record(ff, float64(f.Width)-lay.margin-ff.width(line), lay.footY+float64(i)*ff.line(), softColor, line)
	}
	st.Text = t.boxes
	return st, nil
}

// title is the window's time range and counts; drawn >= 0 adds how many
// located tweets the map shows, when that is not all of them.
func title(f *Frame, drawn int) string {
	start, end := f.Start.UTC(), f.End.UTC()
	span := start.Format("2006-01-02 15:04:05") + " – " + end.Format("15:04:05") + " UTC"
	if start.YearDay() != end.YearDay() || start.Year() != end.Year() {
		span = start.Format("2006-01-02 15:04:05") + " – " + end.Format("2006-01-02 15:04:05") + " UTC"
	}
	if f.Partial {
		span += " (partial)"
	}
	s := fmt.Sprintf("%s  ·  %s posts, %s located, %d clusters", span, thousands(f.Tweets), thousands(f.Located), len(f.Clusters))
	if drawn >= 0 && drawn < f.tweets() {
		s += fmt.Sprintf(", %s on this map", thousands(drawn))
	}
	return s
}

// creditsFor names the base map, GeoNames if the gazetteer placed any of
// f's tweets, and the tool.
func creditsFor(f *Frame) string {
	parts := []string{credits}
	for _, p := range f.Points {
		if p.Method.Inferred() {
			parts = append(parts, creditGeoNames)
			break
		}
	}
	return strings.Join(append(parts, creditTool), creditSep)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && c != '-' && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// countMethods counts all of f's points by how they were located.
func countMethods(f *Frame) methodCounts {
	var mc methodCounts
	for _, p := range f.Points {
		mc.add(p.Method, p.weight())
	}
	return mc
}

// rankGroups sums groups by cluster, largest first (ties: lowest id).
func rankGroups(groups []group) []clusterCount {
	idx := map[int32]int{}
	var out []clusterCount
	for _, g := range groups {
		if g.cluster < 0 {
			continue
		}
		i, ok := idx[g.cluster]
		if !ok {
			i = len(out)
			idx[g.cluster] = i
			out = append(out, clusterCount{id: int(g.cluster)})
		}
		out[i].n += g.n
	}
	sortCounts(out)
	return out
}

// legendFor says what the legend lists: the coloured clusters with their
// tweets on the map and keywords, a line for the grey rest, the events
// on the map (eventBlocks), how the
// tweets were located (discs and rings) and, if stacked, that a disc
// inside another is another cluster at that place, and the size key.
func legendFor(f *Frame, ranked []clusterCount, colored []int, colors map[int]color.RGBA, mc methodCounts, events []Event, sc discScale, byCount, stacked bool) legendContent {
	lc := legendContent{title: "Clusters (posts on the map): top keywords"}
	kw := make(map[int][]string, len(f.Clusters))
	size := make(map[int]int, len(f.Clusters))
	for _, c := range f.Clusters {
		kw[c.ID], size[c.ID] = c.Keywords, c.Size
	}
	var unshown []string // the names that stand for keywords the fonts cannot draw
	for i, id := range colored {
		c, ok := colors[id]
		if !ok {
			c = Palette[i%len(Palette)]
		}
		n := ranked[i].n
		words := make([]string, 0, len(kw[id]))
		for _, w := range kw[id] {
			shown, ok := shownWord(w)
			if !ok && !slices.Contains(unshown, shown) {
				unshown = append(unshown, shown)
			}
			words = append(words, shown)
		}
		lc.blocks = append(lc.blocks, block{mark: markDisc, color: c, tweets: n, clusters: 1,
			head: entryHead(id, n, size[id], len(kw[id]) > 0), keywords: words})
	}
	if rest := ranked[len(colored):]; len(rest) > 0 {
		n := 0
		for _, r := range rest {
			n += r.n
		}
		lc.blocks = append(lc.blocks, moreBlock(len(rest), n))
	}
	if len(ranked) == 0 {
		lc.blocks = append(lc.blocks, block{head: "no clusters on the map yet"})
	}
	lc.blocks = append(lc.blocks, eventBlocks(events, &unshown)...)
	if len(unshown) > 0 {
		lc.blocks = append(lc.blocks, block{note: true,
			head: strings.Join(unshown, ", ") + ": a keyword in a script this map cannot draw; the live page shows it"})
	}
	if mc.given+mc.profile+mc.text == 0 {
		return lc
	}
	lc.blocks = append(lc.blocks, block{mark: markDisc, color: methodColor, space: 0.6,
		head: fmt.Sprintf("disc: %s with GPS or a place tag", thousands(mc.given))})
	if mc.profile > 0 {
		lc.blocks = append(lc.blocks, block{mark: markRing, color: methodColor,
			head: fmt.Sprintf("ring: %s placed from the author's profile", thousands(mc.profile))})
	}
	if mc.text > 0 {
		lc.blocks = append(lc.blocks, block{mark: markRing, color: methodColor,
			head: fmt.Sprintf("ring: %s placed from a place named in the text", thousands(mc.text))})
	}
	if byCount && stacked {
		lc.blocks = append(lc.blocks, block{mark: markStack, color: methodColor,
			head: "discs in discs: clusters at one place, the smaller on top"})
	}
	if byCount {
		k := block{mark: markSizes, space: 0.6, head: "Posts per disc (area by count)", sizes: sc.keyCounts(), minRadius: sc.min}
		for _, n := range k.sizes {
			k.radii = append(k.radii, sc.radius(n))
		}
		lc.blocks = append(lc.blocks, k)
	}
	return lc
}

// entryHead is the start of a cluster's legend entry: "C3 (412):", or
// "C3 (412 of 1,030 posts):" when not all of its posts are on the map.
func entryHead(id, n, all int, keywords bool) string {
	h := fmt.Sprintf("C%d (%s)", id, thousands(n))
	if all > n {
		h = fmt.Sprintf("C%d (%s of %s posts)", id, thousands(n), thousands(all))
	}
	if keywords {
		h += ":"
	}
	return h
}

// drawLegend draws the laid-out legend l with its top-left corner at
// rect's; p paints its markers.
func drawLegend(t *text, p *painter, rect image.Rectangle, l legendLayout) {
	x0, y0 := float64(rect.Min.X), float64(rect.Min.Y)
	for i, line := range l.head {
		t.record(l.title, x0, y0+float64(i)*l.title.line(), inkColor, line)
	}
	top := y0 + float64(len(l.head))*l.title.line() + l.face.size*0.5
	f := l.face
	ms, gap := f.markerSize(), f.markerGap()
	for i, b := range l.blocks {
		bx := x0 + float64(l.col[i])*l.colW
		by := top + l.y[i] + b.space*f.size
		cy := by + f.height()/2
		switch b.mark {
		case markDisc:
			p.discAt(bx+ms/2, cy, ms/2, 0, b.color)
		case markRing:
			p.discAt(bx+ms/2, cy, ms/2, math.Max(2, ms*0.18), b.color)
		case markEvent:
			p.dashed(bx+ms/2-float64(p.rect.Min.X), cy-float64(p.rect.Min.Y), ms/2, math.Max(1.5, ms*0.12), b.color, 8)
			p.discAt(bx+ms/2, cy, 1.5, 0, b.color)
		case markStack:
			p.discAt(bx+ms/2, cy, ms/2, 0, Grey)
			p.discAt(bx+ms/2, cy, ms*0.3+1, 0, halo)
			p.discAt(bx+ms/2, cy, ms*0.3, 0, b.color)
		case markSizes:
			t.record(f, bx, by, inkColor, b.lines[0])
			rmax := b.radii[len(b.radii)-1]
			x, y := bx, by+f.line()+rmax
			for j, n := range b.sizes {
				r := b.radii[j]
				p.discAt(x+r, y, r, 0, Grey)
				label := thousands(n)
				if j == 0 && n > 1 && r <= b.minRadius {
					label = "≤ " + label // the smallest disc stands for fewer too
				}
				t.record(f, x+2*r+4, y-f.height()/2, inkColor, label)
				x += 2*r + 4 + f.width(label) + f.size
			}
			continue
		}
		tx := bx
		if b.mark != markNone {
			tx += ms + gap
		}
		for k, line := range b.lines {
			c := inkColor
			if b.more || b.note {
				c = softColor
			}
			t.record(f, tx, by+float64(k)*f.line(), c, line)
		}
	}
}

// discAt draws a legend marker at image pixel (x, y).
func (p *painter) discAt(x, y, r, width float64, c color.RGBA) {
	p.disc(x-float64(p.rect.Min.X), y-float64(p.rect.Min.Y), r, width, c, 1)
}

// drawLabels writes each coloured cluster's id ("C3") beside its largest
// disc, in a darker shade of its colour on a white halo. It tries a few
// places around the disc, preferring one that covers no other label and no
// other obstacle (a large disc, an event's ring), then one that covers no
// label, and leaves the label out when all of them would cover a label
// (taken: those drawn before, the events') or leave the map. It returns
// the labels drawn.
func drawLabels(t *text, rect image.Rectangle, as []anchor, obstacles, taken []image.Rectangle, colors map[int]color.RGBA, s float64) []TextBox {
	f := face{size: math.Max(10, math.Round(12*s)), bold: true}
	h := f.height()
	inner := rect.Inset(2)
	placed := slices.Clip(taken)
	var out []TextBox
	for _, a := range as {
		label := fmt.Sprintf("C%d", a.id)
		w := f.width(label)
		x, y := float64(rect.Min.X)+a.x, float64(rect.Min.Y)+a.y
		d := a.r + 2
		own := rectF(x-a.r, y-a.r, x+a.r, y+a.r)
		spots := [][2]float64{
			{x + d, y - h/2}, {x - d - w, y - h/2}, {x - w/2, y - d - h}, {x - w/2, y + d},
			{x + d*0.7, y - d*0.7 - h}, {x + d*0.7, y + d*0.7}, {x - d*0.7 - w, y - d*0.7 - h}, {x - d*0.7 - w, y + d*0.7},
		}
		pick := func(avoidDiscs bool) (image.Rectangle, [2]float64, bool) {
			for _, sp := range spots {
				box := rectF(sp[0]-1, sp[1]-1, sp[0]+w+1, sp[1]+h+1)
				if !box.In(inner) || overlapsAny(box, placed) {
					continue
				}
				if avoidDiscs && coversOther(box, own, obstacles) {
					continue
				}
				return box, sp, true
			}
			return image.Rectangle{}, [2]float64{}, false
		}
		box, sp, ok := pick(true)
		if !ok {
			box, sp, ok = pick(false)
		}
		if !ok {
			continue
		}
		placed = append(placed, box)
		out = append(out, TextBox{label, t.draw(f, sp[0], sp[1], darken(colors[a.id], 0.6), label, true)})
	}
	return out
}

// coversOther reports whether r overlaps a disc's box other than own.
func coversOther(r, own image.Rectangle, discs []image.Rectangle) bool {
	for _, d := range discs {
		if d != own && r.Overlaps(d) {
			return true
		}
	}
	return false
}

// obstacles are the boxes of the largest discs on the map, in image
// pixels, that labels should not cover.
func obstacles(rect image.Rectangle, groups []group, radius func(int) float64) []image.Rectangle {
	var out []image.Rectangle
	for _, g := range groups { // largest first
		r := radius(g.n)
		if r < 5 || len(out) == 400 {
			break
		}
		x, y := float64(rect.Min.X)+g.x, float64(rect.Min.Y)+g.y
		out = append(out, rectF(x-r, y-r, x+r, y+r))
	}
	return out
}

func overlapsAny(r image.Rectangle, rs []image.Rectangle) bool {
	for _, o := range rs {
		if r.Overlaps(o) {
			return true
		}
	}
	return false
}

// darken scales a colour towards black by k (0..1 keeps that share).
func darken(c color.RGBA, k float64) color.RGBA {
	return color.RGBA{uint8(float64(c.R) * k), uint8(float64(c.G) * k), uint8(float64(c.B) * k), 0xff}
}

// frameRect draws a one-pixel line around r.
func frameRect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	b := img.Bounds()
	for x := r.Min.X; x < r.Max.X; x++ {
		for _, y := range []int{r.Min.Y, r.Max.Y - 1} {
			if (image.Point{x, y}).In(b) {
				img.SetRGBA(x, y, c)
			}
		}
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for _, x := range []int{r.Min.X, r.Max.X - 1} {
			if (image.Point{x, y}).In(b) {
				img.SetRGBA(x, y, c)
			}
		}
	}
}
