package output

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/replace"
	"github.com/geostream/geostream/shared/field"

	"github.com/geostream/geostream/analyzer/internal/geo"
	"github.com/geostream/geostream/analyzer/internal/render"
	"github.com/geostream/geostream/shared/tweet"
)

// MapsOptions configures the map output.
type MapsOptions struct {
	Dir    string
	Region string // the --region name (or "bbox"), for the record
	// Box is the region every map shows, unless Follow.
	Box geo.BBox
	// Follow chooses each map's extent from where its window's posts are
	// (geo.Follow: the world when they are everywhere, kept from slide to
	// slide) instead of Box (--region auto, the default).
	Follow        bool
	Width, Height int
	// Keep is how many map-*.png files to keep (0: all).
	Keep int
	// Lossless makes Write wait for the renderer instead of skipping a frame
	// when it is busy: every window gets its map (for --clock event).
	Lossless    bool
	Compression png.CompressionLevel
	// SizeBy is render.SizeByCount (the default, "") or render.SizeByNone.
	SizeBy string
	// MaxColored is how many clusters, the largest on the map, are drawn
	// in colour (the run's --k); 0 means as many as the palette has.
	MaxColored int
	Logger     *slog.Logger
	// OnMap, if set, is given each map drawn (PNG) with its window's end,
	// from Run's goroutine: the live page gets its maps this way.
	OnMap func(end time.Time, png []byte)
}

// DefaultMapsOptions are the run command's: 1600×900 maps that follow
// the posts, of count-sized discs, 200 of them kept.
func DefaultMapsOptions() MapsOptions {
	return MapsOptions{Region: "auto", Box: geo.World, Follow: true, Width: 1600, Height: 900, Keep: 200, SizeBy: render.SizeByCount}
}

// Validate checks the options.
func (o *MapsOptions) Validate() error {
	if err := o.Box.Validate(); err != nil {
		return field.Errorf("Box", "%v", err)
	}
	if o.Width < render.MinWidth || o.Height < render.MinHeight {
		return field.Errorsf([]string{"Width", "Height"}, "(%dx%d) are too small for a map: at least %dx%d", o.Width, o.Height, render.MinWidth, render.MinHeight)
	}
	if o.Keep < 0 {
		return field.Errorf("Keep", "(%d) must not be negative", o.Keep)
	}
	if o.SizeBy != "" && o.SizeBy != render.SizeByCount && o.SizeBy != render.SizeByNone {
		return field.Errorf("SizeBy", "(%q) must be %s or %s", o.SizeBy, render.SizeByCount, render.SizeByNone)
	}
	return nil
}

// Maps is a pipeline.Output that draws every window to
// Dir/map-<window end>.png and replaces Dir/latest.png atomically. Its Run
// method does the drawing; the pipeline runs it in a goroutine of its own
// (as a pipeline.Runner), so rendering never holds up ingestion unless
// Lossless: when the renderer is still busy, Write skips the window and
// counts it.
type Maps struct {
	opts    MapsOptions
	r       render.Renderer
	colors  render.Colors
	frames  chan *render.Frame
	written []string
	// follow and lons, lats choose the extent with Follow; Write uses
	// them, from the pipeline's goroutine.
	follow     geo.Follow
	lons, lats []float64
	// bins sums each window's points into its frame, from Write.
	bins render.Bins
	// lossless is set by SetClock for the event clock, whose windows
	// come as fast as the input is read.
	lossless                  bool
	skipped, failed, rendered atomic.Int64
}

