package wire

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
)

// Decompress returns a reader of r's content, unwrapping gzip or bzip2 when
// the first bytes say so (whatever the file is called). Plain input passes
// through. The returned reader is buffered.
func Decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	head, err := br.Peek(3)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading input: %w", err)
	}
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("opening gzip stream: %w", err)
		}
		zr.Multistream(true)
		return zr, nil
	case bytes.Equal(head, []byte("BZh")):
		return bzip2.NewReader(br), nil
	}
	return br, nil
}
