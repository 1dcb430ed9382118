// Package pipeline wires the analyzer's stages: a reader goroutine decodes
// lines into chunks; the Run goroutine cuts them into batches and windows,
// trains the model on every batch and, at every slide, summarizes the window
// and hands it to the outputs. Only this package starts goroutines, and Run
// waits for all of them before it returns.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/geostream/geostream/analyzer/internal/geocode"
	"github.com/geostream/geostream/analyzer/internal/spherical"
	"github.com/geostream/geostream/analyzer/internal/stream"
	"github.com/geostream/geostream/analyzer/internal/window"
	"github.com/geostream/geostream/shared/tweet"
)

// Clock says how tweets are put into batches.
type Clock string

const (
	// ClockWall batches tweets by arrival time (Spark's semantics).
	ClockWall Clock = "wall"
	// ClockEvent batches tweets by created_at: deterministic.
	ClockEvent Clock = "event"
)

// Options configures a Pipeline.
type Options struct {
	Input  string // capture path, or "" to connect
	Stdin  io.Reader
	Stream stream.Options
	Window window.Config
	Clock  Clock
	// Lateness is how long, in event time, a batch stays open for stragglers.
	Lateness      time.Duration
	StatsInterval time.Duration
	Logger        *slog.Logger
	// Now is the wall clock (tests inject one).
	Now func() time.Time
	// ExtraStats, if set, adds key-value pairs to the periodic stats line
	// (it runs in the pipeline's goroutine).
	ExtraStats func() []any
	// Locate, if set, says how tweets are located: it may drop points or
	// places, and place unlocated tweets by their authors' profile locations
	// and place names in their text (the GeoNames gazetteer). Nil keeps the
	// decoders' points and places only.
	Locate *geocode.Policy
	// KeepText keeps each point's Text and Place after the model has
	// prepared it, for a model asked for example tweets and outputs that
	// show them (the live page); by default they are dropped to save
	// memory.
	KeepText bool
}

// Validate checks the options.
func (o *Options) Validate() error {
	if err := o.Window.Validate(); err != nil {
		return err
	}
	if o.Clock != ClockWall && o.Clock != ClockEvent {
		return fmt.Errorf("pipeline: --clock must be wall or event, not %q", o.Clock)
	}
	if o.Lateness < 0 {
		return errors.New("pipeline: --lateness must not be negative")
	}
	if o.Locate != nil && !o.Locate.Point && !o.Locate.Place && !o.Locate.Infers() {
		return errors.New("pipeline: --locate names no way to locate a tweet")
	}
	return nil
}

// Point is a located tweet as it moves through batches and windows.
type Point struct {
	ID       string
	Lon, Lat float64
	Text     string
	// Place is the name of the tweet's tagged place, if any; like Text it
	// is kept only with Options.KeepText.
	Place string
	Time  time.Time
	// Located says how the tweet was located, and Level how precisely.
	Located tweet.GeoSource
	Level   tweet.GeoLevel
	// Cluster is the point's cluster in the current window (-1: none yet).
	Cluster int
	// Feature, Terms and Tokens are filled by the model, if one is set.
	// Features are float32: a window can hold millions of points. Terms
	// are the sparse text vector of models that use one.
	Feature []float32
	Terms   []spherical.Term
	Tokens  []string
}

// Model is what the pipeline trains on every batch and asks at every slide.
// A nil Model makes a counting-only pipeline.
type Model interface {
	// Prepare fills p's Feature and Tokens; it runs once per point.
	Prepare(p *Point)
	// Train updates the model with a closed batch.
	Train(batch []*Point)
	// Decay ages the model by n empty batches.
	Decay(n int64)
	// Assign sets Cluster on every point of a window and summarizes it.
	Assign(points []*Point) []ClusterSummary
}

// Tokenizer is a Model whose tokenizing is stateless: the pipeline runs it
// in the reader's goroutine, and Prepare then finds Point.Tokens filled.
type Tokenizer interface {
	Tokenize(text string) []string
}

// ClusterSummary describes one non-empty cluster of a window.
type ClusterSummary struct {
	ID       int      `json:"id"`
	Size     int      `json:"size"`
	Lon      float64  `json:"lon"`
	Lat      float64  `json:"lat"`
	Keywords []string `json:"keywords"`
	// Examples are a few of the cluster's tweets nearest its centre, best
	// first, if the model was asked for them. They are other people's
	// words: windows.ndjson does not carry them.
	Examples []Example `json:"-"`
}

// Example is one tweet shown for its cluster.
type Example struct {
	ID, Text, Place string
	Lon, Lat        float64
	Located         tweet.GeoSource
	Level           tweet.GeoLevel
}

// Result is everything known about one window, handed to the outputs.
type Result struct {
	Start, End time.Time
	Counts     window.Counts // the whole window
	Fresh      window.Counts // its newest slide only
	Points     []*Point
	Clusters   []ClusterSummary
}

