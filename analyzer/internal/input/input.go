// Package input is where the analyzer's lines come from: a capture file or
// standard input (OpenFile), or a scraper's socket, with its handshake,
// its hello line and reconnects (Dial). Both are a Source, so the stream
// package decodes whatever feeds it; a NATS consumer is one more Source.
//
// A Source is used from one goroutine, its owner's; Close may be called
// from another to stop a blocked Next.
package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/geostream/geostream/shared/wire"
)

// Line is one input line without its line ending.
type Line struct {
	// Data is valid until the next call to Next.
	Data []byte
	// TooLong is set for a line over the length limit: it was skipped and
	// Data is empty.
	TooLong bool
	// Arrival is when the line was read.
	Arrival time.Time
	// Hello is set on the first line of each connection to a scraper that
	// greeted: what it said it serves.
	Hello *wire.Hello
	// Seq numbers the line in a source that numbers its lines (a NATS
	// stream's sequence), rising from line to line; 0 otherwise. A source
	// that numbers lines numbers all of them.
	Seq uint64
}

// Source yields lines in order.
type Source interface {
	// Next returns the next line, io.EOF at the end of the input, or
	// ctx.Err() once ctx ends.
	Next(ctx context.Context) (Line, error)
	// Buffered reports whether Next would return without waiting.
	Buffered() bool
	// Close releases the source; a Next blocked in another goroutine
	// returns.
	Close() error
}

// file is a Source over a reader that ends.
type file struct {
	r      *wire.Reader
	closer io.Closer
	now    func() time.Time
	name   string
}

// OpenFile opens a capture (plain, gzip or bzip2, whatever its name; "-"
// is stdin) as a Source; lines over maxLine bytes are skipped and
// reported as TooLong. now stamps arrivals (nil: time.Now).
func OpenFile(path string, stdin io.Reader, maxLine int, now func() time.Time) (Source, error) {
	if now == nil {
		now = time.Now
	}
	var r io.Reader = stdin
	var c io.Closer = io.NopCloser(nil)
	name := "standard input"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		r, c, name = f, f, path
	}
	dr, err := wire.Decompress(r)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return &file{r: wire.NewReader(dr, maxLine), closer: c, now: now, name: name}, nil
}

func (f *file) Next(ctx context.Context) (Line, error) {
	if err := ctx.Err(); err != nil {
		return Line{}, err
	}
	data, err := f.r.Next()
	switch {
	case err == nil:
		return Line{Data: data, Arrival: f.now()}, nil
	case errors.Is(err, wire.ErrLineTooLong):
		return Line{TooLong: true, Arrival: f.now()}, nil
	case err == io.EOF:
		return Line{}, io.EOF
	default:
		return Line{}, fmt.Errorf("reading %s: %w", f.name, err)
	}
}

func (f *file) Buffered() bool { return f.r.Buffered() > 0 }

func (f *file) Close() error { return f.closer.Close() }
