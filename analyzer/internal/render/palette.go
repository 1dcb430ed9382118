package render

import (
	"image/color"
	"math"
)

// Palette is the cluster colours. The first five are Okabe and Ito's
// colour-blind-safe hues; the other ten were chosen, from Paul Tol's sets
// and a grid of mid-light colours, to keep the fifteen apart: every pair
// differs by at least 17 in CIEDE2000 for normal sight and by at least 8
// under simulated protanopia and deuteranopia (Machado et al. 2009), and
// every colour stands out from the land and the sea (TestPalette checks
// all of it). Colours are given to clusters by Colors, so that the
// clusters drawn at once get colours as far apart as possible.
var Palette = []color.RGBA{
	{0x00, 0x72, 0xb2, 0xff}, // blue
	{0xd5, 0x5e, 0x00, 0xff}, // vermillion
	{0x00, 0x9e, 0x73, 0xff}, // bluish green
	{0xe6, 0x9f, 0x00, 0xff}, // orange
	{0xcc, 0x79, 0xa7, 0xff}, // reddish purple
	{0x99, 0x00, 0x33, 0xff}, // crimson
	{0x33, 0x44, 0xdd, 0xff}, // royal blue
	{0x33, 0xbb, 0xee, 0xff}, // cyan
	{0x99, 0x66, 0xff, 0xff}, // lavender
	{0x66, 0x33, 0x66, 0xff}, // plum
	{0x99, 0xcc, 0x66, 0xff}, // light green
	{0xcc, 0x00, 0x99, 0xff}, // magenta
	{0xff, 0x99, 0x99, 0xff}, // salmon
	{0xff, 0x00, 0x66, 0xff}, // rose
	{0x33, 0x44, 0x00, 0xff}, // dark olive
}

// Grey is the colour of the clusters beyond the coloured ones, and of
// tweets without a cluster.
var Grey = color.RGBA{0x9a, 0x9a, 0x9a, 0xff}

// paletteDist[i][j] is the CIEDE2000 difference of Palette[i] and [j].
var paletteDist = func() [][]float64 {
	d := make([][]float64, len(Palette))
	for i := range Palette {
		d[i] = make([]float64, len(Palette))
		for j := range Palette {
			d[i][j] = DeltaE(Lab(Palette[i]), Lab(Palette[j]))
		}
	}
	return d
}()

// recentFrames is how many frames a colour stays reserved for a cluster
// that left the map, so that a new cluster does not take it at once and
// look like the old one.
const recentFrames = 6

// Colors gives clusters colours from Palette and keeps them from frame to
// frame while a cluster lives. The zero value is ready to use; it is not
// safe for concurrent use (one map output owns one).
type Colors struct {
	slot  map[int]int // cluster id → palette index
	owner []int       // palette index → cluster id holding it (-1: none)
	last  []int64     // palette index → frame it was last drawn in
	frame int64
}

// Assign sets f.Colors: the clusters the frame colours keep the colour
// they had, and each new one, largest first, gets a free colour that
// stands apart from those in use (see pickColor), preferring colours no
// cluster has worn in the last few frames.
func (c *Colors) Assign(f *Frame) {
	if c.slot == nil {
		c.slot = map[int]int{}
		c.owner = make([]int, len(Palette))
		c.last = make([]int64, len(Palette))
		for i := range c.owner {
			c.owner[i], c.last[i] = -1, -1<<40
		}
	}
	c.frame++
	colored := coloredIDs(f, rankInView(f, f.Box))
	f.Colors = make(map[int]int, len(colored))
	taken := make([]bool, len(Palette))
	var fresh []int
	for _, id := range colored {
		if s, ok := c.slot[id]; ok && !taken[s] {
			f.Colors[id], taken[s] = s, true
		} else {
			fresh = append(fresh, id)
		}
	}
	for _, id := range fresh {
		s := pickColor(taken, c.last, c.frame)
		if o := c.owner[s]; o >= 0 {
			delete(c.slot, o)
		}
		c.slot[id], c.owner[s] = s, id
		f.Colors[id], taken[s] = s, true
	}
	for _, s := range f.Colors {
		c.last[s] = c.frame
	}
}

// goodDelta is a colour difference that reads at once on a map.
const goodDelta = 20

