package render

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/geostream/geostream/analyzer/internal/geo"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func init() {
	// Sans-serif text reads better on maps than gonum/plot's serif default.
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
}

// Palette is the cluster colours: colour-blind-friendly hues (Okabe–Ito and
// Paul Tol's sets), ordered so that neighbouring ids differ strongly.
// Cluster i always gets Palette[i % len(Palette)].
var Palette = []color.RGBA{
	{0x00, 0x72, 0xb2, 0xff}, // blue
	{0xd5, 0x5e, 0x00, 0xff}, // vermillion
	{0x00, 0x9e, 0x73, 0xff}, // bluish green
	{0xcc, 0x79, 0xa7, 0xff}, // reddish purple
	{0xe6, 0x9f, 0x00, 0xff}, // orange
	{0x33, 0x22, 0x88, 0xff}, // indigo
	{0x56, 0xb4, 0xe9, 0xff}, // sky blue
	{0x88, 0x22, 0x55, 0xff}, // wine
	{0x11, 0x77, 0x33, 0xff}, // green
	{0xee, 0x66, 0x77, 0xff}, // rose
	{0x99, 0x99, 0x33, 0xff}, // olive
	{0x44, 0xaa, 0x99, 0xff}, // teal
	{0xaa, 0x44, 0x99, 0xff}, // purple
	{0x66, 0x11, 0x00, 0xff}, // brown
	{0x00, 0x00, 0x00, 0xff}, // black
	{0xdd, 0xaa, 0x33, 0xff}, // sand
	{0x66, 0x99, 0xcc, 0xff}, // steel
	{0x99, 0x44, 0x55, 0xff}, // mauve
}

// ColorOf returns the colour of cluster id.
func ColorOf(id int) color.RGBA {
	if id < 0 {
		return color.RGBA{0x80, 0x80, 0x80, 0xff}
	}
	return Palette[id%len(Palette)]
}

// Point is a tweet to draw.
type Point struct {
	Lon, Lat float32
	Cluster  int32
}

// Frame is everything drawn for one window. It holds copies, so it may be
// rendered in another goroutine while the pipeline moves on.
type Frame struct {
	Start, End       time.Time
	Tweets, Located  int
	Points           []Point
	Clusters         []pipeline.ClusterSummary
	Box              geo.BBox
	Width, Height    int
	CompressionLevel png.CompressionLevel
	// SizeBy is SizeByCount to draw one disc per cluster and place, its
	// area in proportion to the tweets there; else one disc per tweet.
	SizeBy string
}

// What point sizes can follow (--size-by).
const (
	SizeByNone  = "none"
	SizeByCount = "count"
)

// NewFrame copies what a frame needs out of a pipeline result.
func NewFrame(r *pipeline.Result) *Frame {
	f := &Frame{Start: r.Start, End: r.End, Tweets: r.Counts.Tweets, Located: r.Counts.Located,
		Clusters: append([]pipeline.ClusterSummary(nil), r.Clusters...)}
	f.Points = make([]Point, len(r.Points))
	for i, p := range r.Points {
		f.Points[i] = Point{Lon: float32(p.Lon), Lat: float32(p.Lat), Cluster: int32(p.Cluster)}
	}
	return f
}

// Renderer draws frames. It caches base maps and is safe for concurrent use.
type Renderer struct {
	base baseCache
}

// Layout constants, in pixels (the canvas runs at 72 dpi: 1 pt = 1 px).
const (
	legendFrac   = 0.25
	fontTitle    = 20
	fontAxis     = 13
	fontLegend   = 14
	fontFooter   = 11
	minDataWidth = 100
)

// Stats reports what a render did.
type Stats struct {
	Drawn, Outside int
	// Data is the pixel rectangle of the map inside the image.
	Data image.Rectangle
}

