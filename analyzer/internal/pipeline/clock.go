package pipeline

import (
	"cmp"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/wire"
)

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
