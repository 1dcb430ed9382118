package render

import (
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"
	"sync"

	"golang.org/x/image/vector"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

//go:embed worldatlas/countries-50m.json
var worldAtlas []byte

var (
	oceanColor  = color.RGBA{0xdc, 0xe6, 0xef, 0xff}
	landColor   = color.RGBA{0xf7, 0xf5, 0xef, 0xff}
	borderColor = color.RGBA{0xb9, 0xb3, 0xa8, 0xff}
	coastColor  = color.RGBA{0x9a, 0xa7, 0xb4, 0xff}
	gridColor   = color.NRGBA{0x40, 0x58, 0x70, 0x26} // a light wash over sea and land
	labelColor  = color.RGBA{0x5a, 0x6b, 0x7b, 0xff}
)

type shapes struct {
	land, countries []geo.Polygon
}

var (
	worldOnce sync.Once
	world     shapes
	worldErr  error
)

func loadWorld() (shapes, error) {
	worldOnce.Do(func() {
		world.land, worldErr = geo.DecodeTopoJSON(worldAtlas, "land")
		if worldErr == nil {
			world.countries, worldErr = geo.DecodeTopoJSON(worldAtlas, "countries")
		}
	})
	return world, worldErr
}

// Countries are the base map's countries (Natural Earth 1:50m) as the
// maps draw them, their rings continuous across the antimeridian and
// closed along the pole they circle; the live page draws them too.
func Countries() ([]geo.Polygon, error) {
	w, err := loadWorld()
	out := make([]geo.Polygon, len(w.countries))
	for i, p := range w.countries {
		out[i] = make(geo.Polygon, len(p))
		for j, r := range p {
			out[i][j], _ = unwrap(r)
		}
	}
	return out, err
}

type baseKey struct {
	box   geo.BBox
	w, h  int
	label float64 // graticule label size
}

// baseCache keeps the last baseKept rasterized base maps, newest first:
// a map that follows the posts changes its extent now and then, and each
// base map of a 1600×900 canvas is 5 MB.
type baseCache struct {
	mu   sync.Mutex
	kept []baseEntry
}

type baseEntry struct {
	key baseKey
	img *image.RGBA
}

// baseKept is how many base maps a renderer keeps: the one it draws on,
// and the one before, which a map that follows the posts may go back to.
const baseKept = 2

func (c *baseCache) get(box geo.BBox, w, h int, label float64) (*image.RGBA, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := baseKey{box, w, h, label}
	for i, e := range c.kept {
		if e.key == k {
			copy(c.kept[1:i+1], c.kept[:i])
			c.kept[0] = e
			return e.img, nil
		}
	}
	img, err := drawBase(box, w, h, label)
	if err != nil {
		return nil, err
	}
	if len(c.kept) < baseKept {
		c.kept = append(c.kept, baseEntry{})
	}
	copy(c.kept[1:], c.kept)
	c.kept[0] = baseEntry{k, img}
	return img, nil
}

// drawBase rasterizes ocean, land, a light graticule, country borders and
// coasts for box onto a w×h image, and labels the graticule along the left
// and bottom edges in label-pixel text.
func drawBase(box geo.BBox, w, h int, label float64) (*image.RGBA, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("render: base map of %dx%d pixels", w, h)
	}
	sh, err := loadWorld()
	if err != nil {
		return nil, fmt.Errorf("render: embedded base map: %w", err)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(oceanColor), image.Point{}, draw.Src)
	proj := geo.Projection{Box: box, W: float64(w), H: float64(h)}

	fill := vector.NewRasterizer(w, h)
	for _, p := range sh.land {
		for _, ring := range p {
			addRing(fill, proj, ring)
		}
	}
	fill.Draw(img, img.Bounds(), image.NewUniform(landColor), image.Point{})

	step := gridStep(box)
	grid := vector.NewRasterizer(w, h)
	for lon := math.Ceil(box.W/step) * step; lon <= box.E; lon += step {
		x, _ := proj.Point(lon, 0)
		quad(grid, x, 0, x, float64(h), 0.8)
	}
	for lat := math.Ceil(box.S/step) * step; lat <= box.N; lat += step {
		_, y := proj.Point(0, lat)
		quad(grid, 0, y, float64(w), y, 0.8)
	}
	grid.Draw(img, img.Bounds(), image.NewUniform(gridColor), image.Point{})

	borders := vector.NewRasterizer(w, h)
	for _, p := range sh.countries {
		for _, ring := range p {
			strokeRing(borders, proj, ring, 0.6)
		}
	}
	borders.Draw(img, img.Bounds(), image.NewUniform(borderColor), image.Point{})

	coast := vector.NewRasterizer(w, h)
	for _, p := range sh.land {
		for _, ring := range p {
			strokeRing(coast, proj, ring, 0.9)
		}
	}
	coast.Draw(img, img.Bounds(), image.NewUniform(coastColor), image.Point{})
	labelGrid(newText(img), proj, step, face{size: label})
	return img, nil
}

