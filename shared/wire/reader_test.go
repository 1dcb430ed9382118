package wire

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type result struct {
	line string
	err  error
}

func readAll(r *Reader) []result {
	var out []result
	for {
		l, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil && !errors.Is(err, ErrLineTooLong) {
			return append(out, result{err: err})
		}
		out = append(out, result{string(l), err})
	}
}

func TestReader(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name string
		in   string
		max  int
		want []result
	}{
		{"lf lines", "a\nb\n", 10, []result{{"a", nil}, {"b", nil}}},
		{"crlf lines", "a\r\nb\r\n", 10, []result{{"a", nil}, {"b", nil}}},
		{"last line without newline", "a\nb", 10, []result{{"a", nil}, {"b", nil}}},
		{"empty lines kept", "\n\na\n", 10, []result{{"", nil}, {"", nil}, {"a", nil}}},
		{"line at the limit", "0123456789\n", 10, []result{{"0123456789", nil}}},
		{"crlf line at the limit", "0123456789\r\n", 10, []result{{"0123456789", nil}}},
		{"line over the limit skipped", "01234567890\nok\n", 10, []result{{"", ErrLineTooLong}, {"ok", nil}}},
		{"long line skipped across buffers", "a\n" + long + "\nb\n", 20, []result{{"a", nil}, {"", ErrLineTooLong}, {"b", nil}}},
		{"long final line without newline", "a\n" + long, 20, []result{{"a", nil}, {"", ErrLineTooLong}}},
		{"empty input", "", 10, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, wrap := range []func(io.Reader) io.Reader{func(r io.Reader) io.Reader { return r }, iotest.OneByteReader} {
				got := readAll(NewReader(wrap(strings.NewReader(tc.in)), tc.max))
				if len(got) != len(tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
				for i := range got {
					if got[i].line != tc.want[i].line || !errors.Is(got[i].err, tc.want[i].err) && got[i].err != tc.want[i].err {
						t.Errorf("line %d: got %v, want %v", i, got[i], tc.want[i])
					}
				}
			}
		})
	}
}

func TestReaderLongLinesWithDefaultLimit(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("first\n")
	b.Write(bytes.Repeat([]byte("y"), DefaultMaxLine+5))
	b.WriteString("\n")
	big := bytes.Repeat([]byte("z"), 200<<10) // longer than the buffer, within the limit
	b.Write(big)
	b.WriteString("\nlast\n")
	got := readAll(NewReader(&b, 0))
	if len(got) != 4 || got[0].line != "first" || !errors.Is(got[1].err, ErrLineTooLong) ||
		got[2].line != string(big) || got[3].line != "last" {
		t.Fatalf("got %d results: %v", len(got), len(got))
	}
}

func TestReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(strings.NewReader("a\npartial"), iotest.ErrReader(boom)), 10)
	if l, err := r.Next(); string(l) != "a" || err != nil {
		t.Fatalf("got %q %v", l, err)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("a\nb\r\n\n"), 4)
	f.Add([]byte("0123456789\n"), 3)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max <= 0 || max > 1<<16 {
			max = 8
		}
		r := NewReader(bytes.NewReader(in), max)
		var total int
		for {
			l, err := r.Next()
			if err == io.EOF {
				break
			}
			if errors.Is(err, ErrLineTooLong) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(l) > max || bytes.IndexByte(l, '\n') >= 0 {
				t.Fatalf("line %q breaks the framing (max %d)", l, max)
			}
			total += len(l)
			if total > len(in) {
				t.Fatal("more bytes out than in")
			}
		}
	})
}

func TestCheckAuth(t *testing.T) {
	tests := []struct {
		name, line string
		ok         bool
	}{
		{"right token", "AUTH s3cret", true},
		{"wrong token", "AUTH s3creT", false},
		{"prefix of token", "AUTH s3cre", false},
		{"missing prefix", "s3cret", false},
		{"json line instead", `{"id":"1"}`, false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckAuth([]byte(tc.line), "s3cret")
			if (err == nil) != tc.ok {
				t.Fatalf("got %v", err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Fatal("error leaks the token")
			}
		})
	}
	var b bytes.Buffer
	if err := WriteAuth(&b, "tok"); err != nil || CheckAuth(bytes.TrimSuffix(b.Bytes(), []byte("\n")), "tok") != nil {
		t.Fatalf("WriteAuth/CheckAuth disagree: %q %v", b.String(), err)
	}
}

func FuzzCheckAuth(f *testing.F) {
	f.Add([]byte("AUTH abc"), "abc")
	f.Fuzz(func(t *testing.T, line []byte, token string) {
		err := CheckAuth(line, token)
		if err == nil && string(line) != AuthPrefix+token {
			t.Fatalf("accepted %q for token %q", line, token)
		}
	})
}

func TestDecompress(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("a\nb\n"))
	zw.Close()
	// bzip2 of "a\nb\n", made with: printf 'a\nb\n' | bzip2 | xxd -i
	bz := []byte{0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0x3c, 0x85, 0x41, 0x12, 0x00, 0x00, 0x01, 0x41, 0x00, 0x00, 0x10, 0x30, 0x00, 0x20, 0x00, 0x30, 0xcc, 0x0c, 0x7a, 0x82, 0x71, 0x77, 0x24, 0x53, 0x85, 0x09, 0x03, 0xc8, 0x54, 0x11, 0x20}
	for name, in := range map[string][]byte{"plain": []byte("a\nb\n"), "gzip": gz.Bytes(), "bzip2": bz} {
		t.Run(name, func(t *testing.T) {
			r, err := Decompress(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil || string(got) != "a\nb\n" {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
	t.Run("truncated gzip", func(t *testing.T) {
		r, err := Decompress(bytes.NewReader(gz.Bytes()[:gz.Len()-6]))
		if err != nil {
			return
		}
		if _, err := io.ReadAll(r); err == nil {
			t.Fatal("truncated gzip read without error")
		}
	})
	t.Run("empty", func(t *testing.T) {
		r, err := Decompress(bytes.NewReader(nil))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := io.ReadAll(r); len(got) != 0 {
			t.Fatal("want nothing")
		}
	})
}

func TestUnterminated(t *testing.T) {
	r := NewReader(strings.NewReader("a\npart"), 10)
	if l, _ := r.Next(); string(l) != "a" || r.Unterminated {
		t.Fatal("whole line marked unterminated")
	}
	if l, _ := r.Next(); string(l) != "part" || !r.Unterminated {
		t.Fatal("cut line not marked unterminated")
	}
}
