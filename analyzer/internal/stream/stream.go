// Package stream decodes the analyzer's input lines, whatever Source they
// come from, into chunks of tweets for the pipeline. Read blocks until
// its input ends or its context is cancelled; the caller owns the goroutine
// it runs in and the channel it sends on (which it never closes).
package stream

import (
	"context"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/shared/tweet"
	"github.com/geostream/geostream/shared/wire"
)

// DefaultChunk is the most lines a chunk holds unless told otherwise.
const DefaultChunk = 512

// TooLong is the Notice of a Lines entry standing for a line that was over
// the length limit (its Kind is KindMalformed).
const TooLong = "too_long"

// Chunk is a run of decoded lines in input order: tweets, notices and
// malformed lines (Kind tells them apart). Arrival is when its last line
// was read.
type Chunk struct {
	Lines []tweet.Tweet
	// Words is filled by the Stage, index for index with Lines: each
	// line's id and words, packed as the pipeline keeps them
	// (model.PackPost), or "" for a line without words.
	Words   []string
	Arrival time.Time
	// Hello is what the scraper said it serves, on the first chunk of
	// each connection to one that greeted.
	Hello *wire.Hello
	// Seqs are the lines' input.Line.Seq, index for index with Lines, if
	// the source numbers its lines (nil otherwise).
	Seqs []uint64
}

// Options configures Read.
type Options struct {
	// Chunk is the most lines a chunk holds [DefaultChunk].
	Chunk int
	// Stage, if set, runs on every chunk in Read's goroutine before it is
	// sent: the pipeline's own work that is better done beside decoding
	// (placing tweets, tokenizing), to balance the cores.
	Stage func(*Chunk)
}

// Read decodes lines from src into chunks on out until src ends (nil
// error), fails, or ctx ends (ctx.Err()). A chunk is sent when it is full,
// when no more input is buffered, so that a slow stream is not held back,
// or before a new connection's hello. It returns the number of lines read,
// keep-alives included.
func Read(ctx context.Context, src input.Source, opts Options, out chan<- Chunk) (int, error) {
	if opts.Chunk <= 0 {
		opts.Chunk = DefaultChunk
	}
	var dec tweet.Decoder
	var lines int
	c := Chunk{Lines: make([]tweet.Tweet, 0, opts.Chunk)}
	var seqs []uint64 // c.Seqs's buffer, reused as c.Lines's is
	send := func() error {
		if len(c.Lines) == 0 && c.Hello == nil {
			return nil
		}
		// A live stream sends a chunk whenever its input runs dry: a few
		// lines at a time. Those are sent in a slice of their size and the
		// chunk's buffer is used again; only a full chunk takes its
		// buffer along.
		lines := c.Lines
		if len(c.Lines) < cap(c.Lines) {
			c.Lines = slices.Clone(lines)
		}
		if c.Seqs != nil && len(c.Seqs) < cap(c.Seqs) {
			seqs, c.Seqs = c.Seqs, slices.Clone(c.Seqs)
		}
		if opts.Stage != nil {
			opts.Stage(&c)
		}
		select {
		case out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		if len(lines) < cap(lines) {
			clear(lines) // the strings it held belong to the chunk sent
			lines = lines[:0]
		} else {
			lines = make([]tweet.Tweet, 0, opts.Chunk)
		}
		c = Chunk{Lines: lines}
		return nil
	}
	for {
		l, err := src.Next(ctx)
		if err != nil {
			serr := send()
			switch {
			case errors.Is(err, io.EOF):
				return lines, serr
			case serr != nil:
				return lines, serr
			}
			return lines, err
		}
		lines++
		if l.Hello != nil && len(c.Lines) > 0 {
			if err := send(); err != nil {
				return lines, err
			}
		}
		if l.Hello != nil {
			c.Hello = l.Hello
		}
		c.Arrival = l.Arrival
		switch {
		case l.TooLong:
			c.Lines = append(c.Lines, tweet.Tweet{Kind: tweet.KindMalformed, Notice: TooLong})
		case len(l.Data) == 0:
			// a keep-alive
		default:
			tw, _ := dec.Decode(l.Data) // Kind says what it was
			c.Lines = append(c.Lines, tw)
		}
		if l.Seq != 0 && (l.TooLong || len(l.Data) > 0) {
			if c.Seqs == nil {
				c.Seqs, seqs = seqs[:0], nil
				if c.Seqs == nil {
					c.Seqs = make([]uint64, 0, opts.Chunk)
				}
			}
			c.Seqs = append(c.Seqs, l.Seq)
		}
		if len(c.Lines) >= opts.Chunk || !src.Buffered() {
			if err := send(); err != nil {
				return lines, err
			}
		}
	}
}
