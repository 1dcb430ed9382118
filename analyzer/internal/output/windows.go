// Package output writes what the analyzer learns about each window: one
// JSON line per window in windows.ndjson, an optional CSV of every tweet's
// cluster per slide, a table in the log, and the maps: map-<window end>.png
// (drawn by package render in a goroutine of its own, old ones rotated
// away) and latest.png, replaced atomically; Timelapse turns the maps into
// an animated GIF.
package output

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

// WindowLine is one line of windows.ndjson.
type WindowLine struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	model.Counts
	// Slide counts only the window's newest slide: over a run, every tweet
	// is in exactly one window's slide counts.
	Slide    model.Counts           `json:"slide"`
	Clusters []model.ClusterSummary `json:"clusters"`
	// Events are the events active in the window (an empty list when there
	// are none; absent when detection is off).
	Events []model.Event `json:"events,omitzero"`
	// Partial marks a window written at the end of the input or at
	// shutdown before its span was over.
	Partial bool `json:"partial,omitempty"`
}

// Windows appends one line per window to a file and flushes it each time,
// so the file is always whole lines. The file is created (or truncated)
// when the first window comes, so that a run that writes none leaves an
// earlier file alone.
type Windows struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	enc  *json.Encoder
}

// NewWindows returns a Windows that writes to path.
func NewWindows(path string) *Windows { return &Windows{path: path} }

// Write implements pipeline.Output.
func (w *Windows) Write(r *model.Result) error {
	if w.f == nil {
		f, err := os.Create(w.path)
		if err != nil {
			return fmt.Errorf("creating windows file: %w", err)
		}
		w.open(f)
	}
	line := WindowLine{Start: r.Start, End: r.End, Counts: r.Counts, Slide: r.Fresh, Clusters: r.Clusters, Events: r.Events,
		Partial: r.Partial}
	if line.Clusters == nil {
		line.Clusters = []model.ClusterSummary{}
	}
	if err := w.enc.Encode(&line); err != nil {
		return fmt.Errorf("writing windows file: %w", err)
	}
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("writing windows file: %w", err)
	}
	return nil
}

func (w *Windows) open(f *os.File) {
	w.f, w.bw = f, bufio.NewWriter(f)
	w.enc = json.NewEncoder(w.bw)
}

// Mark implements pipeline.Resumer: how long the file is (Write flushes
// it).
func (w *Windows) Mark() (int64, error) {
	if w.f == nil {
		return 0, nil
	}
	off, err := w.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, fmt.Errorf("writing windows file: %w", err)
	}
	return off, nil
}

// Resume implements pipeline.Resumer: the file is cut back to mark and
// written on from there.
func (w *Windows) Resume(mark int64) error {
	f, err := resumeFile(w.path, mark)
	if err != nil {
		return err
	}
	w.open(f)
	return nil
}

// resumeFile opens path to write on at mark, cutting off what follows.
func resumeFile(path string, mark int64) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("reopening %s: %w", path, err)
	}
	st, err := f.Stat()
	if err == nil && st.Size() < mark {
		err = fmt.Errorf("%s holds %d bytes, fewer than the %d it had written", path, st.Size(), mark)
	}
	if err == nil {
		err = f.Truncate(mark)
	}
	if err == nil {
		_, err = f.Seek(mark, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("reopening %s: %w", path, err)
	}
	return f, nil
}

// Close closes the file.
func (w *Windows) Close() error {
	if w.f == nil {
		return nil
	}
	if err := w.bw.Flush(); err != nil {
		w.f.Close()
		return err
	}
	return w.f.Close()
}

// Assignments writes window_end,id,lon,lat,cluster,located,level for every
// clustered post of every window: located says how the post was placed
// (point, place, profile, text; none, with lon and lat empty, for a post
// clustered by its words alone) and level how precisely (city, region,
// country).
//
// The file is created, with the CSV header, when the first window comes.
type Assignments struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	cw   *csv.Writer
}

