package render

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

	"github.com/geostream/geostream/analyzer/internal/geo"
	"github.com/geostream/geostream/analyzer/internal/output"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
)

// MapsOptions configures the map output.
type MapsOptions struct {
	Dir           string
	Region        string // the --region name (or "bbox"), for the record
	Box           geo.BBox
	Width, Height int
	// Keep is how many map-*.png files to keep (0: all).
	Keep int
	// Lossless makes Write wait for the renderer instead of skipping a frame
	// when it is busy: every window gets its map (for --clock event).
	Lossless    bool
	Compression png.CompressionLevel
	SizeBy      string // SizeByNone or SizeByCount
	Logger      *slog.Logger
}

// Maps is a pipeline.Output that draws every window to
// Dir/map-<window end>.png and replaces Dir/latest.png atomically. Its Run
// method does the drawing; the pipeline runs it in a goroutine of its own,
// so rendering never holds up ingestion (unless Lossless).
type Maps struct {
	opts    MapsOptions
	r       Renderer
	frames  chan *Frame
	written []string
	// Skipped counts frames dropped because the renderer was busy; Failed
	// frames that could not be drawn or written.
	Skipped, Failed, Rendered atomic.Int64
}

// NewMaps returns the map output; the directory must exist.
func NewMaps(opts MapsOptions) (*Maps, error) {
	if err := opts.Box.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Maps{opts: opts, frames: make(chan *Frame, 1)}
	// Render one blank frame now so a bad size fails at start, not later.
	if _, _, err := m.r.Image(&Frame{Box: opts.Box, Width: opts.Width, Height: opts.Height}); err != nil {
		return nil, err
	}
	return m, nil
}

// Write implements pipeline.Output: it hands a copy of the window to the
// renderer, or skips it if the renderer is still busy.
func (m *Maps) Write(r *pipeline.Result) error {
	f := NewFrame(r)
	f.Box, f.Width, f.Height, f.CompressionLevel = m.opts.Box, m.opts.Width, m.opts.Height, m.opts.Compression
	f.SizeBy = m.opts.SizeBy
	if m.opts.Lossless {
		m.frames <- f
		return nil
	}
	select {
	case m.frames <- f:
	default:
		if n := m.Skipped.Add(1); n == 1 || n%100 == 0 {
			m.opts.Logger.Warn("map skipped: the renderer is slower than the slide", "window_end", r.End, "skipped", n)
		}
	}
	return nil
}

// Close implements pipeline.Output: no more frames will come; Run finishes
// the queued ones and returns.
func (m *Maps) Close() error {
	close(m.frames)
	return nil
}

// Run draws frames until Close. Errors writing a map are logged and
// counted; they do not stop the analyzer.
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
			m.Failed.Add(1)
			m.opts.Logger.Error("map not written", "window_end", f.End, "err", err)
			continue
		}
		m.Rendered.Add(1)
		m.opts.Logger.Debug("map written", "window_end", f.End, "points", st.Drawn, "outside", st.Outside,
			"ms", time.Since(start).Milliseconds())
	}
	return nil
}

// MapName is the file name of the map of the window ending at end.
func MapName(end time.Time) string { return "map-" + end.UTC().Format("20060102T150405Z") + ".png" }

func (m *Maps) save(end time.Time, png []byte) error {
	name := filepath.Join(m.opts.Dir, MapName(end))
	write := func(w io.Writer) error { _, err := w.Write(png); return err }
	if err := output.WriteAtomic(name, write); err != nil {
		return err
	}
	if err := output.WriteAtomic(filepath.Join(m.opts.Dir, "latest.png"), write); err != nil {
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
