package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// Input states, as the status line shows them.
const (
	InputConnecting   = "connecting"
	InputConnected    = "connected"
	InputReconnecting = "reconnecting"
	InputReading      = "reading"
	InputEnded        = "ended"
)

// Defaults for OutputOptions fields left zero.
const (
	DefaultMapWait = 10 * time.Second
	DefaultMapPoll = 20 * time.Millisecond
)

// MapSource finds the map drawn for the window ending at end. ReadMap
// returns an error wrapping fs.ErrNotExist while there is none (yet).
type MapSource interface {
	ReadMap(end time.Time) ([]byte, error)
	HasMap(end time.Time) bool
}

// MapFiles is a MapSource for maps that another output writes, each whole
// (renamed into place), to Dir under Name(end).
type MapFiles struct {
	Dir  string
	Name func(end time.Time) string
}

// ReadMap implements MapSource.
func (m MapFiles) ReadMap(end time.Time) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(m.Dir, m.Name(end)))
	if err != nil {
		return nil, fmt.Errorf("reading the map: %w", err)
	}
	return b, nil
}

// HasMap implements MapSource.
func (m MapFiles) HasMap(end time.Time) bool {
	_, err := os.Stat(filepath.Join(m.Dir, m.Name(end)))
	return err == nil
}

// OutputOptions configures an Output.
type OutputOptions struct {
	Hub *Hub
	// Maps finds each window's map; nil publishes windows without one.
	Maps MapSource
	// MapWait is how long a window waits for its map before it is
	// published without one; MapPoll how often Maps is asked meanwhile.
	MapWait, MapPoll time.Duration
	// Colours gives the colour of each of the window's clusters as the map
	// draws it, by cluster id. It is called for every window, in order, in
	// the pipeline's goroutine.
	Colours func(*model.Result) map[int]color.Color
	// Slide is the slide interval, for the page; StaleAfter (default three
	// slides) is how long without a window, while the input is up, until
	// the status says the stream is stale.
	Slide, StaleAfter time.Duration
	// Input is the input's state to begin with (InputConnecting or
	// InputReading).
	Input  string
	Now    func() time.Time
	Logger *slog.Logger
}

// Validate checks the options.
func (o *OutputOptions) Validate() error {
	if o.Hub == nil || o.Colours == nil {
		return errors.New("web: an output needs a hub and a colour function")
	}
	if o.Slide <= 0 {
		return errors.New("web: the slide interval must be positive")
	}
	return nil
}

// Output is a pipeline.Output (and Runner) that publishes every window to
// the hub: Write queues a copy, and Run waits for the window's map, then
// publishes. It also keeps the hub's status: the input's state, and
// whether windows have stopped coming.
type Output struct {
	opts OutputOptions
	log  *slog.Logger
	wake chan struct{}

	mu      sync.Mutex
	pending []*slide
	closed  bool
	input   string
	last    time.Time // when the newest window was published (wall clock)
	stale   bool
	status  []byte

	prev map[int]int // cluster sizes of the previous window (pipeline goroutine)
}

// slide is a window as the page gets it.
type slide struct {
	Start    time.Time      `json:"start"`
	End      time.Time      `json:"end"`
	Tweets   int            `json:"tweets"`
	Located  int            `json:"located"`
	Clusters []clusterEntry `json:"clusters"`
}

type clusterEntry struct {
	ID       int      `json:"id"`
	Colour   string   `json:"colour"`
	Size     int      `json:"size"`
	Change   int      `json:"change"` // size less the previous window's
	New      bool     `json:"new"`    // not in the previous window
	Lon      float64  `json:"lon"`
	Lat      float64  `json:"lat"`
	Keywords []string `json:"keywords"`
	// Examples are not in the stream: the page fetches them on demand.
	Examples []example `json:"-"`
}

type example struct {
	ID      string  `json:"id"`
	Text    string  `json:"text"`
	Place   string  `json:"place"`
	Lon     float64 `json:"lon"`
	Lat     float64 `json:"lat"`
	Located string  `json:"located"`
	Level   string  `json:"level"`
}

type status struct {
	Input string `json:"input"`
	Stale bool   `json:"stale"`
	// Slide is the slide interval in seconds; Windows how many the page
	// keeps for its slider.
	Slide   float64 `json:"slide"`
	Windows int     `json:"windows"`
}

