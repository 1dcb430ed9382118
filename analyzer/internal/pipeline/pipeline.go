// Package pipeline wires the analyzer's stages: a reader goroutine decodes
// the input's lines into chunks and, beside decoding, places and tokenizes
// tweets (the pipeline's prepare stage); the Run goroutine cuts them into
// batches and windows,
// trains the model on every batch and, at every slide, summarizes the window
// and hands it to the outputs. Only this package starts goroutines, and Run
// waits for all of them before it returns.
package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/geostream/geostream/shared/field"

	"github.com/geostream/geostream/analyzer/internal/geocode"
	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/stream"
	"github.com/geostream/geostream/analyzer/internal/window"
	"github.com/geostream/geostream/shared/tweet"
	"github.com/geostream/geostream/shared/wire"
)

// Clock says how tweets are put into batches.
type Clock string

const (
	// ClockWall batches tweets by arrival time (Spark's semantics).
	ClockWall Clock = "wall"
	// ClockEvent batches tweets by created_at: deterministic.
	ClockEvent Clock = "event"
	// ClockAuto is the event clock for a capture and for a scraper that
	// says it replays or generates tweets with times of their own, and the
	// wall clock for a live source (or a scraper that says nothing).
	ClockAuto Clock = "auto"
)

// Defaults for Options.
const (
	// DefaultLateness is how long, in event time, a batch waits for late
	// tweets.
	DefaultLateness = 5 * time.Second
	// DefaultStatsInterval is how often the stats line is logged.
	DefaultStatsInterval = 30 * time.Second
)

// Options configures a Pipeline.
type Options struct {
	// Source is the input (input.OpenFile, input.Dial, a NATS consumer);
	// Run closes it. A Source that is an Acker is told which lines are done.
	Source input.Source
	// Capture says Source is a file: ClockAuto means the event clock.
	Capture bool
	Stream  stream.Options
	Window  window.Config
	Clock   Clock
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
	// Events, if set, finds events in every window the model has
	// summarized (package events); Result.Events holds what it returns.
	Events Detector
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
	if o.Clock != ClockWall && o.Clock != ClockEvent && o.Clock != ClockAuto {
		return field.Errorf("Clock", "must be auto, wall or event, not %q", o.Clock)
	}
	if o.Lateness < 0 {
		return field.Errorf("Lateness", "must not be negative")
	}
	if o.Locate != nil && !o.Locate.Point && !o.Locate.Place && !o.Locate.Infers() {
		return field.Errorf("Locate", "names no way to locate a tweet")
	}
	if o.StatsInterval < 0 {
		return field.Errorf("StatsInterval", "must be positive")
	}
	return nil
}

// Model is what the pipeline trains on every batch and asks at every slide.
// A nil Model makes a counting-only pipeline.
type Model interface {
	// Prepare fills p's features (and Tokens, if the reader did not); it
	// runs once per point.
	Prepare(p *model.Point)
	// Train updates the model with a closed batch, which ends at end.
	Train(batch []*model.Point, end time.Time)
	// Forget is given a batch that has left the window, before the batch
	// that pushed it out is trained on.
	Forget(batch []*model.Point)
	// Decay ages the model by n empty batches.
	Decay(n int64)
	// Assign sets Cluster on every point of the window that ends at end
	// and summarizes it.
	Assign(points []*model.Point, end time.Time) []model.ClusterSummary
}

// Detector finds events in the windows the model has summarized. Observe
// runs in the pipeline's goroutine on every window, in order, after Assign
// and before the outputs; it must not keep r.
type Detector interface {
	Observe(r *model.Result) []model.Event
}

// Spawner is a Model with goroutines of its own. Run gives it, before the
// first batch, the function to start them with: they are then the
// pipeline's, and Run waits for them before it returns.
type Spawner interface {
	SetSpawn(spawn func(func()))
}

// Tokenizer is a Model whose tokenizing is stateless: the pipeline runs it
// in the reader's goroutine on every post, and Prepare then finds
// model.Point.Tokens filled. A post with no place is clustered by its
// words, if it has any; without a Tokenizer, only posts with a place are.
type Tokenizer interface {
	Tokenize(tw *tweet.Tweet) []string
}