// NewMaps returns the map output; the directory must exist.
func NewMaps(opts MapsOptions) (*Maps, error) {
	if opts.Follow && opts.Box == (geo.BBox{}) {
		opts.Box = geo.World
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Maps{opts: opts, frames: make(chan *render.Frame, 1)}
	// Render one blank frame now so a bad size fails at start, not later.
	if _, _, err := m.r.Image(m.frame(&model.Result{}, opts.Box)); err != nil {
		return nil, err
	}
	return m, nil
}

// frame copies what a map of box needs out of a window.
func (m *Maps) frame(r *model.Result, box geo.BBox) *render.Frame {
	f := newFrame(r, box, m.opts.Width, m.opts.Height, &m.bins)
	f.CompressionLevel, f.SizeBy, f.MaxColored = m.opts.Compression, m.opts.SizeBy, m.opts.MaxColored
	return f
}

// NewFrame copies what a map of box, w×h pixels, needs from a window: its
// points on the map (those with a place), summed as render.Bins does, its
// clusters and its events. An event is new in the window whose end is its
// FirstSeen.
func NewFrame(r *model.Result, box geo.BBox, w, h int) *render.Frame {
	return newFrame(r, box, w, h, new(render.Bins))
}

func newFrame(r *model.Result, box geo.BBox, w, h int, bins *render.Bins) *render.Frame {
	f := &render.Frame{Start: r.Start, End: r.End, Tweets: r.Counts.Tweets, Located: r.Counts.Located, Partial: r.Partial,
		Box: box, Width: w, Height: h}
	bins.Reset(box, w, h)
	for _, p := range r.Points {
		if p.Located != tweet.GeoNone {
			bins.Add(p.Lon, p.Lat, int32(p.Cluster), method(p.Located))
		}
	}
	f.Points = bins.Points()
	f.Clusters = make([]render.Cluster, len(r.Clusters))
	for i, c := range r.Clusters {
		f.Clusters[i] = render.Cluster{ID: c.ID, Size: c.Size, Lon: c.Lon, Lat: c.Lat, Keywords: append([]string(nil), c.Keywords...)}
	}
	if len(r.Events) > 0 {
		f.Events = make([]render.Event, len(r.Events))
		for i, e := range r.Events {
			f.Events[i] = render.Event{ID: e.ID, Lon: e.Lon, Lat: e.Lat, RadiusKm: e.RadiusKm, Posts: e.Posts,
				Keywords: append([]string(nil), e.Keywords...), New: e.FirstSeen.Equal(r.End)}
		}
	}
	return f
}

// method says how the map draws a tweet located by g: GeoProfile and
// GeoText (the gazetteer's matches) are inferred.
func method(g tweet.GeoSource) render.Method {
	switch g {
	case tweet.GeoPlace:
		return render.MethodPlace
	case tweet.GeoProfile:
		return render.MethodProfile
	case tweet.GeoText:
		return render.MethodText
	}
	return render.MethodPoint
}

// MapsStats are the map output's counters.
type MapsStats struct {
	Rendered int64 // maps written
	Skipped  int64 // windows not drawn because the renderer was busy
	Failed   int64 // maps that could not be drawn or written
}

// Stats returns the counters; it may be called from any goroutine.
func (m *Maps) Stats() MapsStats {
	return MapsStats{Rendered: m.rendered.Load(), Skipped: m.skipped.Load(), Failed: m.failed.Load()}
}

// SetEventClock implements pipeline.ClockAware: with the event clock (a
// replay read as fast as it comes) no map is skipped.
func (m *Maps) SetEventClock(event bool) { m.lossless = event }

// Write implements pipeline.Output: it gives the window's clusters their
// colours (kept from window to window) and hands a copy to the renderer,
// or skips it if the renderer is still busy.
func (m *Maps) Write(r *model.Result) error {
	box := m.opts.Box
	if m.opts.Follow {
		box = m.extent(r.Points, r.Counts.Located)
	}
	f := m.frame(r, box)
	m.colors.Assign(f)
	r.Colours = f.Colors
	if m.opts.Lossless || m.lossless {
		m.frames <- f
		return nil
	}
	select {
	case m.frames <- f:
	default:
		if n := m.skipped.Add(1); n == 1 || n%100 == 0 {
			m.opts.Logger.Warn("map skipped: the renderer is slower than the slide", "window_end", r.End, "skipped", n)
		}
	}
	return nil
}

// extentSample is how many of a window's located points, evenly spread
// through it, choose the extent: enough for its 2% edges, and few enough that a
// window of a million points costs Write no sort of a million.
const extentSample = 8192

// extent is the map's extent for a window's points, with Follow, of which
// located are located: it reads about extentSample of those, evenly
// spread, and as many of the others as fall between them.
func (m *Maps) extent(points []*model.Point, located int) geo.BBox {
	m.lons, m.lats = m.lons[:0], m.lats[:0]
	step := max(1, located/extentSample)
	for i := 0; i < len(points); i += step {
		if p := points[i]; p.Located != tweet.GeoNone {
			m.lons = append(m.lons, p.Lon)
			m.lats = append(m.lats, p.Lat)
		}
	}
	return m.follow.Next(m.lons, m.lats)
}

// Close implements pipeline.Output: no more frames will come; Run finishes
// the queued ones and returns.
func (m *Maps) Close() error {
	close(m.frames)
	return nil
}

// Run implements pipeline.Runner: it draws frames until Close. Errors
// writing a map are logged and counted; they do not stop the analyzer.
func (m *Maps) Run(ctx context.Context) error {
	var buf bytes.Buffer
	for f := range m.frames {
		buf.Reset()
		start := time.Now()
		st, err := m.r.Render(&buf, f)
		if err == nil {
			err = m.save(f.End, buf.Bytes())
		}
		if err != nil {
			m.failed.Add(1)
			m.opts.Logger.Error("map not written", "window_end", f.End, "err", err)
			continue
		}
		m.rendered.Add(1)
		if m.opts.OnMap != nil {
			m.opts.OnMap(f.End, bytes.Clone(buf.Bytes()))
		}
		m.opts.Logger.Debug("map written", "window_end", f.End, "posts", st.Drawn, "outside", st.Outside,
			"frame_points", len(f.Points), "ms", time.Since(start).Milliseconds())
	}
	return nil
}

// MapName is the file name of the map of the window ending at end.
func MapName(end time.Time) string { return "map-" + end.UTC().Format("20060102T150405Z") + ".png" }

func (m *Maps) save(end time.Time, png []byte) error {
	name := filepath.Join(m.opts.Dir, MapName(end))
	write := func(w io.Writer) error { _, err := w.Write(png); return err }
	if err := replace.File(name, write); err != nil {
		return err
	}
	if err := replace.File(filepath.Join(m.opts.Dir, "latest.png"), write); err != nil {
		return err
	}
	m.written = append(m.written, name)
	if k := m.opts.Keep; k > 0 && len(m.written) > k {
		for _, old := range m.written[:len(m.written)-k] {
			if err := os.Remove(old); err != nil && !os.IsNotExist(err) {
				m.opts.Logger.Warn("removing old map", "file", old, "err", err)
			}
		}
		m.written = append(m.written[:0], m.written[len(m.written)-k:]...)
	}
	return nil
}

// Frames lists the map-*.png files in dir, oldest first.
func Frames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "map-") && strings.HasSuffix(n, ".png") {
			out = append(out, filepath.Join(dir, n))
		}
	}
	sort.Strings(out)
	return out, nil
}
