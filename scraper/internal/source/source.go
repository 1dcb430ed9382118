// Package source defines where the scraper's lines come from: a live
// network (the X API in xapi, Bluesky's Jetstream in bluesky, a Mastodon
// instance in mastodon, the last two over wsfeed), a recorded capture
// (replay), or the synthetic generator (synth). Each implementation lives
// in its own package; this one holds the contract, the filter by language
// and words of the sources that carry everything (Bluesky, Mastodon), and
// the pacing that replays event time at a chosen speed.
package source

import (
	"context"
	"errors"
	"time"

	"github.com/geostream/geostream/shared/backoff"
	"github.com/geostream/geostream/shared/tweet"
)

// ErrEndOfInput is returned by Next when a finite source has no more lines.
var ErrEndOfInput = errors.New("source: end of input")

// Line is one line of a source, without its newline, on its way to the
// sinks. Data is owned by the receiver and must not be modified once it has
// been sent. Time is the line's event time if the source knows it without
// decoding (zero otherwise).
//
// Tweet is Data decoded, set by whoever decoded it first (a source's own
// filter, the pacer, the compact format) so that a line is decoded at most
// once on its way; nil until then. Decode fills it. It points into the
// Decoder that decoded it and is valid until that Decoder decodes another
// line: a sink reads it during Send and keeps no pointer to it (its fields,
// strings, may be kept).
type Line struct {
	Data  []byte
	Time  time.Time
	Tweet *tweet.Tweet
}

// Decoder decodes lines for Line.Decode. It reuses one Tweet, so that
// decoding costs no allocation beyond the strings; each stage that decodes
// (a source, the pacer, the forwarding loop) has its own. The zero value is
// ready to use; it is not safe for concurrent use.
type Decoder struct {
	dec tweet.Decoder
	tw  tweet.Tweet
}

// Decode returns the line decoded, decoding Data with d only if no one has
// yet. A line that is not understood decodes to a Tweet of
// tweet.KindMalformed.
func (l *Line) Decode(d *Decoder) *tweet.Tweet {
	if l.Tweet == nil {
		d.tw, _ = d.dec.Decode(l.Data) // the Kind says what went wrong
		l.Tweet = &d.tw
	}
	return l.Tweet
}

// Source yields lines until it ends (ErrEndOfInput) or ctx is cancelled
// (ctx.Err()). Close releases what it holds.
type Source interface {
	Next(ctx context.Context) (Line, error)
	Close() error
}

// DefaultMaxLead is how far a line's time may be from the newest time
// paced so far, either way, before the Pacer takes it for a wrong clock
// rather than the stream's: a post dated minutes ahead by its author's
// device, or a notice of long ago. A stream with longer quiet spells than
// this has the first line after each one sent early (see Pacer).
const DefaultMaxLead = time.Minute

// Pacer delays lines so that their event times are replayed at Speed times
// the original pace (Speed 0: no delay). The first timed line sets the
// origin; lines without a time go at once.
//
// A replay never waits on one line's clock: a line earlier than the
// newest time paced so far goes at once (lines of a live capture are not
// in exact time order), and so does one more than MaxLead after it,
// without moving the pace. Only when the next line is also that far from
// the newest, and within MaxLead of the first, has the stream itself moved
// there: ahead (a quiet spell in the capture), the next line waits for its
// time as usual; behind (the newest was the wrong one), the pace starts
// again from it.
type Pacer struct {
	Speed float64
	// MaxLead is how far from the newest time a line's may be and still
	// be paced [DefaultMaxLead].
	MaxLead time.Duration
	// Now and Sleep default to the real clock; tests replace them.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	dec        Decoder
	t0, wall0  time.Time
	started    bool
	newestTime time.Time
	jump       time.Time // the last line's time if it was far from newestTime, else zero
	stats      PacerStats
}

// PacerStats counts the lines a Pacer sent without waiting for their time.
type PacerStats struct {
	Ahead  uint64 // more than MaxLead after the newest time paced, and not followed by the stream
	Behind uint64 // earlier than the newest time paced
}

// Stats returns the counters so far; the Pacer's goroutine reads them.
func (p *Pacer) Stats() PacerStats { return p.stats }

// Wait blocks until l is due. If l.Time is zero it takes the time from the
// tweet's created_at, decoding l (once: see Line.Decode) if need be.
func (p *Pacer) Wait(ctx context.Context, l *Line) error {
	if p.Speed <= 0 {
		return nil
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Sleep == nil {
		p.Sleep = Sleep
	}
	lead := p.MaxLead
	if lead <= 0 {
		lead = DefaultMaxLead
	}
	t := l.Time
	if t.IsZero() {
		t = l.Decode(&p.dec).CreatedAt
	}
	if t.IsZero() {
		return nil
	}
	if !p.started {
		p.started, p.t0, p.wall0, p.newestTime = true, t, p.Now(), t
		return nil
	}
	if d := t.Sub(p.newestTime); d > lead || d < -lead {
		if p.jump.IsZero() || absDuration(t.Sub(p.jump)) > lead {
			p.jump = t // one line's clock: it goes at once
			if d > 0 {
				p.stats.Ahead++
			} else {
				p.stats.Behind++
			}
			return nil
		}
		p.jump = time.Time{} // two lines in a row: the stream is there
		if d < 0 {
			p.t0, p.wall0, p.newestTime = t, p.Now(), t
			p.stats.Behind++
			return nil
		}
	} else {
		p.jump = time.Time{}
	}
	if !t.After(p.newestTime) {
		if t.Before(p.newestTime) {
			p.stats.Behind++
		}
		return nil
	}
	p.newestTime = t
	due := p.wall0.Add(time.Duration(float64(t.Sub(p.t0)) / p.Speed))
	if d := due.Sub(p.Now()); d > 0 {
		return p.Sleep(ctx, d)
	}
	return nil
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// Sleep waits for d or until ctx ends (returning ctx.Err()): the real
// clock that sources wait on unless a test replaces it.
func Sleep(ctx context.Context, d time.Duration) error { return backoff.Sleep(ctx, d) }
