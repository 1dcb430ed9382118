// Package capture writes NDJSON captures: plain .jsonl files, gzip when the
// name ends in .gz, or standard output for "-".
package capture

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
)

// Writer writes lines to a capture. Close flushes everything and closes the
// file; a capture closed by Close is complete and replays line for line.
type Writer struct {
	f     io.WriteCloser
	bw    *bufio.Writer
	zw    *gzip.Writer
	name  string
	Lines uint64
}

// Create opens path for writing ("-" is stdout, kept open at Close).
func Create(path string, stdout io.Writer) (*Writer, error) {
	w := &Writer{name: path}
	if path == "-" {
		w.f = nopCloser{stdout}
	} else {
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("creating capture: %w", err)
		}
		w.f = f
	}
	var out io.Writer = w.f
	if strings.HasSuffix(path, ".gz") {
		w.zw = gzip.NewWriter(w.f)
		out = w.zw
	}
	w.bw = bufio.NewWriterSize(out, 256<<10)
	return w, nil
}

// WriteLine writes line and a newline.
func (w *Writer) WriteLine(line []byte) error {
	w.bw.Write(line)
	if err := w.bw.WriteByte('\n'); err != nil {
		return fmt.Errorf("writing %s: %w", w.name, err)
	}
	w.Lines++
	return nil
}

// Close flushes and closes the capture.
func (w *Writer) Close() error {
	err := w.bw.Flush()
	if w.zw != nil {
		if zerr := w.zw.Close(); err == nil {
			err = zerr
		}
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("closing %s: %w", w.name, err)
	}
	return nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