// Output receives every window in order. Write runs in the pipeline's
// goroutine: it must not keep Points beyond the call unless it copies them.
type Output interface {
	Write(r *Result) error
	Close() error
}

// Runner is an Output with work of its own (drawing maps). The pipeline
// runs Run in a goroutine; Run must return once Close has been called and
// the queued work is done.
type Runner interface {
	Run(ctx context.Context) error
}

// Pipeline runs the analyzer over one input.
type Pipeline struct {
	opts    Options
	log     *slog.Logger
	model   Model
	outputs []Output
	slider  *window.Slider[*Point]

	maxEvent         time.Time
	windows, batches int
	total            window.Counts
	outErr           error

	mu   sync.Mutex // guards snap, read by Stats from other goroutines
	snap Stats
}

// Stats are the pipeline's running totals.
type Stats struct {
	Counts           window.Counts
	Batches, Windows int
}

// Stats returns a copy of the totals; safe to call from any goroutine.
func (p *Pipeline) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snap
}

func (p *Pipeline) publish() {
	p.mu.Lock()
	p.snap = Stats{Counts: p.total, Batches: p.batches, Windows: p.windows}
	p.mu.Unlock()
}

// New returns a Pipeline; opts must be valid.
func New(opts Options, model Model, outputs ...Output) *Pipeline {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StatsInterval == 0 {
		opts.StatsInterval = 30 * time.Second
	}
	opts.Stream.Logger = opts.Logger
	opts.Stream.Now = opts.Now // arrivals and batch ends on one clock
	if t, ok := model.(Tokenizer); ok {
		opts.Stream.Tokenize = t.Tokenize
	}
	return &Pipeline{
		opts:    opts,
		log:     opts.Logger,
		model:   model,
		outputs: outputs,
		slider:  window.NewSlider[*Point](opts.Window),
	}
}

// locator returns the stream's Locate hook for the policy, loading the
// gazetteer (0.2 s, 20 MB) if the policy infers locations.
func (p *Pipeline) locator() (func(*tweet.Tweet), error) {
	pol := p.opts.Locate
	if pol == nil {
		return nil, nil
	}
	var gc *geocode.Geocoder
	if pol.Infers() {
		var err error
		if gc, err = geocode.New(geocode.Options{}); err != nil {
			return nil, fmt.Errorf("loading the gazetteer: %w", err)
		}
	}
	policy := *pol
	return func(t *tweet.Tweet) { gc.Place(t, policy) }, nil
}