// Image draws f and returns the image.
func (r *Renderer) Image(f *Frame) (*image.RGBA, Stats, error) {
	var st Stats
	w, h := f.Width, f.Height
	if w < 400 || h < 300 {
		return nil, st, fmt.Errorf("render: %dx%d is too small for a map (at least 400x300)", w, h)
	}
	cv := vgimg.NewWith(vgimg.UseWH(vg.Length(w), vg.Length(h)), vgimg.UseDPI(72))
	img, ok := cv.Image().(*image.RGBA)
	if !ok {
		return nil, st, fmt.Errorf("render: canvas is %T, not RGBA", cv.Image())
	}
	dc := vgdraw.New(cv)

	legendW := vg.Length(math.Round(float64(w) * legendFrac))
	plotArea := vgdraw.Crop(dc, 0, -legendW, vg.Length(fontFooter+8), -12) // a margin above the title
	legendArea := vgdraw.Crop(dc, vg.Length(w)-legendW, 0, vg.Length(fontFooter+8), 0)

	p := plot.New()
	p.Title.Text = title(f)
	p.Title.TextStyle.Font.Size = fontTitle
	p.Title.Padding = 8
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = f.Box.W, f.Box.E, f.Box.S, f.Box.N
	p.X.Label.Text, p.Y.Label.Text = "longitude", "latitude"
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font.Size = fontAxis
		ax.Tick.Label.Font.Size = fontAxis - 1
		ax.Tick.Marker = degreeTicks{}
		ax.Padding = 2
	}

	// Shrink the plot area until the data area has the region's aspect.
	aspect := f.Box.Aspect()
	da := p.DataCanvas(plotArea)
	dw, dh := float64(da.Max.X-da.Min.X), float64(da.Max.Y-da.Min.Y)
	if dw < minDataWidth || dh < minDataWidth {
		return nil, st, fmt.Errorf("render: %dx%d leaves no room for the map", w, h)
	}
	if dw/dh > aspect {
		cut := vg.Length(dw - dh*aspect)
		plotArea = vgdraw.Crop(plotArea, cut/2, -cut/2, 0, 0)
	} else {
		cut := vg.Length(dh - dw/aspect)
		plotArea = vgdraw.Crop(plotArea, 0, 0, cut/2, -cut/2)
	}
	p.Draw(plotArea)
	da = p.DataCanvas(plotArea)
	// Start the legend level with the top of the map.
	legendArea = vgdraw.Crop(legendArea, 0, 0, 0, -(legendArea.Max.Y - da.Max.Y - 40))

	// Pixel rectangle of the data area (vg's y axis points up).
	rect := image.Rect(int(math.Round(float64(da.Min.X))), h-int(math.Round(float64(da.Max.Y))),
		int(math.Round(float64(da.Max.X))), h-int(math.Round(float64(da.Min.Y))))
	base, err := r.base.get(f.Box, rect.Dx(), rect.Dy())
	if err != nil {
		return nil, st, err
	}
	draw.Draw(img, rect, base, image.Point{}, draw.Src)
	if f.SizeBy == SizeByCount {
		st = drawCounts(img, rect, f)
	} else {
		st = drawPoints(img, rect, f)
	}
	st.Data = rect
	drawLegend(legendArea, f, da.Min.Y)
	footer := vgdraw.TextStyle{Color: color.Gray{0x70}, Font: font.From(plot.DefaultFont, fontFooter),
		Handler: plot.DefaultTextHandler, XAlign: vgdraw.XRight}
	dc.FillText(footer, vg.Point{X: vg.Length(w - 10), Y: 5},
		"Base map: Natural Earth (public domain), via world-atlas. Drawn by geostream.")
	return img, st, nil
}

// Render draws f and encodes it as PNG to w.
func (r *Renderer) Render(w io.Writer, f *Frame) (Stats, error) {
	img, st, err := r.Image(f)
	if err != nil {
		return st, err
	}
	enc := png.Encoder{CompressionLevel: f.CompressionLevel}
	if err := enc.Encode(w, img); err != nil {
		return st, fmt.Errorf("encoding PNG: %w", err)
	}
	return st, nil
}