// gridStep is the graticule spacing for box: the finest of a few round
// steps that draws at most 12 meridians and 8 parallels.
func gridStep(box geo.BBox) float64 {
	for _, s := range []float64{1, 2, 5, 10, 15, 20, 30, 45} {
		if (box.E-box.W)/s <= 12 && (box.N-box.S)/s <= 8 {
			return s
		}
	}
	return 60
}

// labelGrid writes the parallels' latitudes inside the left edge and the
// meridians' longitudes inside the bottom edge, skipping those that would
// crowd a corner or each other.
func labelGrid(t *text, proj geo.Projection, step float64, f face) {
	box, w, h := proj.Box, proj.W, proj.H
	pad := math.Round(f.size * 0.4)
	lh := f.height()
	latW := 0.0
	for lat := math.Ceil(box.S/step) * step; lat <= box.N; lat += step {
		_, y := proj.Point(0, lat)
		if y-lh/2 < pad || y+lh/2 > h-lh-2*pad {
			continue
		}
		s := degrees(lat, "N", "S")
		latW = math.Max(latW, f.width(s))
		t.draw(f, pad, y-lh/2, labelColor, s, true)
	}
	last := -math.MaxFloat64
	for lon := math.Ceil(box.W/step) * step; lon <= box.E; lon += step {
		x, _ := proj.Point(lon, 0)
		s := degrees(lon, "E", "W")
		lw := f.width(s)
		if x-lw/2 < pad+latW+pad || x+lw/2 > w-pad || x-lw/2 < last+pad {
			continue
		}
		t.draw(f, x-lw/2, h-pad-lh, labelColor, s, true)
		last = x + lw/2
	}
}

// degrees formats a graticule value: "30°N", "0°", "120°W".
func degrees(v float64, pos, neg string) string {
	switch {
	case v > 0:
		return strconv.FormatFloat(v, 'f', -1, 64) + "°" + pos
	case v < 0:
		return strconv.FormatFloat(-v, 'f', -1, 64) + "°" + neg
	}
	return "0°"
}

// quad adds a line from (x0, y0) to (x1, y1) of the given width.
func quad(z *vector.Rasterizer, x0, y0, x1, y1, width float64) {
	dx, dy := x1-x0, y1-y0
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	nx, ny := -dy/l*width/2, dx/l*width/2
	z.MoveTo(float32(x0+nx), float32(y0+ny))
	z.LineTo(float32(x1+nx), float32(y1+ny))
	z.LineTo(float32(x1-nx), float32(y1-ny))
	z.LineTo(float32(x0-nx), float32(y0-ny))
	z.ClosePath()
}

// clampf bounds coordinates so float32 stays precise; the rasterizer clips
// what falls outside its bounds itself.
func clampf(v, max float64) float32 {
	return float32(math.Max(-50*max, math.Min(50*max, v)))
}

