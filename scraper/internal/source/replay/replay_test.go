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

// tw is a compact tweet line with id n.
func tw(n string) string { return `{"id":"` + n + `","text":"x"}` }

func TestReplayFiles(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "a.jsonl")
	os.WriteFile(plain, []byte(tw("1")+"\r\n"+tw("2")+"\n"+strings.Repeat("x", 100)+"\n"+tw("3")), 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(tw("4") + "\n" + tw("5") + "\n"))
	zw.Close()
	gzPath := filepath.Join(dir, "b.jsonl.gz")
	os.WriteFile(gzPath, gz.Bytes(), 0o644)
	cut := filepath.Join(dir, "cut.gz")
	os.WriteFile(cut, gz.Bytes()[:gz.Len()-4], 0o644)

	o := Options{Files: []string{plain, gzPath, cut, "-"}, MaxLine: 50, Stdin: strings.NewReader(tw("6") + "\n")}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	s := New(o)
	got := readAll(t, s)
	var want []string
	for _, n := range []string{"1", "2", "3", "4", "5", "4", "5", "6"} {
		want = append(want, tw(n))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
	if st := s.Stats(); st != (Stats{Lines: 8, TooLong: 1, ReadErrors: 1}) {
		t.Fatalf("stats %+v; want one of each", st)
	}
}

// TestNotACapture: a file whose first lines hold no tweet or notice is
// refused, and none of it is replayed; one with a tweet among its first
// lines replays whole.
func TestNotACapture(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "map.png")
	os.WriteFile(junk, bytes.Repeat([]byte("\x89PNG\x00\x01 binary\n"), 500), 0o644)
	s := New(Options{Files: []string{junk}})
	_, err := s.Next(context.Background())
	var nc *NotCaptureError
	if !errors.As(err, &nc) || nc.File != junk || nc.Lines != checkLines {
		t.Fatalf("got %v, want a NotCaptureError after %d lines", err, checkLines)
	}
	short := filepath.Join(dir, "short.txt")
	os.WriteFile(short, []byte("hello\nworld\n"), 0o644)
	if _, err := New(Options{Files: []string{short}}).Next(context.Background()); !errors.As(err, &nc) || nc.Lines != 2 {
		t.Fatalf("a short file of junk: %v", err)
	}
	mixed := filepath.Join(dir, "mixed.jsonl")
	os.WriteFile(mixed, []byte(strings.Repeat("junk\n", 50)+tw("1")+"\n"), 0o644)
	if got := readAll(t, New(Options{Files: []string{mixed}})); len(got) != 51 || got[50] != tw("1") {
		t.Fatalf("a capture with junk first gave %d lines", len(got))
	}
}

func TestReplayLoop(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.jsonl")
	os.WriteFile(p, []byte(tw("a")+"\n"+tw("b")+"\n"), 0o644)
	s := New(Options{Files: []string{p}, Loop: true})
	var got []string
	for len(got) < 5 {
		l, err := s.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(l.Data))
	}
	if strings.Join(got, "") != tw("a")+tw("b")+tw("a")+tw("b")+tw("a") {
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

// TestCheck: Check refuses, before anything is replayed, a first file or a
// later one that is empty, unreadable or no capture; after it, Next
// replays the first file from its first line.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	good := write("good.jsonl", "junk\n"+tw("1")+"\n"+tw("2")+"\n")
	empty := write("empty.jsonl", "")
	junk := write("junk.txt", "a\nb\n")
	badGzip := write("bad.gz", "\x1f\x8bnot gzip at all")
	for _, tc := range []struct {
		name  string
		files []string
		want  string
	}{
		{"empty first", []string{empty, good}, "empty.jsonl is empty"},
		{"empty later", []string{good, empty}, "empty.jsonl is empty"},
		{"junk later", []string{good, junk}, "junk.txt does not look like a capture: its first 2 lines"},
		{"unreadable first", []string{badGzip}, "bad.gz cannot be read"},
		{"unreadable later", []string{good, badGzip}, "bad.gz cannot be read"},
	} {
		err := New(Options{Files: tc.files}).Check()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	s := New(Options{Files: []string{good, "-", good}, Stdin: strings.NewReader(tw("3") + "\n")})
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s); strings.Join(got, ",") != strings.Join([]string{"junk", tw("1"), tw("2"), tw("3"), "junk", tw("1"), tw("2")}, ",") {
		t.Fatalf("after Check: %v", got)
	}
	if err := s.Check(); err == nil {
		t.Error("Check after Next accepted")
	}
	// Met during the replay (a file emptied since), an empty file ends it.
	s = New(Options{Files: []string{good, empty}})
	for {
		_, err := s.Next(context.Background())
		var nc *NotCaptureError
		if errors.As(err, &nc) && nc.Lines == 0 && nc.File == empty {
			break
		}
		if err != nil {
			t.Fatalf("got %v, want the empty file refused", err)
		}
	}
}
