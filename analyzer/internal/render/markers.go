package render

import (
	"image"
	"image/color"
	"math"
	"slices"
	"sort"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// group is the tweets of one cluster, located one way (given or
// inferred), in one cell of the map.
type group struct {
	x, y     float64 // mean pixel position inside the map
	n        int
	cluster  int32
	inferred bool
}

// methodCounts counts the drawn points by how they were located.
type methodCounts struct {
	given, profile, text int
}

func (mc *methodCounts) add(m Method, n int) {
	switch m {
	case MethodProfile:
		mc.profile += n
	case MethodText:
		mc.text += n
	default:
		mc.given += n
	}
}

// groupPoints projects f's points onto a w×h map of ext, counts those
// drawn and outside, and groups the drawn ones by cluster, location kind
// and cell (cell pixels square), largest group first.
func groupPoints(f *Frame, ext geo.BBox, w, h int, cell float64) ([]group, methodCounts, Stats) {
	var st Stats
	var mc methodCounts
	proj := geo.Projection{Box: ext, W: float64(w), H: float64(h)}
	type key struct {
		x, y, c  int32
		inferred bool
	}
	index := map[key]int{}
	var groups []group
	for _, p := range f.Points {
		lon, lat := float64(p.Lon), float64(p.Lat)
		n := p.weight()
		if !ext.Contains(lon, lat) {
			st.Outside += n
			continue
		}
		st.Drawn += n
		mc.add(p.Method, n)
		x, y := proj.Point(lon, lat)
		k := key{int32(x / cell), int32(y / cell), p.Cluster, p.Method.Inferred()}
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, group{cluster: p.Cluster, inferred: k.inferred})
		}
		g := &groups[i]
		g.n += n
		g.x += x * float64(n)
		g.y += y * float64(n)
	}
	for i := range groups {
		g := &groups[i]
		g.x /= float64(g.n)
		g.y /= float64(g.n)
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if a.n != b.n {
			return a.n > b.n
		}
		if a.cluster != b.cluster {
			return a.cluster < b.cluster
		}
		if a.y != b.y {
			return a.y < b.y
		}
		return a.x < b.x
	})
	return groups, mc, st
}

// mergeGroups folds each group into a larger one of the same cluster and
// kind that its disc would half cover, so that a city is one disc per
// cluster, not a bunch of overlapping cells. groups must be largest
// first; the result is too.
func mergeGroups(groups []group, radius func(int) float64, maxR float64) []group {
	type bucket struct {
		x, y, c  int32
		inferred bool
	}
	size := math.Max(maxR, 1)
	keyOf := func(x, y float64, g group) bucket {
		return bucket{int32(math.Floor(x / size)), int32(math.Floor(y / size)), g.cluster, g.inferred}
	}
	// kept holds the discs so far; index finds them by bucket.
	var kept []group
	index := map[bucket][]int{}
	for _, g := range groups {
		k := keyOf(g.x, g.y, g)
		into := -1
		best := math.Inf(1)
		for dy := int32(-1); dy <= 1; dy++ {
			for dx := int32(-1); dx <= 1; dx++ {
				for _, i := range index[bucket{k.x + dx, k.y + dy, k.c, k.inferred}] {
					d := math.Hypot(kept[i].x-g.x, kept[i].y-g.y)
					if d <= radius(kept[i].n)+radius(g.n)/2 && d < best {
						into, best = i, d
					}
				}
			}
		}
		if into < 0 {
			index[k] = append(index[k], len(kept))
			kept = append(kept, g)
			continue
		}
		// The disc keeps its place: moving it could uncover what it took.
		kept[into].n += g.n
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].n > kept[j].n })
	return kept
}

// discScale sizes count discs: a disc's area is in proportion to its
// tweets, the largest group (or ref tweets, if more) gets max, and no disc
// is smaller than min.
type discScale struct {
	min, max float64
	ref      int
}

// refMin is the fewest tweets the largest disc stands for, so that a quiet
// window does not draw three tweets as a city.
const refMin = 30

func (d discScale) radius(n int) float64 {
	return math.Max(d.min, d.max*math.Sqrt(float64(n)/float64(d.ref)))
}

// keyCounts are the counts shown in the size key: the reference (the
// largest disc), and below it the powers of ten whose discs differ
// visibly from the next larger one kept.
func (d discScale) keyCounts() []int {
	out := []int{d.ref}
	last := d.radius(d.ref)
	p := 1
	for p*10 < d.ref {
		p *= 10
	}
	for ; p >= 1; p /= 10 {
		if r := d.radius(p); last-r >= 3 && float64(d.ref)/float64(p) >= 1.8 {
			out = append(out, p)
			last = r
		}
	}
	slices.Reverse(out)
	return out
}