func title(f *Frame) string {
	start, end := f.Start.UTC(), f.End.UTC()
	span := start.Format("2006-01-02 15:04:05") + " – " + end.Format("15:04:05") + " UTC"
	if start.YearDay() != end.YearDay() || start.Year() != end.Year() {
		span = start.Format("2006-01-02 15:04:05") + " – " + end.Format("2006-01-02 15:04:05") + " UTC"
	}
	return fmt.Sprintf("%s   ·   %s tweets, %s located, %d clusters", span, thousands(f.Tweets), thousands(f.Located), len(f.Clusters))
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// project calls fn with the pixel position, within the data rectangle, of
// every point inside the region, and counts the points it drew and those
// outside.
func project(rect image.Rectangle, f *Frame, fn func(x, y float64, p Point)) Stats {
	var st Stats
	proj := geo.Projection{Box: f.Box, W: float64(rect.Dx()), H: float64(rect.Dy())}
	for _, p := range f.Points {
		lon, lat := float64(p.Lon), float64(p.Lat)
		if !f.Box.Contains(lon, lat) {
			st.Outside++
			continue
		}
		x, y := proj.Point(lon, lat)
		fn(x, y, p)
		st.Drawn++
	}
	return st
}

// drawPoints blends a translucent disc per point into the data rectangle;
// points outside the region are counted, not drawn.
func drawPoints(img *image.RGBA, rect image.Rectangle, f *Frame) Stats {
	radius := 3.2
	switch n := len(f.Points); {
	case n > 50000:
		radius = 1.6
	case n > 10000:
		radius = 2.2
	}
	mask := discMask(radius)
	return project(rect, f, func(x, y float64, p Point) {
		blendDisc(img, rect, rect.Min.X+int(math.Round(x)), rect.Min.Y+int(math.Round(y)), mask, ColorOf(int(p.Cluster)), 0.55)
	})
}

// Discs drawn by count: one tweet gets countRadius pixels; the area grows
// with the count, up to countMaxRadius.
const (
	countRadius    = 2.5
	countMaxRadius = 22
)

// countCell is the side, in pixels, of the cells tweets are counted in.
const countCell = 8

// countDiscRadius is the radius of a disc for n tweets.
func countDiscRadius(n int) float64 {
	return math.Min(countMaxRadius, countRadius*math.Sqrt(float64(n)))
}

// drawCounts draws one disc per cluster and place (a countCell-pixel
// cell), sized by how many of the cluster's tweets fall there: a city with
// 500 tweets no longer looks like a village with one. The largest discs go
// first, so that small ones stay visible on top of them.
func drawCounts(img *image.RGBA, rect image.Rectangle, f *Frame) Stats {
	type key struct{ x, y, c int32 }
	type group struct {
		n      int
		sx, sy float64
	}
	groups := map[key]*group{}
	st := project(rect, f, func(x, y float64, p Point) {
		k := key{int32(x / countCell), int32(y / countCell), p.Cluster}
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
		}
		g.n++
		g.sx, g.sy = g.sx+x, g.sy+y
	})
	type disc struct {
		key
		group
	}
	discs := make([]disc, 0, len(groups))
	for k, g := range groups {
		discs = append(discs, disc{k, *g})
	}
	sort.Slice(discs, func(i, j int) bool {
		a, b := discs[i], discs[j]
		if a.n != b.n {
			return a.n > b.n
		}
		if a.c != b.c {
			return a.c < b.c
		}
		if a.y != b.y {
			return a.y < b.y
		}
		return a.x < b.x
	})
	masks := map[float64][]float64{}
	for _, d := range discs {
		r := countDiscRadius(d.n)
		m, ok := masks[r]
		if !ok {
			m = discMask(r)
			masks[r] = m
		}
		// At the mean position of the group's tweets.
		cx := rect.Min.X + int(math.Round(d.sx/float64(d.n)))
		cy := rect.Min.Y + int(math.Round(d.sy/float64(d.n)))
		blendDisc(img, rect, cx, cy, m, ColorOf(int(d.c)), 0.6)
	}
	return st
}

// blendDisc blends colour c with opacity alpha through a disc mask (from
// discMask) centred on pixel (cx, cy), clipped to rect.
func blendDisc(img *image.RGBA, rect image.Rectangle, cx, cy int, mask []float64, c color.RGBA, alpha float64) {
	n := int(math.Round(math.Sqrt(float64(len(mask)))))
	r := n / 2
	for dy := -r; dy <= r; dy++ {
		py := cy + dy
		if py < rect.Min.Y || py >= rect.Max.Y {
			continue
		}
		row := mask[(dy+r)*n:]
		for dx := -r; dx <= r; dx++ {
			px := cx + dx
			m := row[dx+r]
			if m == 0 || px < rect.Min.X || px >= rect.Max.X {
				continue
			}
			a := alpha * m
			i := img.PixOffset(px, py)
			pix := img.Pix[i : i+3 : i+3]
			pix[0] = uint8(float64(pix[0])*(1-a) + float64(c.R)*a + 0.5)
			pix[1] = uint8(float64(pix[1])*(1-a) + float64(c.G)*a + 0.5)
			pix[2] = uint8(float64(pix[2])*(1-a) + float64(c.B)*a + 0.5)
		}
	}
}

// discMask returns per-pixel coverage of a disc of radius r centred on a
// pixel, in a (2R+1)² grid, R = ceil(r).
func discMask(r float64) []float64 {
	R := int(math.Ceil(r))
	n := 2*R + 1
	m := make([]float64, n*n)
	for y := -R; y <= R; y++ {
		for x := -R; x <= R; x++ {
			d := math.Hypot(float64(x), float64(y))
			m[(y+R)*n+x+R] = math.Max(0, math.Min(1, r+0.5-d))
		}
	}
	return m
}

// legendRow is a coloured dot used as a legend thumbnail.
type legendRow color.RGBA

func (l legendRow) Thumbnail(c *vgdraw.Canvas) {
	ctr := vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}
	r := (c.Max.Y - c.Min.Y) * 0.32
	c.FillPolygon(color.RGBA(l), circle(ctr, r))
}