// Output receives every window in order. Write runs in the pipeline's
// goroutine: it must not keep Points beyond the call unless it copies them.
type Output interface {
	Write(r *model.Result) error
	Close() error
}

// ClockAware is an Output that wants to know whether windows go by the
// event clock (with ClockAuto, settled on the first chunk). SetEventClock
// runs in the pipeline's goroutine, before the first Write.
type ClockAware interface {
	SetEventClock(event bool)
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
	slider  *window.Slider[*model.Point]

	clock    Clock // ClockAuto until the first chunk says which
	ticker   *time.Ticker
	tick     <-chan time.Time
	tokenize func(*tweet.Tweet) []string

	// flushing is set while the last, partial windows are written.
	flushing bool
	// checked counts a capture's first lines until one is a tweet or a
	// notice (sawData).
	checked int
	sawData bool

	acks *acks // nil unless the source is an Acker

	maxEvent time.Time
	// early holds, with the event clock, the lines without a time of their
	// own (notices, malformed lines) that came before any tweet with one:
	// they go to the first such tweet's batch. Counted at the start of a
	// stream's wall-clock arrival instead, they would start the clock at
	// today and make every older tweet late.
	early            []earlyLine
	windows, batches int
	total            model.Counts
	outErr           error

	mu   sync.Mutex // guards snap, read by Stats from other goroutines
	snap Stats
}