// painter blends markers into the map rectangle of an image.
type painter struct {
	img   *image.RGBA
	rect  image.Rectangle
	masks map[[3]float64][]float64
}

// disc blends colour c with opacity alpha over a disc of radius r centred
// at (x, y) in map pixels; with width > 0 only a ring of that width.
func (p *painter) disc(x, y, r, width float64, c color.RGBA, alpha float64) {
	q := [3]float64{math.Round(r*4) / 4, math.Round(width*4) / 4}
	m, ok := p.masks[q]
	if !ok {
		m = discMask(q[0], q[1])
		p.masks[q] = m
	}
	blend(p.img, p.rect, p.rect.Min.X+int(math.Round(x)), p.rect.Min.Y+int(math.Round(y)), m, c, alpha)
}

// halo is the white rim around markers that keeps overlapping ones apart.
var halo = color.RGBA{0xff, 0xff, 0xff, 0xff}

// drawGroups draws one disc per group, its area by its tweets: grey groups
// first, then the coloured ones from the largest down, so that small
// groups stay visible on top of large ones. Inferred groups are rings.
func drawGroups(p *painter, groups []group, colors map[int]color.RGBA, sc discScale) {
	for pass := range 2 {
		for _, g := range groups {
			c, ok := colors[int(g.cluster)]
			if ok != (pass == 1) {
				continue
			}
			if !ok {
				c = Grey
			}
			r := sc.radius(g.n)
			if g.inferred {
				r = math.Max(r, sc.min+1)
				w := math.Max(1.6, r*0.28)
				p.disc(g.x, g.y, r+1, w+2, halo, 0.9)
				p.disc(g.x, g.y, r, w, c, 0.95)
				continue
			}
			p.disc(g.x, g.y, r+1, 0, halo, 0.85)
			p.disc(g.x, g.y, r, 0, c, 0.88)
		}
	}
}

// drawPoints draws a small translucent disc (a ring, if inferred) per
// tweet: grey ones first, then each coloured cluster from the largest
// down, so that a small cluster is not buried under a large one.
func drawPoints(p *painter, f *Frame, ext geo.BBox, colored []int, colors map[int]color.RGBA, s float64) {
	radius := 3.2 * s
	switch n := f.tweets(); {
	case n > 50000:
		radius = 1.6 * s
	case n > 10000:
		radius = 2.2 * s
	}
	radius = math.Max(radius, 1.5)
	rank := make(map[int32]int, len(colored))
	for i, id := range colored {
		rank[int32(id)] = i + 1
	}
	// Points in drawing order by a counting sort on rank (grey is 0),
	// keeping input order within a cluster.
	start := make([]int, len(colored)+2)
	ranks := make([]uint8, len(f.Points))
	for i, pt := range f.Points {
		r := rank[pt.Cluster]
		ranks[i] = uint8(r)
		start[r+1]++
	}
	for r := 1; r < len(start); r++ {
		start[r] += start[r-1]
	}
	order := make([]int32, len(f.Points))
	for i, r := range ranks {
		order[start[r]] = int32(i)
		start[r]++
	}
	proj := geo.Projection{Box: ext, W: float64(p.rect.Dx()), H: float64(p.rect.Dy())}
	disc, ring := discMask(radius, 0), discMask(radius+0.5, math.Max(1.2, radius*0.4))
	for _, i := range order {
		pt := f.Points[i]
		lon, lat := float64(pt.Lon), float64(pt.Lat)
		if !ext.Contains(lon, lat) {
			continue
		}
		c, ok := colors[int(pt.Cluster)]
		if !ok {
			c = Grey
		}
		x, y := proj.Point(lon, lat)
		cx, cy := p.rect.Min.X+int(math.Round(x)), p.rect.Min.Y+int(math.Round(y))
		mask, alpha := disc, 0.6
		if pt.Method.Inferred() {
			mask, alpha = ring, 0.8
		}
		// A point of many tweets is blended once for each, as they would
		// be one by one, until a blend changes no pixel: each pixel's next
		// value follows from its own alone, so no later blend would.
		for range min(pt.weight(), maxBlends) {
			if !blend(p.img, p.rect, cx, cy, mask, c, alpha) {
				break
			}
		}
	}
}