// unwrap makes a ring's longitudes continuous across the antimeridian
// (Fiji, Chukotka) and closes rings that circle a pole (Antarctica) along
// that pole. It reports whether closing segments were added at the end.
func unwrap(ring geo.Ring) (geo.Ring, bool) {
	out := make(geo.Ring, len(ring), len(ring)+2)
	copy(out, ring)
	var latSum float64
	for i := 1; i < len(out); i++ {
		d := out[i][0] - out[i-1][0]
		out[i][0] -= 360 * math.Round(d/360)
		latSum += out[i][1]
	}
	drift := out[len(out)-1][0] - out[0][0]
	if math.Abs(drift) < 180 {
		return out, false
	}
	pole := 90.0
	if latSum < 0 {
		pole = -90
	}
	last := out[len(out)-1]
	out = append(out, [2]float64{last[0], pole}, [2]float64{out[0][0], pole})
	return out, true
}

// offsets are the copies of a ring, shifted by whole turns, that can
// reach the map box.
func offsets(ring geo.Ring, box geo.BBox) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, pt := range ring {
		lo, hi = math.Min(lo, pt[0]), math.Max(hi, pt[0])
	}
	var out []float64
	for _, k := range []float64{-360, 0, 360} {
		if hi+k >= box.W && lo+k <= box.E {
			out = append(out, k)
		}
	}
	return out
}

func addRing(z *vector.Rasterizer, p geo.Projection, ring geo.Ring) {
	ring, _ = unwrap(ring)
	for _, k := range offsets(ring, p.Box) {
		for i, pt := range ring {
			x, y := p.Point(pt[0]+k, pt[1])
			fx, fy := clampf(x, p.W), clampf(y, p.H)
			if i == 0 {
				z.MoveTo(fx, fy)
			} else {
				z.LineTo(fx, fy)
			}
		}
		z.ClosePath()
	}
}

// strokeRing adds each segment of ring as a thin quad of the given width,
// leaving out the segments added to close a polar ring.
func strokeRing(z *vector.Rasterizer, p geo.Projection, ring geo.Ring, width float64) {
	ring, polar := unwrap(ring)
	n := len(ring)
	if polar {
		n -= 2
	}
	half := width / 2
	for _, k := range offsets(ring, p.Box) {
		for i := 1; i < n; i++ {
			a, b := ring[i-1], ring[i]
			if math.Abs(a[1]) >= 89.99 && math.Abs(b[1]) >= 89.99 {
				continue // a cut along the pole, not a coast
			}
			x0, y0 := p.Point(a[0]+k, a[1])
			x1, y1 := p.Point(b[0]+k, b[1])
			if !segmentVisible(x0, y0, x1, y1, p.W, p.H) {
				continue
			}
			dx, dy := x1-x0, y1-y0
			l := math.Hypot(dx, dy)
			if l == 0 {
				continue
			}
			nx, ny := -dy/l*half, dx/l*half
			// Extend each quad by half a width so joints have no gaps.
			ex, ey := dx/l*half, dy/l*half
			z.MoveTo(clampf(x0+nx-ex, p.W), clampf(y0+ny-ey, p.H))
			z.LineTo(clampf(x1+nx+ex, p.W), clampf(y1+ny+ey, p.H))
			z.LineTo(clampf(x1-nx+ex, p.W), clampf(y1-ny+ey, p.H))
			z.LineTo(clampf(x0-nx-ex, p.W), clampf(y0-ny-ey, p.H))
			z.ClosePath()
		}
	}
}

func segmentVisible(x0, y0, x1, y1, w, h float64) bool {
	return !(x0 < -2 && x1 < -2 || x0 > w+2 && x1 > w+2 || y0 < -2 && y1 < -2 || y0 > h+2 && y1 > h+2)
}
