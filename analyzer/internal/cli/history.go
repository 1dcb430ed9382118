package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"

	"github.com/geostream/geostream/analyzer/internal/cluster"
	"github.com/geostream/geostream/analyzer/internal/events"
	"github.com/geostream/geostream/analyzer/internal/input"
	natsin "github.com/geostream/geostream/analyzer/internal/input/nats"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/output"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
	"github.com/geostream/geostream/analyzer/internal/render"
	"github.com/geostream/geostream/analyzer/internal/web"
	"github.com/geostream/geostream/shared/backoff"
)

// historyShare is the share of the time a rebuild of the stream's history
// may keep its pipeline busy: the live run has the rest, and its slides
// are not held up.
const historyShare = 0.5

// historyChunk is how many lines a rebuild reads between two pauses.
const historyChunk = 256

// historyModel returns how to build, for each rebuild, a model of its
// own with the run's model flags; it runs before the run's model is
// built (which adds --exclude's words to the options).
func (o *RunOptions) historyModel(flags *pflag.FlagSet) func() (*cluster.Model, error) {
	exclude := slices.Clone(o.Model.cluster.Exclude)
	return func() (*cluster.Model, error) {
		mo := o.Model
		mo.cluster.Exclude = slices.Clone(exclude)
		return mo.build(flags)
	}
}

// history is what a rebuild of the stream's history needs of the run,
// copied before the page is served (the run goes on changing its own).
type history struct {
	pipe     pipeline.Options
	maps     output.MapsOptions
	colour   bool // the run draws maps: the clusters have colours
	out      string
	consumer natsin.Options
	live     *atomic.Pointer[natsin.Consumer] // the run's, once reading
	newModel func() (*cluster.Model, error)
	events   eventOptions // the run's event flags: a rebuild finds its own
}

func (o *RunOptions) history() *history {
	return &history{pipe: o.Pipeline, maps: o.mapOpts, colour: o.Maps, out: o.Out, consumer: o.NATS.consumer,
		live: &o.NATS.reading, newModel: o.Live.newModel, events: o.Events}
}

// rebuild is the page's web.HistoryOptions.Rebuild with --nats: a
// consumer of its own (ephemeral: the live run's durable is never read
// nor acked by it) reads the stream from the time from up to the line the
// live run has reached, paced to historyShare of the time, through a
// pipeline and model of its own with the event clock. Its windows go to
// the page and to history/windows.ndjson in --out.
func (h *history) rebuild(ctx context.Context, from time.Time, page *web.HistoryOutput) error {
	live := h.live.Load()
	if live == nil || live.Last() == 0 {
		return errors.New("the live run has read nothing from the stream yet")
	}
	m, err := h.newModel()
	if err != nil {
		return err
	}
	log := h.pipe.Logger.With("history", true)
	co := h.consumer
	co.Durable, co.Once, co.StopAt, co.Logger = "", true, live.Last(), log
	co.Start, co.StartTime = natsin.StartTime, from
	src, err := natsin.Consume(ctx, co)
	if err != nil {
		return fmt.Errorf("reading the stream's history: %w", err)
	}
	defer src.Disconnect(context.Background())
	dir := filepath.Join(h.out, "history")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the history's directory: %w", err)
	}
	win := output.NewWindows(filepath.Join(dir, "windows.ndjson"))
	outs := []pipeline.Output{win}
	if h.colour {
		outs = append(outs, &colours{maps: h.maps})
	}
	po := h.pipe
	po.Events = nil                              // the live run's detector is the live run's alone
	po.Checkpoint = pipeline.CheckpointOptions{} // and so is its checkpoint
	if h.events.On {
		eo := events.DefaultOptions(po.Window.Slide, po.Window.Window)
		eo.MinPosts, eo.Sensitivity, eo.HalfLife, eo.Logger = h.events.MinPosts, h.events.Sensitivity, h.events.HalfLife, log
		d, err := events.New(eo)
		if err != nil {
			win.Close()
			return fmt.Errorf("finding the history's events: %w", err)
		}
		po.Events = d
	}
	po.Source = &pacedSource{Source: src, acker: src, share: historyShare, chunk: historyChunk, now: time.Now, sleep: backoff.Sleep}
	po.Capture, po.Clock, po.Logger, po.ExtraStats = false, pipeline.ClockEvent, log, nil
	return pipeline.New(po, m, append(outs, page)...).Run(ctx)
}

// colours gives a rebuilt window's clusters their colours as the map
// output does the live run's (model.Result.Colours), without drawing.
type colours struct {
	c    render.Colors
	maps output.MapsOptions
}

func (c *colours) Write(r *model.Result) error {
	f := output.NewFrame(r, c.maps.Box, c.maps.Width, c.maps.Height)
	f.MaxColored = c.maps.MaxColored
	c.c.Assign(f)
	r.Colours = f.Colors
	return nil
}

func (c *colours) Close() error { return nil }

// pacedSource hands a rebuild its lines at a share of the time: after each
// chunk it waits as long as the chunk took times (1-share)/share. The
// reader feeds the rebuild's whole pipeline, so the pipeline is busy
// about share of the time at most, and the live run gets the cores the
// rest of it.
type pacedSource struct {
	input.Source
	acker pipeline.Acker
	share float64
	chunk int
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	n     int
	begun time.Time
}

func (p *pacedSource) Next(ctx context.Context) (input.Line, error) {
	if p.n == 0 {
		p.begun = p.now()
	}
	if p.n++; p.n > p.chunk {
		busy := p.now().Sub(p.begun)
		if err := p.sleep(ctx, time.Duration(float64(busy)*(1-p.share)/p.share)); err != nil {
			return input.Line{}, err
		}
		p.n, p.begun = 1, p.now()
	}
	return p.Source.Next(ctx)
}

// Ack implements pipeline.Acker: the rebuild's own consumer is acked.
func (p *pacedSource) Ack(seq uint64) { p.acker.Ack(seq) }
