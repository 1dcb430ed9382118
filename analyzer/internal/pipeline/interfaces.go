package pipeline

import (
	"context"
	"io"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

// Model is what the pipeline trains on every batch and asks at every slide.
// A nil Model makes a counting-only pipeline.
type Model interface {
	// Prepare fills p's features (and Tokens, if the reader did not); it
	// runs once per point. p.Text() is there when Tokens is nil, or with
	// Options.KeepText: a Tokenizer's points have their words instead.
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
// in the reader's goroutine on every post, appending the words to dst (a
// slice it reuses), and Prepare then finds the point's words set if it has
// any (model.Point.Tokenized). A post with no place is clustered by its
// words, if it has any; without a Tokenizer, only posts with a place are.
type Tokenizer interface {
	Tokenize(dst []string, tw *tweet.Tweet) []string
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

// Acker is a Source that wants to know which of its lines the pipeline is
// done with, so that it can let go of them: a NATS consumer acks them, and
// an analyzer that is stopped or killed is sent again, when it resumes,
// the lines it had not finished with, and only those.
//
// A line is done once the batch it went into has been trained on and the
// window of the slide that ends that batch's slide has been written by
// every output (a slide of empty batches, which holds no line, writes no
// window). With a checkpoint (Options.Checkpoint), a line is done once
// the checkpoint that covers it is written, and the windows flushed when
// the run is stopped are not acked: a restart writes them again, whole.
// Ack(seq) says that every line numbered seq or below (input.Line.Seq) is
// done; seq only grows from call to call. Ack runs in the pipeline's
// goroutine and should not block; it may come after the source's Close,
// for the windows flushed at the end of the input.
type Acker interface {
	Ack(seq uint64)
}

// Stater is a Model whose state a checkpoint holds (see checkpoint.go).
// Stateful says whether this one can, or why not (a model that wraps
// algorithms may hold one that cannot). SaveState writes the state after
// a window; LoadState, on a model fresh from its constructor with the
// same options, reads it back before the first line. held are the batches
// the model was trained on and has not forgotten (the window's closed
// batches, the empty ones left out), oldest first, as the checkpoint gives
// them back. A model that is no Stater, or not Stateful, keeps no
// checkpoint: a restart starts over.
type Stater interface {
	Stateful() error
	SaveState(w io.Writer) error
	LoadState(r io.Reader, held [][]*model.Point) error
}

// OutputStater is an Output, or the Detector (Options.Events), with state
// of its own that a checkpoint holds (an event detector's ids and rates):
// SaveState runs after every window that is checkpointed, LoadState
// before the first window of a run that resumes. A Detector that is not
// one keeps the run from checkpoints: a restart starts over.
type OutputStater interface {
	SaveState(w io.Writer) error
	LoadState(r io.Reader) error
}

// ChangeStater is an OutputStater whose state is large and changes little
// from one window to the next (an event detector's count sketches). A
// checkpoint writes it whole now and then, to a state file beside the
// checkpoint, and at the checkpoints in between appends to that file only
// what changed: SaveChanges writes what changed since the last SaveState
// or SaveChanges. A run that resumes calls LoadState with the whole
// state, then LoadChanges with each record of changes after it, in the
// order they were saved.
type ChangeStater interface {
	OutputStater
	SaveChanges(w io.Writer) error
	LoadChanges(r io.Reader) error
}

// Resumer is an Output whose files a checkpoint covers (windows.ndjson,
// the assignments). Mark runs after a window, when the checkpoint is
// written: it flushes the files and says how far they go. Resume runs
// before the first Write of a run that resumes: it cuts the files back to
// a mark, dropping what was written after the checkpoint, and has Write
// append from there.
type Resumer interface {
	Mark() (int64, error)
	Resume(mark int64) error
}