func circle(ctr vg.Point, r vg.Length) []vg.Point {
	var pts []vg.Point
	for i := 0; i < 48; i++ {
		a := 2 * math.Pi * float64(i) / 48
		pts = append(pts, vg.Point{X: ctr.X + r*vg.Length(math.Cos(a)), Y: ctr.Y + r*vg.Length(math.Sin(a))})
	}
	return pts
}

// drawLegend lists the non-empty clusters, largest first:
// "C3 (412): game, bowl, super".
func drawLegend(c vgdraw.Canvas, f *Frame, mapBottom vg.Length) {
	cl := append([]pipeline.ClusterSummary(nil), f.Clusters...)
	sort.SliceStable(cl, func(i, j int) bool {
		if cl[i].Size != cl[j].Size {
			return cl[i].Size > cl[j].Size
		}
		return cl[i].ID < cl[j].ID
	})
	size := vg.Length(fontLegend)
	// Shrink the text if many clusters would overflow the panel.
	avail := c.Max.Y - c.Min.Y - 60
	if f.SizeBy == SizeByCount {
		// The key stands level with the bottom of the map, the rows above it.
		bottom := max(mapBottom, c.Min.Y)
		avail = c.Max.Y - bottom - drawSizeKey(c, bottom) - 60
	}
	for size > 8 && vg.Length(len(cl))*(size*1.45) > avail {
		size--
	}
	rows := legendRows(cl, int(float64(c.Max.X-c.Min.X)/(float64(size)*0.52)))
	l := plot.NewLegend()
	l.Left, l.Top = true, true
	l.TextStyle.Font.Size = size
	l.ThumbnailWidth = size * 1.2
	l.Padding = size * 0.35
	for i, s := range cl {
		l.Add(rows[i], legendRow(ColorOf(s.ID)))
	}
	head := vgdraw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, fontLegend+1),
		Handler: plot.DefaultTextHandler}
	top := c.Max.Y - 48
	c.FillText(head, vg.Point{X: c.Min.X + 12, Y: top + 8}, "Clusters (size): top keywords")
	inner := vgdraw.Crop(c, 12, -8, 0, -(c.Max.Y-top)-6)
	if len(cl) == 0 {
		c.FillText(l.TextStyle, vg.Point{X: c.Min.X + 12, Y: top - 20}, "no clusters yet")
		return
	}
	l.Draw(inner)
}

// drawSizeKey explains --size-by count in the legend panel, from bottom
// up: discs for a few counts, as large as on the map. It returns the
// height it took.
func drawSizeKey(c vgdraw.Canvas, bottom vg.Length) vg.Length {
	const keyH = 2*countMaxRadius + 32
	style := vgdraw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, fontLegend),
		Handler: plot.DefaultTextHandler, YAlign: vgdraw.YCenter}
	c.FillText(style, vg.Point{X: c.Min.X + 12, Y: bottom + keyH - 8}, "Tweets per cluster and place")
	full := int(math.Ceil(math.Pow(countMaxRadius/countRadius, 2)))
	y := bottom + countMaxRadius
	x := c.Min.X + 12
	for _, n := range []int{1, 10, 30, full} {
		r := vg.Length(countDiscRadius(n))
		c.FillPolygon(color.RGBA{0x70, 0x70, 0x70, 0xb0}, circle(vg.Point{X: x + r, Y: y}, r))
		label := fmt.Sprint(n)
		if n == full {
			label += " or more"
		}
		c.FillText(style, vg.Point{X: x + 2*r + 5, Y: y}, label)
		x += 2*r + 5 + style.Width(label) + 18
	}
	return keyH
}

// legendRows formats one row per cluster, "C3 (412): game, bowl, super",
// cut to maxChars.
func legendRows(cl []pipeline.ClusterSummary, maxChars int) []string {
	var out []string
	for _, s := range cl {
		text := fmt.Sprintf("C%d (%d): %s", s.ID, s.Size, strings.Join(s.Keywords, ", "))
		if len(text) > maxChars && maxChars > 10 {
			text = text[:maxChars-1] + "…"
		}
		out = append(out, text)
	}
	return out
}

// degreeTicks labels axes in whole degrees with sensible steps.
type degreeTicks struct{}

func (degreeTicks) Ticks(min, max float64) []plot.Tick {
	span := max - min
	step := 10.0
	for _, s := range []float64{5, 10, 15, 30, 45, 60} {
		step = s
		if span/s <= 9 {
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(min/step) * step; v <= max+1e-9; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: fmt.Sprintf("%g°", v)})
	}
	return ticks
}
