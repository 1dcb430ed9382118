// Package capture is the sink that writes NDJSON captures: plain .jsonl
// files, gzip when the name ends in .gz, or standard output for "-".
//
// A capture is durable as it goes: what has been sent reaches the file
// within FlushInterval (gzip included, by a sync flush), so a capture cut
// short by a crash or SIGKILL reads up to its last flush, and a plain one
// can be followed with tail -f.
package capture

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geostream/geostream/scraper/internal/source"
)

// DefaultFlushInterval is how long a line may wait in memory at most.
const DefaultFlushInterval = time.Second

// bufferSize is the write buffer: large, since flushes are timed, not
// per line.
const bufferSize = 256 << 10

// Options configures a Writer.
type Options struct {
	// FlushInterval bounds how long a sent line may stay in memory before
	// it is written out [DefaultFlushInterval].
	FlushInterval time.Duration
	// Gzip compresses the capture. Create sets it from the name.
	Gzip bool
}

// Stats are a Writer's counters.
type Stats struct {
	Lines   uint64 // lines sent
	Flushes uint64 // flushes that wrote something
}

// Writer writes lines to a capture. Send is called from one goroutine; the
// Writer's own flusher goroutine, started by New and stopped by Close,
// writes out what is buffered every FlushInterval. The first write error
// sticks: Send and Close return it.
type Writer struct {
	name   string
	closer io.Closer // the file; nil when the Writer does not own its output

	mu    sync.Mutex // guards what follows against the flusher
	bw    *bufio.Writer
	zw    *gzip.Writer
	dirty bool  // written since the last flush
	err   error // first write error
	told  bool  // err has been returned by Send
	done  bool  // closed

	quit    chan struct{} // closed by Close: stop the flusher
	stopped chan struct{} // closed by the flusher on its way out
	once    sync.Once

	lines, flushes atomic.Uint64
}

// Create opens path for writing ("-" is stdout, left open at Close) and
// returns a Writer on it, compressing when path ends in .gz.
func Create(path string, stdout io.Writer, opts Options) (*Writer, error) {
	opts.Gzip = strings.HasSuffix(path, ".gz")
	if path == "-" {
		return New(stdout, "standard output", opts), nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating capture: %w", err)
	}
	w := New(f, path, opts)
	w.closer = f
	return w, nil
}

// New returns a Writer on out, named name in errors. Close flushes out but
// does not close it.
func New(out io.Writer, name string, opts Options) *Writer {
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	w := &Writer{name: name, quit: make(chan struct{}), stopped: make(chan struct{})}
	if opts.Gzip {
		w.zw = gzip.NewWriter(out)
		out = w.zw
	}
	w.bw = bufio.NewWriterSize(out, bufferSize)
	go w.flusher(opts.FlushInterval)
	return w
}

// flusher writes out what is buffered every interval until Close.
func (w *Writer) flusher(interval time.Duration) {
	defer close(w.stopped)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			w.mu.Lock()
			if w.dirty && w.err == nil {
				w.flushLocked()
			}
			w.mu.Unlock()
		case <-w.quit:
			return
		}
	}
}

// flushLocked writes the buffer through gzip (a sync flush, so a reader
// can decompress up to here) to the output; w.mu must be held.
func (w *Writer) flushLocked() {
	err := w.bw.Flush()
	if err == nil && w.zw != nil {
		err = w.zw.Flush()
	}
	w.dirty = false
	w.flushes.Add(1)
	if err != nil {
		w.err = fmt.Errorf("writing %s: %w", w.name, err)
	}
}

// Send writes l.Data and a newline. It does not block beyond the write
// itself; ctx is not consulted.
func (w *Writer) Send(_ context.Context, l source.Line) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		w.told = true
		return w.err
	}
	if w.done {
		return fmt.Errorf("writing %s: %w", w.name, os.ErrClosed)
	}
	w.bw.Write(l.Data)
	if err := w.bw.WriteByte('\n'); err != nil {
		w.err, w.told = fmt.Errorf("writing %s: %w", w.name, err), true
		return w.err
	}
	w.dirty = true
	w.lines.Add(1)
	return nil
}

// Close stops the flusher, writes out everything (the gzip trailer too)
// and closes the file. A capture closed without error is complete and
// replays line for line. Close returns a write error that Send has not
// returned already; it is safe to call more than once, and it does not
// block on ctx.
func (w *Writer) Close(_ context.Context) error {
	w.once.Do(func() {
		close(w.quit)
		<-w.stopped
		w.mu.Lock()
		defer w.mu.Unlock()
		w.done = true
		if w.err == nil {
			err := w.bw.Flush()
			if err == nil && w.zw != nil {
				err = w.zw.Close()
			}
			if err != nil {
				w.err = fmt.Errorf("closing %s: %w", w.name, err)
			}
		}
		if w.closer != nil {
			if err := w.closer.Close(); err != nil && w.err == nil {
				w.err = fmt.Errorf("closing %s: %w", w.name, err)
			}
		}
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.told {
		return nil
	}
	w.told = true
	return w.err
}

// Stats returns the counters so far.
func (w *Writer) Stats() Stats {
	return Stats{Lines: w.lines.Load(), Flushes: w.flushes.Load()}
}