// NewOutput returns an output; opts must be valid.
func NewOutput(opts OutputOptions) *Output {
	if opts.MapWait <= 0 {
		opts.MapWait = DefaultMapWait
	}
	if opts.MapPoll <= 0 {
		opts.MapPoll = DefaultMapPoll
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 3 * opts.Slide
	}
	if opts.Input == "" {
		opts.Input = InputConnecting
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	o := &Output{opts: opts, log: opts.Logger, wake: make(chan struct{}, 1), input: opts.Input}
	o.mu.Lock()
	o.publishStatus()
	o.mu.Unlock()
	return o
}

// SetInput records the input's state (one of the Input constants); safe
// from any goroutine.
func (o *Output) SetInput(state string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.input = state
	o.stale = false
	o.last = o.opts.Now() // give a fresh connection a full StaleAfter
	o.publishStatus()
}

// publishStatus hands the status to the hub if it changed; o.mu is held.
func (o *Output) publishStatus() {
	b, _ := json.Marshal(status{Input: o.input, Stale: o.stale, Slide: o.opts.Slide.Seconds(), Windows: o.opts.Hub.opts.Retain})
	if string(b) != string(o.status) {
		o.status = b
		o.opts.Hub.SetStatus(b)
	}
}

// checkStale marks the stream stale when the input is up but no window has
// come for StaleAfter.
func (o *Output) checkStale() {
	o.mu.Lock()
	defer o.mu.Unlock()
	up := o.input == InputConnected || o.input == InputReading
	o.stale = up && !o.last.IsZero() && o.opts.Now().Sub(o.last) > o.opts.StaleAfter
	o.publishStatus()
}

// Write implements pipeline.Output: it copies what the page shows of the
// window and queues it for Run. It never waits.
func (o *Output) Write(r *model.Result) error {
	s := &slide{Start: r.Start, End: r.End, Tweets: r.Counts.Tweets, Located: r.Counts.Located}
	cl := model.BySize(r.Clusters)
	colours := o.opts.Colours(r)
	sizes := make(map[int]int, len(cl))
	s.Clusters = make([]clusterEntry, len(cl))
	for i, c := range cl {
		prev, seen := o.prev[c.ID]
		e := clusterEntry{ID: c.ID, Size: c.Size, Change: c.Size - prev, New: !seen, Lon: c.Lon, Lat: c.Lat,
			Keywords: c.Keywords, Examples: make([]example, len(c.Examples))}
		if e.Keywords == nil {
			e.Keywords = []string{}
		}
		if col := colours[c.ID]; col != nil {
			e.Colour = hexColour(col)
		}
		for j, x := range c.Examples {
			e.Examples[j] = example{ID: x.ID, Text: x.Text, Place: x.Place, Lon: x.Lon, Lat: x.Lat,
				Located: x.Located.String(), Level: x.Level.String()}
		}
		s.Clusters[i] = e
		sizes[c.ID] = c.Size
	}
	o.prev = sizes
	o.mu.Lock()
	if len(o.pending) == o.opts.Hub.opts.Retain {
		o.pending = o.pending[1:] // it would not be retained anyway
	}
	o.pending = append(o.pending, s)
	o.mu.Unlock()
	o.signal()
	return nil
}

func hexColour(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

func (o *Output) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Close implements pipeline.Output: Run publishes what is queued and
// returns.
func (o *Output) Close() error {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.signal()
	return nil
}

// Run implements pipeline.Runner: it publishes the queued windows in order
// and keeps the status, until Close (once the queue is empty) or ctx ends.
func (o *Output) Run(ctx context.Context) error {
	tick := time.NewTicker(min(time.Second, o.opts.StaleAfter/4))
	defer tick.Stop()
	for {
		select {
		case <-o.wake:
		case <-tick.C:
			o.checkStale()
			continue
		case <-ctx.Done():
			return nil
		}
		for {
			o.mu.Lock()
			if len(o.pending) == 0 {
				closed := o.closed
				o.mu.Unlock()
				if closed {
					return nil
				}
				break
			}
			s := o.pending[0]
			o.pending = o.pending[1:]
			o.mu.Unlock()
			if err := o.publish(ctx, s); err != nil {
				return err
			}
		}
	}
}

// publish waits for s's map, then hands s to the hub.
func (o *Output) publish(ctx context.Context, s *slide) error {
	var img []byte
	if o.opts.Maps != nil {
		img = o.waitMap(ctx, s.End)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encoding a window for the page: %w", err)
	}
	examples := make(map[string][]example, len(s.Clusters))
	for _, c := range s.Clusters {
		examples[strconv.Itoa(c.ID)] = c.Examples
	}
	o.opts.Hub.Publish(b, examples, img)
	o.mu.Lock()
	o.last = o.opts.Now()
	o.stale = false
	o.publishStatus()
	o.mu.Unlock()
	return nil
}

// waitMap returns the map of the window ending at end once it is there,
// or nil: when MapWait has passed, when a newer window's map is there
// first (maps are drawn in order, so this one was skipped), or when ctx
// ends.
func (o *Output) waitMap(ctx context.Context, end time.Time) []byte {
	deadline := time.NewTimer(o.opts.MapWait)
	defer deadline.Stop()
	poll := time.NewTicker(o.opts.MapPoll)
	defer poll.Stop()
	for {
		img, err := o.opts.Maps.ReadMap(end)
		if err == nil {
			return img
		}
		if !errors.Is(err, fs.ErrNotExist) {
			o.log.Warn("live page: map not read", "window_end", end, "err", err)
			return nil
		}
		if o.newerMap() {
			return nil
		}
		select {
		case <-poll.C:
		case <-deadline.C:
			o.log.Debug("live page: no map for the window", "window_end", end)
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}

// newerMap reports whether the newest queued window's map is already
// there.
func (o *Output) newerMap() bool {
	o.mu.Lock()
	n := len(o.pending)
	var end time.Time
	if n > 0 {
		end = o.pending[n-1].End
	}
	o.mu.Unlock()
	return n > 0 && o.opts.Maps.HasMap(end)
}
