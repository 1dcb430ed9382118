// Package pipeline wires the analyzer's stages: a reader goroutine decodes
// the input's lines into chunks and, beside decoding, places and tokenizes
// tweets (the pipeline's prepare stage); the Run goroutine cuts them into
// batches and windows, trains the model on every batch and, at every
// slide, summarizes the window and hands it to the outputs. Only this
// package starts goroutines, and Run waits for all of them before it
// returns.
//
// By concern: pipeline.go holds the options and the Pipeline; run.go the
// goroutines' wiring (Run); clock.go the choice of clock and the lines
// that come before the first dated one; chunk.go turns a chunk's lines
// into counts and points; handlers.go the window's handlers (a batch
// trained on, forgotten, a window written); interfaces.go every interface
// the pipeline asks of its model, source and outputs, optional ones
// included; ack.go which lines are done.
package pipeline

import (
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
	// Checkpoint says where the pipeline saves its state and resumes
	// from; its zero value keeps no checkpoint.
	Checkpoint CheckpointOptions
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
	tokenize func([]string, *tweet.Tweet) []string

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

	// done is how far the input has been fed in; resumeSeq and skipLines
	// the lines a resumed run skips (checkpoint.go). noState is a model
	// that keeps no checkpoint; final an input that ended by itself.
	done      doneLines
	resumeSeq uint64
	skipLines int64
	resumed   bool
	noState   bool
	final     bool
	// ckptFiles and ckptBuf are kept from checkpoint to checkpoint: where
	// the closed batches are, and the checkpoint's buffer while it is
	// small (keepBuffer).
	ckptFiles batchFiles
	ckptBuf   []byte
	// stateFiles are the state files of the ChangeStaters, in the order
	// of outputStaters.
	stateFiles []stateFile
	// lastCheckpoint is when the last checkpoint was written (wall clock).
	lastCheckpoint time.Time

	// spent is the time the pipeline's goroutine has spent in each stage,
	// by watch (readMark).
	spent Spent
	watch func() mark

	mu   sync.Mutex // guards snap, read by Stats from other goroutines
	snap Stats
}

// Stats are the pipeline's running totals.
type Stats struct {
	Counts           model.Counts
	Batches, Windows int
	Spent            Spent
}

// Spent is the CPU time the pipeline's goroutine has spent in each stage
// of its windows: the model (training on batches, forgetting them and
// assigning windows, without the CPU of the model's own goroutines), the
// event detector, the outputs, and the checkpoints. It is read from the
// thread's CPU clock where the system has one (Linux), so that a busy
// machine's other work is not counted; an interval in which the
// goroutine changed threads, or without that clock, is timed by the wall
// clock.
type Spent struct {
	Model, Events, Outputs, Checkpoints time.Duration
}

// mark is a reading of the pipeline's stopwatch: the wall clock, and the
// CPU clock of the thread read on (tid 0: none).
type mark struct {
	wall time.Time
	cpu  time.Duration
	tid  int
}

// readMark reads the stopwatch.
func readMark() mark {
	m := mark{wall: time.Now()}
	m.cpu, m.tid = threadClock()
	return m
}

// stage adds the time since start to *d and returns the mark of now.
func (p *Pipeline) stage(d *time.Duration, start mark) mark {
	now := p.watch()
	if now.tid != 0 && now.tid == start.tid {
		*d += now.cpu - start.cpu
	} else {
		*d += now.wall.Sub(start.wall)
	}
	return now
}

// Stats returns a copy of the totals; safe to call from any goroutine.
func (p *Pipeline) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snap
}

func (p *Pipeline) publish() {
	p.mu.Lock()
	p.snap = Stats{Counts: p.total, Batches: p.batches, Windows: p.windows, Spent: p.spent}
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
		watch:   readMark,
	}
	if t, ok := m.(Tokenizer); ok {
		p.tokenize = t.Tokenize
	}
	if p.clock == ClockAuto && opts.Capture {
		p.clock = ClockEvent
	}
	return p
}