// Stats are the pipeline's running totals.
type Stats struct {
	Counts           model.Counts
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

// New returns a Pipeline; Run checks opts (Options.Validate) before it
// reads anything.
func New(opts Options, m Model, outputs ...Output) *Pipeline {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StatsInterval == 0 {
		opts.StatsInterval = DefaultStatsInterval
	}
	p := &Pipeline{
		opts:    opts,
		log:     opts.Logger,
		model:   m,
		outputs: outputs,
		slider:  window.NewSlider[*model.Point](opts.Window),
		clock:   opts.Clock,
		acks:    newAcks(opts.Source),
	}
	if t, ok := m.(Tokenizer); ok {
		p.tokenize = t.Tokenize
	}
	if p.clock == ClockAuto && opts.Capture {
		p.clock = ClockEvent
	}
	return p
}

// prepare is the stage that runs beside decoding, in the reader's
// goroutine: it places each tweet by the Locate policy and tokenizes it.
func (p *Pipeline) prepare(locate func(*tweet.Tweet)) func(*stream.Chunk) {
	return func(c *stream.Chunk) {
		if p.tokenize != nil {
			c.Tokens = make([][]string, len(c.Lines))
		}
		for i := range c.Lines {
			tw := &c.Lines[i]
			if tw.Kind != tweet.KindTweet {
				continue
			}
			if locate != nil {
				locate(tw)
			}
			if p.tokenize != nil {
				c.Tokens[i] = p.tokenize(tw)
			}
		}
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
	err := p.opts.Validate()
	if err == nil && p.opts.Source == nil {
		err = field.Errorf("Source", "is needed")
	}
	var locate func(*tweet.Tweet)
	if err == nil {
		locate, err = p.locator()
	}
	if err != nil {
		for _, o := range p.outputs {
			o.Close()
		}
		if p.opts.Source != nil {
			p.opts.Source.Close()
		}
		return err
	}
	src := p.opts.Source
	defer src.Close()
	sopts := p.opts.Stream
	sopts.Stage = p.prepare(locate) // locate is the reader goroutine's alone
	var spawned sync.WaitGroup
	defer spawned.Wait()
	if s, ok := p.model.(Spawner); ok {
		s.SetSpawn(func(f func()) {
			spawned.Add(1)
			go func() { // owned here: the model joins it, Run waits for it
				defer spawned.Done()
				f()
			}()
		})
	}
	readCtx, cancelRead := context.WithCancel(ctx)
	defer cancelRead()
	chunks := make(chan stream.Chunk, 16)
	readErr := make(chan error, 1)
	go func() { // owned here: ends when the input ends or readCtx is cancelled
		defer close(chunks)
		_, err := stream.Read(readCtx, src, sopts, chunks)
		if readCtx.Err() != nil {
			err = nil
		}
		readErr <- err
	}()
	stopRead := func() {
		cancelRead()
		src.Close()        // a read blocked on a pipe does not see ctx
		for range chunks { // let the reader finish; what it had is dropped
		}
	}

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

	defer p.stopTicker()
	if p.clock != ClockAuto {
		p.settled()
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
			if p.clock == ClockAuto {
				p.chooseClock(c.Hello)
			}
			if p.opts.Capture && !p.sawData {
				if err = p.check(c); err != nil {
					stopRead()
					break loop
				}
			}
			p.chunk(c)
			p.publish()
		case <-p.tick:
			p.slider.Advance(p.opts.Now(), p)
		case <-stats.C:
			p.logStats("stats")
		case <-ctx.Done():
			stopRead()
			break loop
		}
		if p.outErr != nil {
			err = p.outErr
			stopRead()
			break loop
		}
	}
	if rerr := <-readErr; rerr != nil && err == nil {
		err = rerr // the caller reports it; the windows read so far are flushed below
	}
	if err == nil && p.opts.Capture && !p.sawData && ctx.Err() == nil {
		err = &NotCaptureError{Lines: p.checked}
	}
	p.flushing = true
	p.placeEarly(time.Time{}) // no tweet with a time came: at their arrival
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

// checkLines is how many of a capture's first lines may pass without a
// tweet or a notice before it is refused.
const checkLines = 100

// NotCaptureError is an input whose first lines hold no tweet and no
// stream notice (an image, a log, the wrong file), or no line at all.
type NotCaptureError struct{ Lines int }

func (e *NotCaptureError) Error() string {
	if e.Lines == 0 {
		return "the capture is empty"
	}
	return fmt.Sprintf("this does not look like a capture: its first %d lines hold no tweet or stream notice", e.Lines)
}

// check looks at a capture's first lines.
func (p *Pipeline) check(c stream.Chunk) error {
	for i := range c.Lines {
		if c.Lines[i].Kind != tweet.KindMalformed {
			p.sawData = true
			return nil
		}
		if p.checked++; p.checked >= checkLines {
			return &NotCaptureError{Lines: p.checked}
		}
	}
	return nil
}

// chooseClock settles ClockAuto on the first chunk, from the scraper's
// hello, and says so.
func (p *Pipeline) chooseClock(h *wire.Hello) {
	switch {
	case h != nil && !h.Live:
		p.clock = ClockEvent
		p.log.Info("the scraper "+h.Source+" serves tweets with times of their own: batching by created_at (--clock wall to batch by arrival)",
			"finite", h.Finite, "speed", h.Speed)
	case h != nil:
		p.clock = ClockWall
		p.log.Info("the scraper serves a live " + h.Source + " stream: batching by arrival (--clock event to batch by created_at)")
	default:
		p.clock = ClockWall
		p.log.Info("the scraper did not say what it serves: batching by arrival (--clock event to batch by created_at)")
	}
	p.settled()
}

// settled starts the wall clock's ticker if that is the clock, and tells
// the outputs which it is.
func (p *Pipeline) settled() {
	if p.clock == ClockWall {
		p.startTicker()
	}
	for _, o := range p.outputs {
		if c, ok := o.(ClockAware); ok {
			c.SetEventClock(p.clock == ClockEvent)
		}
	}
}

func (p *Pipeline) startTicker() {
	p.ticker = time.NewTicker(p.opts.Window.Batch)
	p.tick = p.ticker.C
}

func (p *Pipeline) stopTicker() {
	if p.ticker != nil {
		p.ticker.Stop()
	}
}

// earlyLine is a line held in Pipeline.early: its counts, arrival and
// sequence number (0: none).
type earlyLine struct {
	arrival time.Time
	cnt     model.Counts
	seq     uint64
}

// maxEarly bounds Pipeline.early: a stream of that many undated lines
// before a dated one starts the clock at their arrival after all.
const maxEarly = 10000

// placeEarly puts the held early lines in the batch of at, or, with a zero
// at, each in that of its arrival.
func (p *Pipeline) placeEarly(at time.Time) {
	for _, e := range p.early {
		at := cmp.Or(at, e.arrival)
		if p.acks != nil && e.seq != 0 {
			p.acks.enter(p.slider.Index(at), e.seq)
		}
		p.total.Add(e.cnt)
		p.slider.AddCounts(at, e.cnt)
	}
	p.early = nil
}

// chunk feeds one chunk into the slider, line by line in input order.
func (p *Pipeline) chunk(c stream.Chunk) {
	event := p.clock == ClockEvent
	for i := range c.Lines {
		tw := &c.Lines[i]
		t := c.Arrival
		var cnt model.Counts
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
			if tw.ClockSkew {
				cnt.ClockSkew = 1
			}
		}
		if event {
			dated := tw.Kind == tweet.KindTweet && !tw.CreatedAt.IsZero()
			switch {
			case dated:
				t = tw.CreatedAt
			case !p.maxEvent.IsZero():
				t = p.maxEvent // notices and undated lines belong to "now"
			case cnt.Tweets == 0 && len(p.early) < maxEarly:
				e := earlyLine{arrival: c.Arrival, cnt: cnt}
				if i < len(c.Seqs) {
					e.seq = c.Seqs[i]
				}
				p.early = append(p.early, e)
				continue
			}
			if t.After(p.maxEvent) {
				p.maxEvent = t
				p.placeEarly(t)
				// Close batches line by line, not per chunk: the model a
				// tweet is featurized with must not depend on where the
				// network happened to cut the input.
				p.slider.Advance(p.maxEvent.Add(-p.opts.Lateness), p)
			}
		}
		if p.acks != nil && i < len(c.Seqs) {
			p.acks.enter(p.slider.Index(t), c.Seqs[i])
		}
		var tokens []string
		if i < len(c.Tokens) {
			tokens = c.Tokens[i]
		}
		if cnt.Tweets == 1 && !tw.Located() {
			cnt.Unlocated = 1
			if p.tokenize != nil && len(tokens) == 0 {
				cnt.Wordless = 1 // nothing to cluster it by
			}
		}
		if cnt.Tweets == 0 || !tw.Located() && len(tokens) == 0 {
			p.total.Add(cnt)
			p.slider.AddCounts(t, cnt)
			continue
		}
		switch tw.Geo {
		case tweet.GeoPoint:
			cnt.Located, cnt.ByPoint = 1, 1
		case tweet.GeoPlace:
			cnt.Located, cnt.ByPlace = 1, 1
		case tweet.GeoProfile:
			cnt.Located, cnt.ByProfile = 1, 1
		case tweet.GeoText:
			cnt.Located, cnt.ByText = 1, 1
		}
		level := tw.Level
		if level == tweet.GeoLevelNone && tw.Located() {
			level = tweet.GeoCity // a decoder's point or place
		}
		pt := &model.Point{ID: tw.ID, Lon: tw.Lon, Lat: tw.Lat, Text: tw.Text, Time: t, Cluster: -1, Located: tw.Geo, Level: level}
		if p.opts.KeepText {
			pt.Place = tw.Place
		}
		pt.Tokens = tokens
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
func (p *Pipeline) Batch(b *window.Batch[*model.Point]) {
	p.batches++
	if p.model != nil {
		p.model.Train(b.Items, b.End)
	}
}

// Left implements window.Handler: the model forgets a batch that has left
// the window.
func (p *Pipeline) Left(b *window.Batch[*model.Point]) {
	if p.model != nil {
		p.model.Forget(b.Items)
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
func (p *Pipeline) Window(w *window.Window[*model.Point]) {
	if p.outErr != nil {
		return
	}
	p.windows++
	r := &model.Result{Start: w.Start, End: w.End}
	if now := p.opts.Now(); p.flushing && p.clock == ClockWall && now.Before(r.End) {
		// A live run's last window ends now, not at its slide to come.
		r.End = now.UTC().Truncate(time.Second)
	}
	r.Counts, r.Fresh = w.Counts()
	for _, b := range w.Batches {
		r.Points = append(r.Points, b.Items...)
	}
	if p.model != nil && len(r.Points) > 0 {
		r.Clusters = p.model.Assign(r.Points, r.End)
	}
	if p.opts.Events != nil && p.model != nil {
		r.Events = p.opts.Events.Observe(r) // an empty window too: events end
	}
	for _, o := range p.outputs {
		if err := o.Write(r); err != nil {
			p.outErr = err
			p.log.Error("writing output", "err", err)
			return
		}
	}
	if p.acks != nil {
		p.acks.done(w.Batches[len(w.Batches)-1].Index + 1)
	}
}
