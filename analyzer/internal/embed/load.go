package embed

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/geostream/geostream/shared/wire"
)

// Limits on what a file may claim, so a corrupt header cannot exhaust memory.
const (
	MaxDim   = 4096
	MaxWords = 50_000_000
	maxWord  = 1000
)

// ErrFormat is wrapped by every error about a file's content.
var ErrFormat = errors.New("embed: bad embeddings file")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// Load reads an embeddings file (see Read).
func Load(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	defer f.Close()
	t, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Read reads word vectors in any of the supported layouts, gzipped or not:
// word2vec binary ("V D\n" then per word "word " and D little-endian
// float32s), word2vec text and fastText .vec ("V D\n" then "word x1 ... xD"
// lines), and GloVe (the same lines without a header).
func Read(r io.Reader) (*Table, error) {
	dr, err := wire.Decompress(r)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(dr, 1<<20)
	first, err := br.ReadString('\n')
	if err != nil && (err != io.EOF || first == "") {
		if err == io.EOF {
			return nil, formatErr("empty file")
		}
		return nil, err
	}
	fields := strings.Fields(first)
	if len(fields) == 2 {
		v, err1 := strconv.Atoi(fields[0])
		d, err2 := strconv.Atoi(fields[1])
		if err1 == nil && err2 == nil {
			if v < 0 || v > MaxWords || d <= 0 || d > MaxDim {
				return nil, formatErr("header claims %d words of dimension %d", v, d)
			}
			peek, _ := br.Peek(min(4096, br.Buffered()+4096))
			if looksBinary(peek) {
				return readBinary(br, v, d)
			}
			t := &Table{D: d, Vectors: make(map[string][]float32, min(v, 1<<20))}
			return t, readText(br, t, v)
		}
	}
	// GloVe: no header; the first line sets the dimension.
	t := &Table{D: len(fields) - 1, Vectors: map[string][]float32{}}
	if t.D <= 0 || t.D > MaxDim {
		return nil, formatErr("first line has %d values", t.D)
	}
	if err := t.addLine(first, 1); err != nil {
		return nil, err
	}
	return t, readText(br, t, -1)
}

// looksBinary reports whether b holds bytes that text vectors never have.
func looksBinary(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c >= 0x7f {
			return true
		}
	}
	return false
}

func (t *Table) addLine(line string, n int) error {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil
	}
	if len(fields) != t.D+1 {
		return formatErr("line %d has %d values, want %d", n, len(fields)-1, t.D)
	}
	v := make([]float32, t.D)
	for i, f := range fields[1:] {
		x, err := strconv.ParseFloat(f, 32)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return formatErr("line %d: value %q is not a finite number", n, f)
		}
		v[i] = float32(x)
	}
	t.Vectors[fields[0]] = v
	return nil
}

func readText(br *bufio.Reader, t *Table, want int) error {
	n := 1
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			n++
			if err := t.addLine(line, n); err != nil {
				return err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if want >= 0 && len(t.Vectors) != want {
		return formatErr("header promises %d words, file has %d", want, len(t.Vectors))
	}
	return nil
}

func readBinary(br *bufio.Reader, v, d int) (*Table, error) {
	t := &Table{D: d, Vectors: make(map[string][]float32, min(v, 1<<20))}
	raw := make([]byte, 4*d)
	for i := 0; i < v; i++ {
		word, err := br.ReadSlice(' ')
		if err != nil {
			return nil, formatErr("word %d of %d: %v", i+1, v, err)
		}
		word = bytes.TrimLeft(word[:len(word)-1], "\n")
		if len(word) == 0 || len(word) > maxWord {
			return nil, formatErr("word %d has length %d", i+1, len(word))
		}
		w := string(word)
		if _, err := io.ReadFull(br, raw); err != nil {
			return nil, formatErr("vector of %q cut short: %v", w, err)
		}
		vec := make([]float32, d)
		for j := range vec {
			x := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:]))
			if x != x || math.IsInf(float64(x), 0) {
				return nil, formatErr("vector of %q is not finite", w)
			}
			vec[j] = x
		}
		t.Vectors[w] = vec
	}
	return t, nil
}

// WriteBinary writes words and their vectors in word2vec's binary format.
func WriteBinary(w io.Writer, words []string, vecs [][]float32) error {
	bw := bufio.NewWriter(w)
	d := 0
	if len(vecs) > 0 {
		d = len(vecs[0])
	}
	fmt.Fprintf(bw, "%d %d\n", len(words), d)
	buf := make([]byte, 4)
	for i, word := range words {
		bw.WriteString(word)
		bw.WriteByte(' ')
		for _, x := range vecs[i] {
			binary.LittleEndian.PutUint32(buf, math.Float32bits(x))
			bw.Write(buf)
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteText writes words and vectors in word2vec's text format.
func WriteText(w io.Writer, words []string, vecs [][]float32) error {
	bw := bufio.NewWriter(w)
	d := 0
	if len(vecs) > 0 {
		d = len(vecs[0])
	}
	fmt.Fprintf(bw, "%d %d\n", len(words), d)
	for i, word := range words {
		bw.WriteString(word)
		for _, x := range vecs[i] {
			bw.WriteByte(' ')
			bw.WriteString(strconv.FormatFloat(float64(x), 'g', -1, 32))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
