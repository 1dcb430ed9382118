package pipeline

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/geostream/geostream/analyzer/internal/geocode"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/stream"
	"github.com/geostream/geostream/shared/field"
	"github.com/geostream/geostream/shared/tweet"
)

// prepare is the stage that runs beside decoding, in the reader's
// goroutine: it places each tweet by the Locate policy, tokenizes it and
// packs its id and words as the point keeps them.
func (p *Pipeline) prepare(locate func(*tweet.Tweet)) func(*stream.Chunk) {
	return func(c *stream.Chunk) {
		var toks []string
		if p.tokenize != nil {
			c.Words = make([]string, len(c.Lines))
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
				if toks = p.tokenize(toks[:0], tw); len(toks) > 0 {
					c.Words[i] = model.PackPost(tw.ID, toks)
				}
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
	if err == nil {
		err = p.resume()
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
	p.final = err == nil && ctx.Err() == nil
	p.placeEarly(time.Time{}) // no tweet with a time came: at their arrival
	p.slider.Flush(p)
	for _, o := range p.outputs {
		if cerr := o.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	runners.Wait()
	if p.final && p.checkpointing() && p.outErr == nil {
		if rerr := p.removeCheckpoint(); rerr != nil && err == nil {
			err = rerr
		}
	}
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
	if p.windows > 0 {
		ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e5) / 10 }
		args = append(args, "ms_model", ms(p.spent.Model), "ms_events", ms(p.spent.Events),
			"ms_outputs", ms(p.spent.Outputs), "ms_checkpoints", ms(p.spent.Checkpoints))
	}
	if p.opts.ExtraStats != nil {
		args = append(args, p.opts.ExtraStats()...)
	}
	p.log.Info(msg, args...)
}