// NewAssignments returns an Assignments that writes to path.
func NewAssignments(path string) *Assignments { return &Assignments{path: path} }

// Write implements pipeline.Output.
func (a *Assignments) Write(r *model.Result) error {
	if a.f == nil {
		f, err := os.Create(a.path)
		if err != nil {
			return fmt.Errorf("creating assignments file: %w", err)
		}
		a.open(f)
		a.cw.Write([]string{"window_end", "id", "lon", "lat", "cluster", "located", "level"})
	}
	end := r.End.Format(time.RFC3339)
	for _, p := range r.Points {
		lon, lat := "", ""
		if p.Located != tweet.GeoNone {
			lon, lat = strconv.FormatFloat(p.Lon, 'f', -1, 64), strconv.FormatFloat(p.Lat, 'f', -1, 64)
		}
		a.cw.Write([]string{end, p.ID(), lon, lat, strconv.Itoa(p.Cluster), p.Located.String(), p.Level.String()})
	}
	a.cw.Flush()
	if err := a.cw.Error(); err != nil {
		return fmt.Errorf("writing assignments: %w", err)
	}
	return nil
}

func (a *Assignments) open(f *os.File) {
	a.f, a.bw = f, bufio.NewWriterSize(f, 256<<10)
	a.cw = csv.NewWriter(a.bw)
}

// Mark implements pipeline.Resumer: it flushes the file and says how
// long it is.
func (a *Assignments) Mark() (int64, error) {
	if a.f == nil {
		return 0, nil
	}
	a.cw.Flush()
	if err := a.bw.Flush(); err != nil {
		return 0, fmt.Errorf("writing assignments: %w", err)
	}
	off, err := a.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, fmt.Errorf("writing assignments: %w", err)
	}
	return off, nil
}

// Resume implements pipeline.Resumer: the file is cut back to mark and
// written on from there (a mark of 0: the file is started anew).
func (a *Assignments) Resume(mark int64) error {
	if mark == 0 {
		return nil
	}
	f, err := resumeFile(a.path, mark)
	if err != nil {
		return err
	}
	a.open(f)
	return nil
}

// Close flushes and closes the file.
func (a *Assignments) Close() error {
	if a.f == nil {
		return nil
	}
	a.cw.Flush()
	err := a.cw.Error()
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Table logs each window in one line, with its three largest clusters,
// and at debug level a line per cluster, largest first.
type Table struct{ Log *slog.Logger }

// tableTop is how many clusters the window's line names.
const tableTop = 3

// Write implements pipeline.Output.
func (t Table) Write(r *model.Result) error {
	end := r.End.UTC().Format(time.RFC3339)
	cl := model.BySize(r.Clusters)
	var top []string
	for _, c := range cl[:min(len(cl), tableTop)] {
		top = append(top, fmt.Sprintf("C%d (%d): %s", c.ID, c.Size, strings.Join(c.Keywords[:min(len(c.Keywords), 3)], ", ")))
	}
	t.Log.Info("window", "end", end, "posts", r.Counts.Tweets, "located", r.Counts.Located, "clusters", len(r.Clusters),
		"largest", strings.Join(top, "; "), "notices", r.Counts.Notices, "malformed", r.Counts.Malformed, "late", r.Counts.Late)
	if !t.Log.Enabled(context.Background(), slog.LevelDebug) {
		return nil
	}
	for _, c := range cl {
		at := "-"
		if c.Mapped > 0 {
			at = fmt.Sprintf("%.2f,%.2f", c.Lon, c.Lat)
		}
		t.Log.Debug("cluster", "end", end, "id", fmt.Sprintf("C%d", c.ID), "size", c.Size, "mapped", c.Mapped,
			"at", at, "keywords", strings.Join(c.Keywords, ", "))
	}
	return nil
}

// Close does nothing.
func (Table) Close() error { return nil }
