package render

import (
	"fmt"
	"image"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// gap is the distance in pixels between two boxes (0 when they touch or
// overlap).
func gap(a, b image.Rectangle) float64 {
	dx := max(0, a.Min.X-b.Max.X, b.Min.X-a.Max.X)
	dy := max(0, a.Min.Y-b.Max.Y, b.Min.Y-a.Max.Y)
	return math.Hypot(float64(dx), float64(dy))
}

// Each event on the map gets a ring as wide as its posts' spread (a few
// pixels at least), a label beside it that says NEW in the window it
// began and EVENT after, clear of the clusters' labels, and a legend line;
// an event off the map gets none of them.
func TestEventsOnTheMap(t *testing.T) {
	var r Renderer
	for _, size := range [][2]int{{640, 400}, {1600, 900}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			events := append(slices.Clone(testEvents),
				Event{ID: 5, Lon: 13.4, Lat: 52.5, RadiusKm: 10, Keywords: []string{"berlin"}, Posts: 30, New: true})
			f := makeFrame(frameSpec{region: "usa", width: size[0], height: size[1], clusters: 8, tweets: 2500, spread: 0.6, seed: 8,
				cities: []int{0, 1, 2, 3, 4, 5}, events: events})
			img, st, err := r.Image(f)
			if err != nil {
				t.Fatal(err)
			}
			if st.Extent.Contains(13.4, 52.5) {
				t.Fatalf("extent %v holds Berlin", st.Extent)
			}
			if len(st.EventRings) != 4 {
				t.Fatalf("%d rings, want the 4 events in the United States", len(st.EventRings))
			}
			s := scaleOf(size[0], size[1])
			minR := math.Max(8, math.Round(10*s))
			perKm := float64(st.Data.Dy()) / (st.Extent.N - st.Extent.S) / kmPerDegree
			for i, ring := range st.EventRings {
				e := events[i]
				want := math.Max(minR, e.RadiusKm*perKm)
				if got := float64(ring.Dx()) / 2; math.Abs(got-want) > 1.5 {
					t.Errorf("event %d (%.0f km): ring radius %.1f px, want %.1f", e.ID, e.RadiusKm, got, want)
				}
				// The ring is drawn: dark pixels on its circle.
				c := ring.Min.Add(ring.Max).Div(2)
				mid := float64(ring.Dx())/2 - ringWidth(s)/2
				dark := 0
				for a := 0.0; a < 2*math.Pi; a += math.Pi / 90 {
					x := c.X + int(math.Round(mid*math.Cos(a)))
					y := c.Y + int(math.Round(mid*math.Sin(a)))
					if px := img.RGBAAt(x, y); px.R < 0x70 && px.G < 0x70 && px.B < 0x70 {
						dark++
					}
				}
				if dark < 27 { // dashes are 60% of the circle, minus what labels cover
					t.Errorf("event %d: %d of 180 dark pixels on its ring", e.ID, dark)
				}
			}
			if len(st.Events) != 4 {
				t.Fatalf("labels %v, want 4", st.Events)
			}
			for i, l := range st.Events {
				e := events[i]
				head := "EVENT: "
				if e.New {
					head = "NEW: "
				}
				first, _ := shownWord(e.Keywords[0])
				if !strings.HasPrefix(l.Text, head+first) {
					t.Errorf("event %d labelled %q, want %q...", e.ID, l.Text, head+first)
				}
				if !l.Box.In(st.Data) {
					t.Errorf("label %q at %v leaves the map %v", l.Text, l.Box, st.Data)
				}
				if d := gap(l.Box, st.EventRings[i]); d > 4 {
					t.Errorf("label %q is %.0f px from its ring", l.Text, d)
				}
				for _, o := range append(slices.Clone(st.Labels), st.Events[i+1:]...) {
					if l.Box.Overlaps(o.Box) {
						t.Errorf("label %q at %v overlaps %q at %v", l.Text, l.Box, o.Text, o.Box)
					}
				}
			}
			var legend []string
			for _, tb := range st.Text {
				legend = append(legend, tb.Text)
			}
			all := strings.Join(legend, " ")
			for _, want := range []string{"NEW: blackout subway #nyc power (212 posts)", "EVENT: tornado warning siren (1,340 posts)",
				"[Devanagari]: a keyword in a script", "dashed ring: an event"} {
				if !strings.Contains(all, want) {
					t.Errorf("legend lacks %q:\n%s", want, strings.Join(legend, "\n"))
				}
			}
			if strings.Contains(all, "berlin") {
				t.Errorf("legend lists the event off the map:\n%s", strings.Join(legend, "\n"))
			}
		})
	}
}

