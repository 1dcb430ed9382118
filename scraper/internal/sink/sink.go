// Package sink is where the scraper's lines go, and the one loop that takes
// them there: from a source, through the pacer and the line format, to
// every sink in turn (a tee). The sinks live in subpackages, one per kind:
// server (the TCP fan-out), capture (files and stdout); a publisher to a
// message broker is one more.
//
// Forward owns what it is given: whatever ends the loop (the end of the
// input, an interrupt, a failing source or sink), it closes the source and
// every sink before it returns, so no listener or goroutine outlives it.
package sink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/tweet"
)

// Sink takes lines. A Sink is used by one goroutine (Forward's).
type Sink interface {
	// Send delivers l (l.Data must not be modified afterwards). It blocks
	// as the sink's policy says (a lossless server waits for its slowest
	// client) and returns ctx.Err() if ctx ends first.
	Send(ctx context.Context, l source.Line) error
	// Close writes out what the sink holds and releases it, giving up on
	// delivery when ctx ends.
	Close(ctx context.Context) error
}

// Line formats.
const (
	FormatRaw     = "raw"     // lines as the source sent them
	FormatCompact = "compact" // tweets as tweet.AppendCompact records; other lines as sent
)

// DefaultDrainTimeout is how long sinks may take to deliver what they hold
// after an interrupt or a failure (after the end of the input they take
// as long as they need: nothing is lost).
const DefaultDrainTimeout = 2 * time.Second

// Options configures Forward.
type Options struct {
	// Speed paces lines by their event time: 1 = the original pace, N = N
	// times faster, 0 = as fast as the sinks take them.
	Speed float64
	// Format is FormatRaw (or "") or FormatCompact.
	Format string
	// DrainTimeout bounds the sinks' Close after an interrupt or a failure
	// [DefaultDrainTimeout].
	DrainTimeout time.Duration
	// Now and Sleep are the pacer's clock; nil is the real one.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Validate checks the options.
func (o *Options) Validate() error {
	if o.Format != "" && o.Format != FormatRaw && o.Format != FormatCompact {
		return fmt.Errorf("sink: format must be %s or %s, not %q", FormatRaw, FormatCompact, o.Format)
	}
	if !(o.Speed >= 0) {
		return errors.New("sink: speed must be 0 (as fast as possible) or positive")
	}
	if o.DrainTimeout < 0 {
		return errors.New("sink: drain timeout must not be negative")
	}
	return nil
}

// Result is what Forward did.
type Result struct {
	Lines      uint64 // lines every sink accepted
	EndOfInput bool   // the source ended (rather than an interrupt or an error)
	// Unpaced counts the lines sent without waiting for their time, with
	// a Speed: dated far ahead of the stream, or behind it.
	Unpaced source.PacerStats
}

// Forward moves lines from src to every sink, in the order given, until src
// ends, ctx is cancelled or the source or a sink fails; then it closes src
// and every sink (see the package doc) and returns. An interrupt is not an
// error: Forward returns nil once the sinks are closed. Each line is decoded
// at most once, by whichever stage needs it first (see source.Line).
func Forward(ctx context.Context, src source.Source, sinks []Sink, opts Options) (res Result, err error) {
	if err := opts.Validate(); err != nil {
		return res, errors.Join(err, closeAll(context.Background(), src, sinks))
	}
	if opts.DrainTimeout == 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	defer func() {
		closeCtx := context.Background()
		if !res.EndOfInput {
			var cancel context.CancelFunc
			closeCtx, cancel = context.WithTimeout(closeCtx, opts.DrainTimeout)
			defer cancel()
		}
		err = errors.Join(err, closeAll(closeCtx, src, sinks))
	}()
	pacer := &source.Pacer{Speed: opts.Speed, Now: opts.Now, Sleep: opts.Sleep}
	defer func() { res.Unpaced = pacer.Stats() }()
	compact := opts.Format == FormatCompact
	var dec source.Decoder
	for {
		l, err := src.Next(ctx)
		switch {
		case errors.Is(err, source.ErrEndOfInput):
			res.EndOfInput = true
			return res, nil
		case err != nil && ctx.Err() != nil:
			return res, nil
		case err != nil:
			return res, err
		}
		if err := pacer.Wait(ctx, &l); err != nil {
			return res, nil // only an interrupt ends a wait
		}
		if compact {
			if tw := l.Decode(&dec); tw.Kind == tweet.KindTweet {
				l.Data = tweet.AppendCompact(make([]byte, 0, 256), tw)
			}
		}
		for _, s := range sinks {
			if err := s.Send(ctx, l); err != nil {
				if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
					return res, nil // the interrupt itself; Close says what was not delivered
				}
				return res, err
			}
		}
		res.Lines++
	}
}

// CloseAll closes every sink, giving up on delivery when ctx ends, and
// returns their errors joined. It is for the sinks made before a failure
// that keeps Forward from running.
func CloseAll(ctx context.Context, sinks ...Sink) error {
	return closeAll(ctx, nil, sinks)
}

func closeAll(ctx context.Context, src source.Source, sinks []Sink) error {
	var errs []error
	for _, s := range sinks {
		errs = append(errs, s.Close(ctx))
	}
	if src != nil {
		errs = append(errs, src.Close())
	}
	return errors.Join(errs...)
}