// maxBlends is how many times one point is blended at most. A blend at
// opacity a stops changing a pixel once it would move it by less than half
// a level, that is within 0.5/a of the colour; from 255 levels away, that
// takes ln(510a)/a blends, at most 190 (at a ≈ 0.005). More change nothing;
// most points stop far sooner, at the first blend that changes no pixel.
const maxBlends = 256

// blend blends colour c with opacity alpha through a mask (from discMask)
// centred on pixel (cx, cy), clipped to rect, and says whether it changed
// a pixel.
func blend(img *image.RGBA, rect image.Rectangle, cx, cy int, mask []float64, c color.RGBA, alpha float64) (changed bool) {
	n := int(math.Round(math.Sqrt(float64(len(mask)))))
	r := n / 2
	if cx+r < rect.Min.X || cx-r >= rect.Max.X || cy+r < rect.Min.Y || cy-r >= rect.Max.Y {
		return false
	}
	cr, cg, cb := float64(c.R), float64(c.G), float64(c.B)
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
			was := [3]uint8(pix)
			pix[0] = uint8(float64(pix[0])*(1-a) + cr*a + 0.5)
			pix[1] = uint8(float64(pix[1])*(1-a) + cg*a + 0.5)
			pix[2] = uint8(float64(pix[2])*(1-a) + cb*a + 0.5)
			changed = changed || was != [3]uint8(pix)
		}
	}
	return changed
}

// discMask returns the per-pixel coverage of a disc of radius r centred on
// a pixel (with width > 0, of the ring of that width inside r), in a
// (2R+1)² grid, R = ceil(r).
func discMask(r, width float64) []float64 {
	R := int(math.Ceil(r))
	n := 2*R + 1
	m := make([]float64, n*n)
	cover := func(r, d float64) float64 { return math.Max(0, math.Min(1, r+0.5-d)) }
	for y := -R; y <= R; y++ {
		for x := -R; x <= R; x++ {
			d := math.Hypot(float64(x), float64(y))
			v := cover(r, d)
			if width > 0 && r > width {
				v -= cover(r-width, d)
			}
			m[(y+R)*n+x+R] = math.Max(0, v)
		}
	}
	return m
}

// anchor is where a cluster's label goes: its largest group.
type anchor struct {
	id   int
	x, y float64
	r    float64
}

// anchors returns, for each coloured cluster on the map, its largest
// group, in the order of colored.
func anchors(groups []group, colored []int, radius func(int) float64) []anchor {
	best := map[int32]group{}
	for _, g := range groups { // largest first: keep the first seen
		if _, ok := best[g.cluster]; !ok {
			best[g.cluster] = g
		}
	}
	var out []anchor
	for _, id := range colored {
		if g, ok := best[int32(id)]; ok {
			out = append(out, anchor{id: id, x: g.x, y: g.y, r: radius(g.n)})
		}
	}
	return out
}

// stacks reports whether a disc of one cluster lies inside the disc of
// another (which looks like a disc with a ring around it). groups are
// largest first. It looks for larger discs in a grid of cells as wide as
// the largest disc, through lists kept in two slices.
func stacks(groups []group, radius func(int) float64) bool {
	if len(groups) < 2 {
		return false
	}
	size, x0, y0, x1, y1 := 1.0, groups[0].x, groups[0].y, groups[0].x, groups[0].y
	for _, g := range groups {
		size = math.Max(size, radius(g.n))
		x0, y0, x1, y1 = math.Min(x0, g.x), math.Min(y0, g.y), math.Max(x1, g.x), math.Max(y1, g.y)
	}
	size = math.Max(size, math.Max(x1-x0, y1-y0)/512) // at most 513×513 cells
	nx, ny := int((x1-x0)/size)+1, int((y1-y0)/size)+1
	head := make([]int32, nx*ny) // each cell's last group + 1, 0 for none
	next := make([]int32, len(groups))
	for i, g := range groups {
		cx, cy := int((g.x-x0)/size), int((g.y-y0)/size)
		r := radius(g.n)
		for y := max(0, cy-1); y <= min(ny-1, cy+1); y++ {
			for x := max(0, cx-1); x <= min(nx-1, cx+1); x++ {
				for j := head[y*nx+x] - 1; j >= 0; j = next[j] - 1 {
					o := groups[j]
					if o.cluster != g.cluster && math.Hypot(o.x-g.x, o.y-g.y)+r <= radius(o.n) {
						return true
					}
				}
			}
		}
		c := cy*nx + cx
		next[i], head[c] = head[c], int32(i+1)
	}
	return false
}