// Events crowded in one place keep their labels apart: a label drops
// keywords, then is left out, rather than cover another; the legend lists
// the first few and counts the rest.
func TestEventsCrowded(t *testing.T) {
	var r Renderer
	f := makeFrame(frameSpec{region: "europe", width: 800, height: 450, clusters: 6, tweets: 1500, spread: 0.5, seed: 3})
	for i := range 12 {
		f.Events = append(f.Events, Event{ID: i, Lon: 2.35 + float64(i%4)*0.8, Lat: 48.85 + float64(i/4)*0.6, RadiusKm: 5,
			Keywords: []string{"strike", "metro", "closed", fmt.Sprintf("line%d", i)}, Posts: 40, New: i%2 == 0})
	}
	_, st, err := r.Image(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.EventRings) != 12 {
		t.Fatalf("%d rings, want 12", len(st.EventRings))
	}
	if len(st.Events) == 0 || len(st.Events) == 12 && !slices.ContainsFunc(st.Events, func(l TextBox) bool { return !strings.Contains(l.Text, "line") }) {
		t.Fatalf("12 events in a few pixels: %d labels, none shortened", len(st.Events))
	}
	boxes := append(slices.Clone(st.Events), st.Labels...)
	for i, a := range boxes {
		for _, b := range boxes[i+1:] {
			if a.Box.Overlaps(b.Box) {
				t.Errorf("%q at %v overlaps %q at %v", a.Text, a.Box, b.Text, b.Box)
			}
		}
	}
	var legend []string
	for _, tb := range st.Text {
		legend = append(legend, tb.Text)
	}
	all := strings.Join(legend, " ")
	if n := strings.Count(all, "strike metro closed"); n != legendEvents {
		t.Errorf("legend lists %d events, want %d", n, legendEvents)
	}
	if !strings.Contains(all, fmt.Sprintf("+%d more events", 12-legendEvents)) {
		t.Errorf("legend does not count the rest:\n%s", strings.Join(legend, "\n"))
	}
}

// A NaN, zero or huge spread still draws a ring of a few pixels to a
// quarter of the map.
func TestEventRingBounds(t *testing.T) {
	f := &Frame{Events: []Event{{RadiusKm: math.NaN()}, {RadiusKm: 0}, {RadiusKm: -3}, {RadiusKm: 1e6}, {Lon: 200}}}
	marks := placeEvents(f, geo.World, 800, 400, 8)
	if len(marks) != 4 {
		t.Fatalf("%d events placed, want 4 (lon 200 is off the map)", len(marks))
	}
	for i, m := range marks[:3] {
		if m.r != 8 {
			t.Errorf("event %d: radius %v, want 8", i, m.r)
		}
	}
	if marks[3].r != 100 {
		t.Errorf("huge event: radius %v, want 100", marks[3].r)
	}
}

// A dashed ring covers about 60% of the solid ring it is cut from.
func TestDashMask(t *testing.T) {
	sum := func(m []float64) (s float64) {
		for _, v := range m {
			s += v
		}
		return s
	}
	for _, r := range []float64{6, 20, 80} {
		solid, dashed := sum(discMask(r, 2)), sum(dashMask(r, 2, dashesFor(r, 1)))
		if share := dashed / solid; share < 0.5 || share > 0.7 {
			t.Errorf("radius %v: dashes cover %.2f of the ring", r, share)
		}
	}
}

// BenchmarkRenderEvents draws a 1600×900 map of the United States with
// and without four events: their rings, labels and legend lines.
func BenchmarkRenderEvents(b *testing.B) {
	var r Renderer
	for _, events := range [][]Event{nil, testEvents} {
		f := makeFrame(frameSpec{region: "usa", width: 1600, height: 900, clusters: 15, tweets: 10000, spread: 0.6, seed: 8,
			cities: []int{0, 1, 2, 3, 4, 5}, events: events})
		r.Image(f) // warm the base-map cache and the fonts, as in a run
		b.Run(fmt.Sprintf("events=%d", len(events)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := r.Image(f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
