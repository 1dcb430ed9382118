package render

import (
	"fmt"
	"image"
	"image/png"
	"time"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// Method says how a point was located.
type Method uint8

const (
	// MethodPoint is an exact point the tweet carried (GPS).
	MethodPoint Method = iota
	// MethodPlace is the centre of the place the tweet was tagged with.
	MethodPlace
	// MethodProfile was found by the gazetteer in the author's profile
	// location.
	MethodProfile
	// MethodText was found by the gazetteer from a place name in the text.
	MethodText
)

// Inferred reports whether the gazetteer placed the point (profile or
// text), rather than the tweet itself: such points are drawn as rings.
func (m Method) Inferred() bool { return m == MethodProfile || m == MethodText }

// Point is a tweet to draw, or N tweets of one cluster, located the same
// way, so close together that the map cannot tell them apart (see Bins).
type Point struct {
	Lon, Lat float32
	// Cluster is the tweet's cluster id; a negative id is drawn grey.
	Cluster int32
	// N is how many tweets the point stands for; 0 counts as 1.
	N      int32
	Method Method
}

// weight is how many tweets p stands for.
func (p Point) weight() int { return max(1, int(p.N)) }

// tweets is how many tweets f's points stand for.
func (f *Frame) tweets() int {
	n := 0
	for _, p := range f.Points {
		n += p.weight()
	}
	return n
}

// Cluster describes one cluster of the window.
type Cluster struct {
	ID       int
	Size     int
	Lon, Lat float64
	Keywords []string
}

// What point sizes can follow (--size-by).
const (
	// SizeByNone draws a small translucent disc per tweet.
	SizeByNone = "none"
	// SizeByCount draws a disc per cluster and place, its area in
	// proportion to the tweets there.
	SizeByCount = "count"
)

// Frame is everything drawn for one window. Render only reads it, so a
// frame may be drawn in another goroutine while the pipeline moves on, as
// long as nobody changes it meanwhile.
type Frame struct {
	Start, End      time.Time
	Tweets, Located int
	// Partial is a window cut short by the end of the input or a stop;
	// the title says so.
	Partial  bool
	Points   []Point
	Clusters []Cluster
	// Box is the region asked for. The map shows all of it, and more of the
	// world around it where the canvas has room.
	Box           geo.BBox
	Width, Height int
	// SizeBy is SizeByCount (or "", the default) or SizeByNone.
	SizeBy           string
	CompressionLevel png.CompressionLevel
	// MaxColored is how many clusters, the largest on the map, are drawn
	// in colour; the rest are grey and summed up in one legend line. 0 or
	// more than len(Palette) means len(Palette).
	MaxColored int
	// Colors maps cluster ids to indices in Palette, to keep colours from
	// frame to frame (see Colors). A coloured cluster without an entry, or
	// whose entry another coloured cluster has, gets a free colour as
	// distinct as possible from the others.
	Colors map[int]int
	// Events are the window's active events, each drawn as a dashed ring
	// and labelled (NEW in the window it was first flagged, EVENT after),
	// most important first: labels that do not fit are left out from the
	// end.
	Events []Event
}

// Event is something that just happened in one place (model.Event).
type Event struct {
	ID       int
	Lon, Lat float64
	// RadiusKm sizes its ring: the spread of its posts around Lon/Lat.
	RadiusKm float64
	Keywords []string
	Posts    int
	// New is set in the window in which it was first flagged.
	New bool
}

// Stats reports what a render did.
type Stats struct {
	// Drawn counts the posts inside the map (the points' N), Outside
	// those beyond it.
	Drawn, Outside int
	// Data is the pixel rectangle of the map inside the image, and Extent
	// the lon/lat box it shows (Frame.Box, widened to the canvas).
	Data   image.Rectangle
	Extent geo.BBox
	// Legend is the pixel rectangle the legend was given. Text is every
	// line of text drawn outside the map (title, legend, credits) and
	// Labels the cluster ids drawn on it, with their boxes as the font
	// measures them.
	Legend image.Rectangle
	Text   []TextBox
	Labels []TextBox
	// Events are the events' labels drawn on the map ("NEW: storm
	// flooding"), and EventRings their rings' boxes, for the events
	// inside it.
	Events     []TextBox
	EventRings []image.Rectangle
}

// TextBox is a line of text and where it was drawn.
type TextBox struct {
	Text string
	Box  image.Rectangle
}

// Minimum canvas size.
const (
	MinWidth  = 400
	MinHeight = 300
)

func (f *Frame) check() error {
	if f.Width < MinWidth || f.Height < MinHeight {
		return fmt.Errorf("render: %dx%d is too small for a map (at least %dx%d)", f.Width, f.Height, MinWidth, MinHeight)
	}
	if f.SizeBy != "" && f.SizeBy != SizeByCount && f.SizeBy != SizeByNone {
		return fmt.Errorf("render: size by %q: want %s or %s", f.SizeBy, SizeByCount, SizeByNone)
	}
	return f.Box.Validate()
}