// pickColor returns a free palette index for a new cluster: the first, in
// the palette's order (its most readable colours first), that differs by
// goodDelta from every taken one, else the one farthest from the taken
// (in its nearest difference). Among equals, colours not drawn since
// recentFrames before frame come first; last may be nil.
func pickColor(taken []bool, last []int64, frame int64) int {
	best, bestFresh, bestD := -1, false, -1.0
	for s := range Palette {
		if taken[s] {
			continue
		}
		d := math.Inf(1)
		for t := range Palette {
			if taken[t] {
				d = math.Min(d, paletteDist[s][t])
			}
		}
		fresh := last == nil || last[s] < frame-recentFrames
		good, bestGood := d >= goodDelta, bestD >= goodDelta
		better := best < 0 || good && !bestGood ||
			good == bestGood && (fresh && !bestFresh || fresh == bestFresh && !good && d > bestD)
		if better {
			best, bestFresh, bestD = s, fresh, d
		}
	}
	return best
}

// colorsFor returns the colour of every coloured cluster of f: f.Colors
// where it holds a free entry, else a colour picked as Colors would.
func colorsFor(f *Frame, colored []int) map[int]color.RGBA {
	taken := make([]bool, len(Palette))
	idx := make(map[int]int, len(colored))
	var rest []int
	for _, id := range colored {
		if s, ok := f.Colors[id]; ok && s >= 0 && s < len(Palette) && !taken[s] {
			idx[id], taken[s] = s, true
		} else {
			rest = append(rest, id)
		}
	}
	for _, id := range rest {
		s := pickColor(taken, nil, 0)
		idx[id], taken[s] = s, true
	}
	out := make(map[int]color.RGBA, len(idx))
	for id, s := range idx {
		out[id] = Palette[s]
	}
	return out
}

// Lab converts an sRGB colour to CIELAB (D65).
func Lab(c color.RGBA) [3]float64 {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	r, g, b := lin(c.R), lin(c.G), lin(c.B)
	x := (0.4124564*r + 0.3575761*g + 0.1804375*b) / 0.95047
	y := 0.2126729*r + 0.7151522*g + 0.0721750*b
	z := (0.0193339*r + 0.1191920*g + 0.9503041*b) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return t*24389/27/116 + 16.0/116
	}
	fx, fy, fz := f(x), f(y), f(z)
	return [3]float64{116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)}
}

// DeltaE is the CIEDE2000 colour difference of two CIELAB colours (about
// 1: just noticeable side by side; above 10: clearly different).
func DeltaE(p, q [3]float64) float64 {
	const deg = math.Pi / 180
	c1, c2 := math.Hypot(p[1], p[2]), math.Hypot(q[1], q[2])
	cb7 := math.Pow((c1+c2)/2, 7)
	g := 0.5 * (1 - math.Sqrt(cb7/(cb7+math.Pow(25, 7))))
	a1, a2 := (1+g)*p[1], (1+g)*q[1]
	c1p, c2p := math.Hypot(a1, p[2]), math.Hypot(a2, q[2])
	hue := func(b, a float64) float64 {
		if a == 0 && b == 0 {
			return 0
		}
		h := math.Atan2(b, a) / deg
		if h < 0 {
			h += 360
		}
		return h
	}
	h1, h2 := hue(p[2], a1), hue(q[2], a2)
	dL, dC := q[0]-p[0], c2p-c1p
	var dh float64
	if c1p*c2p != 0 {
		dh = h2 - h1
		if dh > 180 {
			dh -= 360
		} else if dh < -180 {
			dh += 360
		}
	}
	dH := 2 * math.Sqrt(c1p*c2p) * math.Sin(dh/2*deg)
	lb, cb := (p[0]+q[0])/2, (c1p+c2p)/2
	hb := h1 + h2
	if c1p*c2p != 0 {
		if math.Abs(h1-h2) > 180 {
			if hb < 360 {
				hb += 360
			} else {
				hb -= 360
			}
		}
		hb /= 2
	}
	t := 1 - 0.17*math.Cos((hb-30)*deg) + 0.24*math.Cos(2*hb*deg) + 0.32*math.Cos((3*hb+6)*deg) - 0.20*math.Cos((4*hb-63)*deg)
	dTheta := 30 * math.Exp(-math.Pow((hb-275)/25, 2))
	cb7p := math.Pow(cb, 7)
	rc := 2 * math.Sqrt(cb7p/(cb7p+math.Pow(25, 7)))
	l50 := (lb - 50) * (lb - 50)
	sl := 1 + 0.015*l50/math.Sqrt(20+l50)
	sc := 1 + 0.045*cb
	sh := 1 + 0.015*cb*t
	rt := -math.Sin(2*dTheta*deg) * rc
	return math.Sqrt(math.Pow(dL/sl, 2) + math.Pow(dC/sc, 2) + math.Pow(dH/sh, 2) + rt*(dC/sc)*(dH/sh))
}
