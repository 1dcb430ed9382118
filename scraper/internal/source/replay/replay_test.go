package replay

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geostream/geostream/scraper/internal/source"
)

func readAll(t *testing.T, s *Source) []string {
	t.Helper()
	var out []string
	for {
		l, err := s.Next(context.Background())
		if errors.Is(err, source.ErrEndOfInput) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(l.Data))
	}
}

func TestReplayFiles(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "a.jsonl")
	os.WriteFile(plain, []byte("1\r\n2\n"+strings.Repeat("x", 100)+"\n3"), 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("4\n5\n"))
	zw.Close()
	gzPath := filepath.Join(dir, "b.jsonl.gz")
	os.WriteFile(gzPath, gz.Bytes(), 0o644)
	cut := filepath.Join(dir, "cut.gz")
	os.WriteFile(cut, gz.Bytes()[:gz.Len()-4], 0o644)

	o := Options{Files: []string{plain, gzPath, cut, "-"}, MaxLine: 50, Stdin: strings.NewReader("6\n")}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	s := New(o)
	got := readAll(t, s)
	want := []string{"1", "2", "3", "4", "5", "4", "5", "6"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
	if st := s.Stats(); st != (Stats{TooLong: 1, ReadErrors: 1}) {
		t.Fatalf("stats %+v; want one of each", st)
	}
}

func TestReplayLoop(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.jsonl")
	os.WriteFile(p, []byte("a\nb\n"), 0o644)
	s := New(Options{Files: []string{p}, Loop: true})
	var got []string
	for len(got) < 5 {
		l, err := s.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(l.Data))
	}
	if strings.Join(got, "") != "ababa" {
		t.Fatalf("got %v", got)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		o    Options
	}{
		{"no files", Options{}},
		{"missing file", Options{Files: []string{filepath.Join(dir, "nope")}}},
		{"directory", Options{Files: []string{dir}}},
		{"loop over stdin", Options{Files: []string{"-"}, Loop: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.o.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
