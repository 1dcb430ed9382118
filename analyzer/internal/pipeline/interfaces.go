package pipeline

import (
	"context"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

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

// Acker is a Source that wants to know which of its lines the pipeline is
// done with, so that it can let go of them: a NATS consumer acks them, and
// an analyzer that is stopped or killed is sent again, when it resumes,
// the lines it had not finished with, and only those.
//
// A line is done once the batch it went into has been trained on and the
// window of the slide that ends that batch's slide has been written by
// every output (a slide of empty batches, which holds no line, writes no
// window). Ack(seq) says that every line numbered seq or below
// (input.Line.Seq) is done; seq only grows from call to call. Ack runs in
// the pipeline's goroutine and should not block; it may come after the
// source's Close, for the windows flushed at the end of the run.
type Acker interface {
	Ack(seq uint64)
}
