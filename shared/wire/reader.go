package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// DefaultMaxLine is the longest line a Reader returns unless told otherwise.
const DefaultMaxLine = 1 << 20

// ErrLineTooLong is returned by Reader.Next for a line longer than the limit.
// The line has been skipped; the next call reads the line after it.
var ErrLineTooLong = errors.New("wire: line too long")

// Reader splits a stream into lines ending in "\n" or "\r\n". Unlike
// bufio.Scanner it survives an over-long line: the line is skipped, Next
// reports ErrLineTooLong once, and reading goes on.
type Reader struct {
	r   *bufio.Reader
	max int
	buf []byte
	// Unterminated is set when the line Next just returned ended at the end
	// of the stream without a newline: a network stream cut mid-line.
	Unterminated bool
}

// NewReader returns a Reader over r that returns lines of at most max bytes
// (DefaultMaxLine if max <= 0).
func NewReader(r io.Reader, max int) *Reader {
	if max <= 0 {
		max = DefaultMaxLine
	}
	size := 64 << 10
	if max < size {
		size = max + 2
		if size < 16 {
			size = 16
		}
	}
	return &Reader{r: bufio.NewReaderSize(r, size), max: max}
}

// Next returns the next line without its line ending. The slice is valid
// until the following call. At the end of the stream it returns io.EOF; a
// final line without a newline is returned first. Other read errors are
// returned as they come.
func (r *Reader) Next() ([]byte, error) {
	line, err := r.r.ReadSlice('\n')
	if err == nil || (err == io.EOF && len(line) > 0) {
		return r.whole(line)
	}
	if err != bufio.ErrBufferFull {
		return nil, err
	}
	// A long line: gather it, or skip it once it passes the limit.
	r.buf = append(r.buf[:0], line...)
	for {
		line, err = r.r.ReadSlice('\n')
		if len(r.buf)+len(line) > r.max+2 {
			return nil, r.skip(err)
		}
		r.buf = append(r.buf, line...)
		switch err {
		case nil, io.EOF:
			return r.whole(r.buf)
		case bufio.ErrBufferFull:
			continue
		default:
			return nil, err
		}
	}
}

// whole returns a complete line, or ErrLineTooLong if it is over the limit.
func (r *Reader) whole(line []byte) ([]byte, error) {
	r.Unterminated = len(line) == 0 || line[len(line)-1] != '\n'
	line = trimEOL(line)
	if len(line) > r.max {
		return nil, ErrLineTooLong
	}
	return line, nil
}

// skip discards the rest of an over-long line.
func (r *Reader) skip(err error) error {
	r.buf = r.buf[:0]
	for err == bufio.ErrBufferFull {
		_, err = r.r.ReadSlice('\n')
	}
	if err == nil || err == io.EOF {
		return ErrLineTooLong
	}
	return err
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// Buffered reports how many bytes are already read and waiting; when it is
// zero the next Next may block on the underlying reader.
func (r *Reader) Buffered() int { return r.r.Buffered() }
