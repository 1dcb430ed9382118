// Package replay is the source that reads recorded captures: NDJSON files,
// plain, gzip or bzip2 (sniffed from their first bytes), or standard input.
package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/field"
	"github.com/geostream/geostream/shared/tweet"
	"github.com/geostream/geostream/shared/wire"
)

// Options configures a Source.
type Options struct {
	Files   []string // paths; "-" is standard input
	Loop    bool     // start over after the last file
	MaxLine int      // longest line kept (wire.DefaultMaxLine if 0)
	Stdin   io.Reader
	Logger  *slog.Logger
}

// Validate checks the options before anything is opened.
func (o *Options) Validate() error {
	if len(o.Files) == 0 {
		return field.Errorf("Files", "are missing: give at least one capture")
	}
	for _, f := range o.Files {
		if f == "-" {
			if o.Loop {
				return field.Errorf("Loop", "cannot re-read standard input")
			}
			continue
		}
		st, err := os.Stat(f)
		if err != nil {
			return err // names the file
		}
		if st.IsDir() {
			return fmt.Errorf("%s is a directory, not a capture", f)
		}
	}
	return nil
}

// Source replays the files line by line. Next and Close are called from
// one goroutine; Stats from any.
type Source struct {
	opts Options
	log  *slog.Logger
	next int // index of the next file to open
	file io.Closer
	r    *wire.Reader
	name string
	// failed counts files in a row that could not be opened or read at all.
	failed int

	tooLong, readErrors, lines atomic.Uint64

	// The first lines of each file are read ahead until one is a tweet or
	// a notice; a file none of whose first checkLines lines is, is no
	// capture, and nothing of it is replayed.
	ahead []aheadLine
	dec   tweet.Decoder
}

type aheadLine struct {
	data    []byte
	tooLong bool
}

// checkLines is how many lines of a file may pass without a tweet or a
// stream notice before the file is refused as no capture.
const checkLines = 100

// Stats are the source's counters.
type Stats struct {
	Lines      uint64 // lines replayed
	TooLong    uint64 // lines skipped for length
	ReadErrors uint64 // files that could not be read, or were cut short
}

// Stats returns the counters so far; it may be called from any goroutine.
func (s *Source) Stats() Stats {
	return Stats{Lines: s.lines.Load(), TooLong: s.tooLong.Load(), ReadErrors: s.readErrors.Load()}
}

// NotCaptureError is a file whose first lines hold no tweet and no stream
// notice: an image, a log, the wrong file, or an empty one (Lines 0).
type NotCaptureError struct {
	File  string
	Lines int
}

func (e *NotCaptureError) Error() string {
	if e.Lines == 0 {
		return fmt.Sprintf("%s is empty: there is no line to replay", e.File)
	}
	return fmt.Sprintf("%s does not look like a capture: its first %d lines hold no tweet or stream notice", e.File, e.Lines)
}

// readAhead reads a new file's first lines until one is a tweet or a
// notice. It returns a NotCaptureError if none of the first checkLines is,
// or if the file has no line at all.
func (s *Source) readAhead() error {
	ahead, err := sniff(s.r, &s.dec, s.name)
	s.ahead = ahead
	return err
}

// sniff reads r's first lines until one is a tweet or a notice and returns
// them, or a NotCaptureError if none of the first checkLines is. A read
// error after some lines is left for the replay to meet.
func sniff(r *wire.Reader, dec *tweet.Decoder, name string) ([]aheadLine, error) {
	var ahead []aheadLine
	for len(ahead) < checkLines {
		line, err := r.Next()
		switch {
		case err == nil:
			ahead = append(ahead, aheadLine{data: append([]byte(nil), line...)})
			if len(line) == 0 {
				continue
			}
			if tw, _ := dec.Decode(line); tw.Kind != tweet.KindMalformed {
				return ahead, nil
			}
		case errors.Is(err, wire.ErrLineTooLong):
			ahead = append(ahead, aheadLine{tooLong: true})
		case err == io.EOF || len(ahead) > 0:
			return nil, &NotCaptureError{File: name, Lines: len(ahead)}
		default:
			return nil, fmt.Errorf("replay: reading %s: %w", name, err)
		}
	}
	return nil, &NotCaptureError{File: name, Lines: len(ahead)}
}

