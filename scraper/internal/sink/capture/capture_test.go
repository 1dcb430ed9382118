package capture

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/geostream/geostream/scraper/internal/source"
)

var ctx = context.Background()

func send(t *testing.T, w *Writer, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if err := w.Send(ctx, source.Line{Data: []byte(l)}); err != nil {
			t.Fatal(err)
		}
	}
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("reading the gzip capture back: %v", err)
	}
	return string(out)
}

func TestCreate(t *testing.T) {
	lines := []string{`{"id":"1"}`, `{"id":"2"}`, `{"id":"3","text":"ünïcode"}`}
	want := strings.Join(lines, "\n") + "\n"
	tests := []struct {
		name string
		file string // "" for stdout
		read func(t *testing.T, b []byte) string
	}{
		{"plain file", "c.jsonl", func(_ *testing.T, b []byte) string { return string(b) }},
		{"gzip file", "c.jsonl.gz", gunzip},
		{"standard output", "", func(_ *testing.T, b []byte) string { return string(b) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout bytes.Buffer
			path := "-"
			if tc.file != "" {
				path = filepath.Join(t.TempDir(), tc.file)
			}
			w, err := Create(path, &stdout, Options{})
			if err != nil {
				t.Fatal(err)
			}
			send(t, w, lines...)
			if err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(ctx); err != nil {
				t.Fatalf("a second Close: %v", err)
			}
			if err := w.Send(ctx, source.Line{Data: []byte("late")}); !errors.Is(err, os.ErrClosed) {
				t.Fatalf("Send after Close: %v", err)
			}
			got := stdout.Bytes()
			if tc.file != "" {
				if got, err = os.ReadFile(path); err != nil {
					t.Fatal(err)
				}
				if stdout.Len() != 0 {
					t.Fatalf("a file capture wrote %d bytes to stdout", stdout.Len())
				}
			}
			if s := tc.read(t, got); s != want {
				t.Fatalf("capture reads %q, want %q", s, want)
			}
			if st := w.Stats(); st.Lines != 3 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestCreateFails(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "no", "such", "dir.jsonl"), nil, Options{})
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "creating capture:") {
		t.Fatalf("got %v", err)
	}
}

// syncBuffer is an output the flusher and the test may touch at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// TestFlushesWithinTheInterval: a sent line reaches the output within one
// FlushInterval, with no further Send and no Close; gzip output is then
// readable up to that line (a sync flush). The clock is synctest's.
func TestFlushesWithinTheInterval(t *testing.T) {
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprint("gzip=", gz), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var out syncBuffer
				w := New(&out, "test", Options{Gzip: gz})
				defer w.Close(ctx)
				readBack := func() string {
					b := out.Bytes()
					if !gz {
						return string(b)
					}
					if len(b) == 0 {
						return ""
					}
					zr, err := gzip.NewReader(bytes.NewReader(b))
					if err != nil {
						t.Fatal(err)
					}
					s, _ := io.ReadAll(zr) // no trailer yet: ends in ErrUnexpectedEOF
					return string(s)
				}
				send(t, w, "one")
				time.Sleep(DefaultFlushInterval / 2)
				synctest.Wait()
				if got := readBack(); got != "" {
					t.Fatalf("flushed %q after half an interval: the buffer is flushed per line", got)
				}
				time.Sleep(DefaultFlushInterval / 2)
				synctest.Wait()
				if got := readBack(); got != "one\n" {
					t.Fatalf("after one interval the output reads %q", got)
				}
				send(t, w, "two")
				time.Sleep(DefaultFlushInterval)
				synctest.Wait()
				if got := readBack(); got != "one\ntwo\n" {
					t.Fatalf("after two intervals the output reads %q", got)
				}
				flushes := w.Stats().Flushes
				time.Sleep(10 * DefaultFlushInterval)
				synctest.Wait()
				if w.Stats().Flushes != flushes {
					t.Fatal("an idle capture flushes")
				}
			})
		})
	}
}

// failAfter accepts n bytes, then fails every write as a full disk would.
type failAfter struct {
	mu sync.Mutex
	n  int
}

func (f *failAfter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(p) > f.n {
		k := f.n
		f.n = 0
		return k, syscall.ENOSPC
	}
	f.n -= len(p)
	return len(p), nil
}

// TestFullDisk: a write error, whether Send meets it (the buffer filling)
// or the flusher does, is returned once, by the next Send or by Close, and
// every later Send fails too.
func TestFullDisk(t *testing.T) {
	line := source.Line{Data: bytes.Repeat([]byte("x"), 1000)}
	t.Run("met by Send", func(t *testing.T) {
		w := New(&failAfter{n: 10_000}, "full.jsonl", Options{})
		var err error
		for i := 0; i < 1000 && err == nil; i++ {
			err = w.Send(ctx, line)
		}
		if !errors.Is(err, syscall.ENOSPC) || !strings.HasPrefix(err.Error(), "writing full.jsonl:") {
			t.Fatalf("Send: %v", err)
		}
		if err := w.Send(ctx, line); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Send after the error: %v", err)
		}
		if err := w.Close(ctx); err != nil {
			t.Fatalf("Close repeats an error Send returned: %v", err)
		}
	})
	t.Run("met by the flusher", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			w := New(&failAfter{n: 10}, "full.jsonl.gz", Options{Gzip: true})
			if err := w.Send(ctx, line); err != nil {
				t.Fatal(err)
			}
			time.Sleep(DefaultFlushInterval)
			synctest.Wait()
			if err := w.Send(ctx, line); !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Send after a failed flush: %v", err)
			}
			w.Close(ctx)
		})
	})
	t.Run("met by Close", func(t *testing.T) {
		w := New(&failAfter{n: 10}, "full.jsonl", Options{})
		if err := w.Send(ctx, line); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(ctx); !errors.Is(err, syscall.ENOSPC) || !strings.HasPrefix(err.Error(), "closing full.jsonl:") {
			t.Fatalf("Close: %v", err)
		}
	})
}

// BenchmarkSend measures a capture's cost per line, plain and gzip.
func BenchmarkSend(b *testing.B) {
	line := source.Line{Data: bytes.Repeat([]byte(`{"data":{"id":"1234567890123456789","text":"storm over the bay"}}`), 8)}
	for _, gz := range []bool{false, true} {
		b.Run(fmt.Sprint("gzip=", gz), func(b *testing.B) {
			w := New(io.Discard, "bench", Options{Gzip: gz})
			defer w.Close(ctx)
			b.SetBytes(int64(len(line.Data) + 1))
			b.ReportAllocs()
			for b.Loop() {
				if err := w.Send(ctx, line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