// Run reads the input to its end (or until ctx is cancelled), flushes the
// last windows and closes the outputs. Cancellation is a clean stop: Run
// returns nil.
func (p *Pipeline) Run(ctx context.Context) error {
	locate, err := p.locator()
	if err != nil {
		for _, o := range p.outputs {
			o.Close()
		}
		return err
	}
	sopts := p.opts.Stream
	sopts.Locate = locate // used by the reader goroutine alone
	readCtx, cancelRead := context.WithCancel(ctx)
	defer cancelRead()
	chunks := make(chan stream.Chunk, 16)
	readErr := make(chan error, 1)
	go func() { // owned here: ends when the input ends or readCtx is cancelled
		defer close(chunks)
		var err error
		if p.opts.Input != "" {
			_, err = stream.ReadFile(readCtx, p.opts.Input, p.opts.Stdin, sopts, chunks)
		} else {
			err = stream.Connect(readCtx, sopts, chunks)
		}
		if readCtx.Err() != nil {
			err = nil
		}
		readErr <- err
	}()

	var runners sync.WaitGroup
	for _, o := range p.outputs {
		if r, ok := o.(Runner); ok {
			runners.Add(1)
			go func() { // owned here: ends after the output's Close
				defer runners.Done()
				if err := r.Run(ctx); err != nil {
					p.log.Error("output stopped", "err", err)
				}
			}()
		}
	}

	var tick <-chan time.Time
	if p.opts.Clock == ClockWall {
		t := time.NewTicker(p.opts.Window.Batch)
		defer t.Stop()
		tick = t.C
	}
	stats := time.NewTicker(p.opts.StatsInterval)
	defer stats.Stop()

loop:
	for {
		select {
		case c, ok := <-chunks:
			if !ok {
				break loop
			}
			p.chunk(c)
			p.publish()
		case <-tick:
			p.slider.Advance(p.opts.Now(), p)
		case <-stats.C:
			p.logStats("stats")
		case <-ctx.Done():
			cancelRead()
			for range chunks { // let the reader finish; what it had is dropped on interrupt
			}
			break loop
		}
		if p.outErr != nil {
			err = p.outErr
			cancelRead()
			for range chunks {
			}
			break loop
		}
	}
	if rerr := <-readErr; rerr != nil && err == nil {
		err = rerr
		p.log.Error("input ended with an error; flushing what was read", "err", rerr)
	}
	p.slider.Flush(p)
	for _, o := range p.outputs {
		if cerr := o.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	runners.Wait()
	if c, ok := p.model.(io.Closer); ok {
		if cerr := c.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = p.outErr
	}
	p.publish()
	p.logStats("finished")
	return err
}

func (p *Pipeline) logStats(msg string) {
	t := p.total
	args := []any{"tweets", t.Tweets, "located", t.Located, "unlocated", t.Unlocated, "notices", t.Notices,
		"malformed", t.Malformed, "too_long", t.TooLong, "late", t.Late, "bad_geo", t.BadGeo,
		"batches", p.batches, "windows", p.windows}
	if p.opts.ExtraStats != nil {
		args = append(args, p.opts.ExtraStats()...)
	}
	p.log.Info(msg, args...)
}

// chunk feeds one chunk into the slider, line by line in input order.
func (p *Pipeline) chunk(c stream.Chunk) {
	event := p.opts.Clock == ClockEvent
	for i := range c.Lines {
		tw := &c.Lines[i]
		t := c.Arrival
		if event {
			switch {
			case tw.Kind == tweet.KindTweet && !tw.CreatedAt.IsZero():
				t = tw.CreatedAt
			case !p.maxEvent.IsZero():
				t = p.maxEvent // notices and undated lines belong to "now"
			}
			if t.After(p.maxEvent) {
				p.maxEvent = t
				// Close batches line by line, not per chunk: the model a
				// tweet is featurized with must not depend on where the
				// network happened to cut the input.
				p.slider.Advance(p.maxEvent.Add(-p.opts.Lateness), p)
			}
		}
		var cnt window.Counts
		switch {
		case tw.Kind == tweet.KindNotice:
			cnt.Notices = 1
		case tw.Kind == tweet.KindMalformed && tw.Notice == stream.TooLong:
			cnt.TooLong = 1
		case tw.Kind == tweet.KindMalformed:
			cnt.Malformed = 1
		default:
			cnt.Tweets = 1
			if tw.BadGeo {
				cnt.BadGeo = 1
			}
		}
		if cnt.Tweets == 0 || !tw.Located() {
			if cnt.Tweets == 1 {
				cnt.Unlocated = 1
			}
			p.total.Add(cnt)
			p.slider.AddCounts(t, cnt)
			continue
		}
		cnt.Located = 1
		switch tw.Geo {
		case tweet.GeoPoint:
			cnt.ByPoint = 1
		case tweet.GeoPlace:
			cnt.ByPlace = 1
		case tweet.GeoProfile:
			cnt.ByProfile = 1
		case tweet.GeoText:
			cnt.ByText = 1
		}
		level := tw.Level
		if level == tweet.GeoLevelNone {
			level = tweet.GeoCity // a decoder's point or place
		}
		pt := &Point{ID: tw.ID, Lon: tw.Lon, Lat: tw.Lat, Text: tw.Text, Time: t, Cluster: -1, Located: tw.Geo, Level: level}
		if p.opts.KeepText {
			pt.Place = tw.Place
		}
		if i < len(c.Tokens) {
			pt.Tokens = c.Tokens[i]
		}
		if p.model != nil {
			p.model.Prepare(pt)
			if !p.opts.KeepText {
				pt.Text = "" // the tokens hold what is needed; free the rest
			}
		}
		if p.slider.Add(t, pt, cnt) {
			cnt.Late = 1
		}
		p.total.Add(cnt)
	}
	if !event {
		p.slider.Advance(p.opts.Now(), p)
	}
}

// Batch implements window.Handler: train on every closed batch.
func (p *Pipeline) Batch(b *window.Batch[*Point]) {
	p.batches++
	if p.model != nil {
		p.model.Train(b.Items)
	}
}

// Skipped implements window.Handler: age the model over a gap.
func (p *Pipeline) Skipped(n int64) {
	p.log.Info("skipping a gap with no tweets", "batches", n)
	if p.model != nil {
		p.model.Decay(n)
	}
}

// Window implements window.Handler: summarize and write a window.
func (p *Pipeline) Window(w *window.Window[*Point]) {
	if p.outErr != nil {
		return
	}
	p.windows++
	r := &Result{Start: w.Start, End: w.End}
	r.Counts, r.Fresh = w.Counts()
	for _, b := range w.Batches {
		r.Points = append(r.Points, b.Items...)
	}
	if p.model != nil && len(r.Points) > 0 {
		r.Clusters = p.model.Assign(r.Points)
	}
	for _, o := range p.outputs {
		if err := o.Write(r); err != nil {
			p.outErr = err
			p.log.Error("writing output", "err", err)
			return
		}
	}
}