// Check opens the first file (standard input too) and reads its first
// lines, and reads the first lines of every other file but standard input,
// before anything is served: a file that is empty, unreadable or holds no
// tweet or notice among its first lines is refused at once (a
// NotCaptureError or a read error), not when a client has come for it.
// Next goes on from where Check left the first file.
func (s *Source) Check() error {
	if s.r != nil || s.next > 0 {
		return errors.New("replay: Check after Next")
	}
	for i, name := range s.opts.Files {
		if i == 0 {
			if err := s.open(); err != nil {
				return err
			}
			if s.r == nil {
				return fmt.Errorf("replay: %s cannot be read", name)
			}
			if err := s.readAhead(); err != nil {
				s.closeFile()
				return err
			}
			continue
		}
		if name != "-" {
			if err := checkFile(name, s.opts.MaxLine); err != nil {
				s.closeFile()
				return err
			}
		}
	}
	return nil
}

// checkFile reads the first lines of a capture that is not the first.
func checkFile(name string, maxLine int) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	r, err := wire.Decompress(f)
	if err != nil {
		return fmt.Errorf("replay: %s cannot be read: %w", name, err)
	}
	var dec tweet.Decoder
	_, err = sniff(wire.NewReader(r, maxLine), &dec, name)
	return err
}

// New returns a Source over opts.Files; call Options.Validate first.
func New(opts Options) *Source {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	return &Source{opts: opts, log: opts.Logger}
}

// Next returns the next line of the capture, opening the next file as each
// ends. A file that cannot be opened or is cut short (a truncated gzip) is
// logged and counted, and replay goes on with the next file.
func (s *Source) Next(ctx context.Context) (source.Line, error) {
	for {
		if err := ctx.Err(); err != nil {
			return source.Line{}, err
		}
		if s.r == nil {
			if err := s.open(); err != nil {
				return source.Line{}, err
			}
			if s.r != nil {
				var nc *NotCaptureError
				if err := s.readAhead(); errors.As(err, &nc) {
					return source.Line{}, err
				} else if err != nil {
					s.readErrors.Add(1)
					s.log.Error("cannot read capture; skipping it", "file", s.name, "err", err)
					s.closeFile()
				}
			}
			continue
		}
		var line []byte
		var err error
		ahead := len(s.ahead) > 0
		if ahead {
			a := s.ahead[0]
			s.ahead = s.ahead[1:]
			if line = a.data; a.tooLong {
				err = wire.ErrLineTooLong
			}
		} else {
			line, err = s.r.Next()
		}
		switch {
		case err == nil:
			s.lines.Add(1)
			if ahead {
				return source.Line{Data: line}, nil // already a copy
			}
			return source.Line{Data: append([]byte(nil), line...)}, nil
		case errors.Is(err, wire.ErrLineTooLong):
			if s.tooLong.Add(1) <= 10 {
				s.log.Warn("skipping over-long line", "file", s.name, "max", s.opts.MaxLine)
			}
		case err == io.EOF:
			s.closeFile()
		default:
			s.readErrors.Add(1)
			s.log.Error("capture cut short; going on with the next file", "file", s.name, "err", err)
			s.closeFile()
		}
	}
}

func (s *Source) open() error {
	if s.next >= len(s.opts.Files) {
		if !s.opts.Loop {
			return source.ErrEndOfInput
		}
		s.next = 0
	}
	name := s.opts.Files[s.next]
	s.next++
	var f io.ReadCloser
	if name == "-" {
		f = io.NopCloser(s.opts.Stdin)
	} else {
		var err error
		if f, err = os.Open(name); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
	}
	r, err := wire.Decompress(f)
	if err != nil {
		f.Close()
		s.readErrors.Add(1)
		s.log.Error("cannot read capture; skipping it", "file", name, "err", err)
		if s.failed++; s.opts.Loop && s.failed >= len(s.opts.Files) {
			return fmt.Errorf("replay: no file of the loop can be read (last: %s: %w)", name, err)
		}
		return nil
	}
	s.failed = 0
	s.file, s.name = f, name
	s.r = wire.NewReader(r, s.opts.MaxLine)
	s.log.Info("replaying", "file", name)
	return nil
}

func (s *Source) closeFile() {
	if s.file != nil {
		s.file.Close()
	}
	s.file, s.r = nil, nil
}

// Close closes the current file.
func (s *Source) Close() error {
	s.closeFile()
	return nil
}
