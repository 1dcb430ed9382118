package pipeline

import (
	"runtime"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/window"
)

// Batch implements window.Handler: train on every closed batch.
func (p *Pipeline) Batch(b *window.Batch[*model.Point]) {
	p.batches++
	if p.model != nil {
		defer p.stage(&p.spent.Model, p.watch())
		p.model.Train(b.Items, b.End)
	}
}

// Left implements window.Handler: the model forgets a batch that has left
// the window.
func (p *Pipeline) Left(b *window.Batch[*model.Point]) {
	if p.model != nil {
		defer p.stage(&p.spent.Model, p.watch())
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
		r.Partial = true
	}
	if p.flushing && p.clock != ClockWall && p.maxEvent.Before(r.End) {
		r.Partial = true // the input ended before the window's span did
	}
	r.Counts, r.Fresh = w.Counts()
	n := 0
	for _, b := range w.Batches {
		n += len(b.Items)
	}
	r.Points = make([]*model.Point, 0, n)
	for _, b := range w.Batches {
		r.Points = append(r.Points, b.Items...)
	}
	// The stages are timed by the thread's CPU clock, which holds only
	// while the goroutine stays on one thread: the scheduler moves it
	// after a preemption, and a stage it moved is timed by the wall clock,
	// its time off the CPU included (2 of the 130 windows of five runs of
	// BenchmarkIngest's capture, by 7.6 and 22.6 ms).
	runtime.LockOSThread()
	start := p.watch()
	if p.model != nil && len(r.Points) > 0 {
		r.Clusters = p.model.Assign(r.Points, r.End)
		start = p.stage(&p.spent.Model, start)
	}
	if p.opts.Events != nil && p.model != nil {
		r.Events = p.opts.Events.Observe(r) // an empty window too: events end
		start = p.stage(&p.spent.Events, start)
	}
	runtime.UnlockOSThread()
	for _, o := range p.outputs {
		if err := o.Write(r); err != nil {
			p.outErr = err
			p.log.Error("writing output", "err", err)
			return
		}
	}
	start = p.stage(&p.spent.Outputs, start)
	saved := false
	if p.checkpointing() && !p.flushing && p.checkpointDue() {
		err := p.saveCheckpoint()
		p.stage(&p.spent.Checkpoints, start)
		if err != nil {
			p.outErr = err
			p.log.Error("writing the checkpoint", "err", err)
			return
		}
		saved = true
	}
	// A window flushed because the run was stopped, or one too soon after
	// the last checkpoint, is not in a checkpoint: its lines are sent
	// again to the run that resumes, so they are acked with the next.
	if p.acks != nil && (saved || p.final || !p.checkpointing()) {
		p.acks.done(w.Batches[len(w.Batches)-1].Index + 1)
	}
}
