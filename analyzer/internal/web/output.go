package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"

	"log/slog"

	"strconv"
	"sync"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/render"
)

// Input states, as the status line shows them.
const (
	InputConnecting   = "connecting"
	InputConnected    = "connected"
	InputReconnecting = "reconnecting"
	InputReading      = "reading"
	InputEnded        = "ended"
)

// OutputOptions configures an Output.
type OutputOptions struct {
	Hub *Hub
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
	if o.Hub == nil {
		return errors.New("web: an output needs a hub")
	}
	if o.Slide <= 0 {
		return errors.New("web: the slide interval must be positive")
	}
	return nil
}

// Output is a pipeline.Output (and Runner) that publishes every window to
// the hub: Write copies what the page shows of it (its clusters in the
// colours the map output gave them, its events, its posts gathered into
// discs) and queues it, and Run publishes it with what changed since the
// window before. Maps come in process, through Map, as the map output
// draws them. It also keeps the hub's status: the input's state, and
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
	// published maps a recent window's end to its message, for its map;
	// early holds maps drawn before their window was published.
	published map[time.Time]*Message
	ends      []time.Time // of published, oldest first
	early     map[time.Time][]byte

	prev map[int]int // cluster sizes of the previous window (pipeline goroutine)
	// prevDiscs and prevID are the discs and id of the window published
	// last (Run's goroutine).
	prevDiscs []disc
	prevID    string
}

// slide is a window as the page gets it.
type slide struct {
	Start    time.Time      `json:"start"`
	End      time.Time      `json:"end"`
	Tweets   int            `json:"tweets"`
	Located  int            `json:"located"`
	Clusters []clusterEntry `json:"clusters"`
	Events   []eventEntry   `json:"events"`
	// placed are its located posts, which Run gathers into the discs sent
	// beside the window (see Hub.PublishSlide).
	placed []placed
	// examples of the clusters ("<id>") and events ("e<id>").
	examples map[string][]example
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
}

// eventEntry is an event (model.Event) as the page lists it; New is set
// in the window that first flagged it.
type eventEntry struct {
	ID        int       `json:"id"`
	Cluster   int       `json:"cluster"`
	Lon       float64   `json:"lon"`
	Lat       float64   `json:"lat"`
	RadiusKm  float64   `json:"radius_km"`
	Keywords  []string  `json:"keywords"`
	FirstSeen time.Time `json:"first_seen"`
	Posts     int       `json:"posts"`
	Slide     int       `json:"slide"`
	New       bool      `json:"new"`
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

func examplesOf(xs []model.Example) []example {
	out := make([]example, len(xs))
	for j, x := range xs {
		out[j] = example{ID: x.ID, Text: x.Text, Place: x.Place, Lon: x.Lon, Lat: x.Lat,
			Located: x.Located.String(), Level: x.Level.String()}
	}
	return out
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
	o := &Output{opts: opts, log: opts.Logger, wake: make(chan struct{}, 1), input: opts.Input,
		published: map[time.Time]*Message{}, early: map[time.Time][]byte{}}
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
	var s *slide
	s, o.prev = slideOf(r, o.prev)
	o.mu.Lock()
	if len(o.pending) == o.opts.Hub.opts.Retain {
		o.pending = o.pending[1:] // it would not be retained anyway
	}
	o.pending = append(o.pending, s)
	o.mu.Unlock()
	o.signal()
	return nil
}

// slideOf copies what the page shows of a window: prev are the cluster
// sizes of the window before (for each cluster's change), and the sizes of
// this one are returned for the next.
func slideOf(r *model.Result, prev map[int]int) (*slide, map[int]int) {
	s := &slide{Start: r.Start, End: r.End, Tweets: r.Counts.Tweets, Located: r.Counts.Located,
		placed: placedOf(r.Points), examples: make(map[string][]example, len(r.Clusters)+len(r.Events))}
	cl := model.BySize(r.Clusters)
	sizes := make(map[int]int, len(cl))
	s.Clusters = make([]clusterEntry, len(cl))
	for i, c := range cl {
		before, seen := prev[c.ID]
		e := clusterEntry{ID: c.ID, Size: c.Size, Change: c.Size - before, New: !seen, Lon: c.Lon, Lat: c.Lat,
			Keywords: c.Keywords, Colour: hexColour(render.Grey)}
		if e.Keywords == nil {
			e.Keywords = []string{}
		}
		if p, ok := r.Colours[c.ID]; ok && p >= 0 && p < len(render.Palette) {
			e.Colour = hexColour(render.Palette[p])
		}
		s.examples[strconv.Itoa(c.ID)] = examplesOf(c.Examples)
		s.Clusters[i] = e
		sizes[c.ID] = c.Size
	}
	s.Events = make([]eventEntry, len(r.Events))
	for i, e := range r.Events {
		kw := e.Keywords
		if kw == nil {
			kw = []string{}
		}
		s.Events[i] = eventEntry{ID: e.ID, Cluster: e.Cluster, Lon: e.Lon, Lat: e.Lat, RadiusKm: e.RadiusKm,
			Keywords: kw, FirstSeen: e.FirstSeen, Posts: e.Posts, Slide: e.Slide, New: e.FirstSeen.Equal(r.End)}
		s.examples["e"+strconv.Itoa(e.ID)] = examplesOf(e.Examples)
	}
	return s, sizes
}

func hexColour(c color.RGBA) string {
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

func (o *Output) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Map hands the page the map (PNG) of the window ending at end; the map
// output calls it as each map is drawn (output.MapsOptions.OnMap), from
// any goroutine. A map for a window no longer kept is dropped.
func (o *Output) Map(end time.Time, png []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if m, ok := o.published[end]; ok {
		m.setImage(png)
		return
	}
	if len(o.early) >= o.opts.Hub.opts.Retain {
		for t := range o.early { // any will do: a map this early is rare
			delete(o.early, t)
			break
		}
	}
	o.early[end] = png
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
			if err := o.publish(s); err != nil {
				return err
			}
		}
	}
}

// publish hands s to the hub at once, with its discs in full and as the
// change from the window published before.
func (o *Output) publish(s *slide) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encoding a window for the page: %w", err)
	}
	discs := discsOf(s.placed)
	s.placed = nil
	var delta []byte
	if o.prevID != "" {
		delta = deltaJSON(o.prevID, o.prevDiscs, discs)
	}
	m := o.opts.Hub.PublishSlide(b, s.examples, discsJSON(discs), delta)
	o.prevID, o.prevDiscs = m.ID, discs
	o.mu.Lock()
	if img, ok := o.early[s.End]; ok {
		m.setImage(img)
		delete(o.early, s.End)
	}
	o.published[s.End] = m
	o.ends = append(o.ends, s.End)
	if len(o.ends) > o.opts.Hub.opts.Retain {
		delete(o.published, o.ends[0])
		o.ends = o.ends[1:]
	}
	o.last = o.opts.Now()
	o.stale = false
	o.publishStatus()
	o.mu.Unlock()
	return nil
}
