package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/cli"
	"github.com/geostream/geostream/analyzer/internal/output"
	"github.com/geostream/geostream/shared/logs/logtest"
	"github.com/geostream/geostream/shared/wire"
)

// analyzer is a real analyzer run, in this process, reading --input - from
// a pipe the test writes at its own pace.
type analyzer struct {
	t      testing.TB
	in     *io.PipeWriter
	out    string
	cancel context.CancelFunc
	done   chan error

	log *logtest.Log
}

// startAnalyzer runs `analyzer run --input - --out DIR --log-format json`
// with args; stdin is the returned analyzer's in.
func startAnalyzer(t testing.TB, args ...string) *analyzer {
	a := &analyzer{t: t, out: t.TempDir(), done: make(chan error, 1), log: logtest.New()}
	pr, pw := io.Pipe()
	a.in = pw
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	root := cli.NewRootCmd(cli.Deps{Stdin: pr, Stdout: io.Discard, Stderr: a.log, Getenv: func(string) string { return "" }})
	root.SetArgs(append([]string{"run", "--input", "-", "--out", a.out, "--log-format", "json"}, args...))
	go func() { // the analyzer: ends when its input ends or ctx is cancelled
		err := root.ExecuteContext(ctx)
		pr.Close()
		a.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		pw.Close()
		select {
		case <-a.done:
		case <-time.After(30 * time.Second):
			t.Error("the analyzer did not stop")
		}
		if t.Failed() {
			t.Logf("analyzer log:\n%s", a.log.Text())
		}
	})
	return a
}

// waitLog waits for a log line with message msg and returns it.
func (a *analyzer) waitLog(msg string, timeout time.Duration) map[string]any {
	a.t.Helper()
	m, err := a.log.Wait(msg, 1, timeout, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return m
}

// url is the live page's address, once it is served.
func (a *analyzer) url() string {
	u, _ := a.waitLog("serving the live page", 30*time.Second)["url"].(string)
	return strings.TrimSuffix(u, "/")
}

// write sends lines to the analyzer's stdin.
func (a *analyzer) write(lines []string) {
	a.t.Helper()
	if _, err := io.WriteString(a.in, strings.Join(lines, "\n")+"\n"); err != nil {
		a.t.Fatal(err)
	}
}

// windows polls windows.ndjson until it has n lines and returns them with
// the time the n-th was first seen.
func (a *analyzer) windows(n int) ([]output.WindowLine, time.Time) {
	a.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(a.out, "windows.ndjson"))
		seen := time.Now()
		if lines := bytes.Split(bytes.TrimSpace(b), []byte("\n")); len(b) > 0 && len(lines) >= n && bytes.HasSuffix(b, []byte("\n")) {
			var out []output.WindowLine
			for _, l := range lines {
				var w output.WindowLine
				if err := json.Unmarshal(l, &w); err != nil {
					a.t.Fatalf("windows.ndjson: %v: %s", err, l)
				}
				out = append(out, w)
			}
			return out, seen
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("windows.ndjson has no %d lines after 30 s:\n%s", n, b)
		}
		time.Sleep(2 * time.Millisecond) // polling a file: no event to wait on
	}
}

// feed is a stream of our own compact tweets: three topics in three cities,
// batch by batch of event time, with the tweets of each 10 s batch written
// as the test asks for the next slide.
type feed struct {
	start time.Time
	lines []string
	times []time.Time
	texts map[string]bool
	next  int
}

// topic is one theme of the fixture. Its texts carry markup, which the page
// must show as text.
type topic struct {
	place    string
	lon, lat float64
	words    []string
}

var topics = []topic{
	{"Lyon, France", 4.835, 45.764, []string{"storm", "<i>rain</i>", "flood", "umbrella", "thunder", "drizzle"}},
	{"Austin, TX", -97.743, 30.267, []string{"tacos", "brisket", "barbecue", "festival", "salsa", "smoker"}},
	{"Tokyo, Japan", 139.69, 35.69, []string{"anime", "manga", "episode", "studio", "cosplay", "sequel"}},
}

func newFeed(batches, perTopic int) *feed {
	f := &feed{start: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), texts: map[string]bool{}}
	id := 1000
	for b := range batches {
		for i := range perTopic * len(topics) {
			tp := topics[i%len(topics)]
			k := i / len(topics)
			var words []string
			for j := range 4 {
				words = append(words, tp.words[(k+j*(b+1))%len(tp.words)])
			}
			at := f.start.Add(time.Duration(b)*10*time.Second + time.Duration(i)*10*time.Second/time.Duration(perTopic*len(topics)+1))
			id++
			text := strings.Join(words, " ") + fmt.Sprintf(" #%d", k%3)
			rec := map[string]any{"id": fmt.Sprint(id), "created_at": at.Format(time.RFC3339Nano),
				"lon": tp.lon + float64(k%5)*0.01, "lat": tp.lat - float64(k%3)*0.01, "text": text, "place": tp.place, "lang": "en"}
			b, _ := json.Marshal(rec)
			f.lines = append(f.lines, string(b))
			f.times = append(f.times, at)
			f.texts[text] = true
		}
	}
	return f
}

// until returns the lines before event time at plus the first one after,
// which closes the batches before it (with --lateness 0s).
func (f *feed) until(at time.Time) []string {
	i := f.next
	for i < len(f.lines) && f.times[i].Before(at) {
		i++
	}
	if i < len(f.lines) {
		i++
	}
	out := f.lines[f.next:i]
	f.next = i
	return out
}

// slide returns the lines that make the analyzer write window n (20 s
// slides).
func (f *feed) slide(n int) []string {
	return f.until(f.start.Add(time.Duration(n) * 20 * time.Second))
}

// liveArgs are the flags of the tests' runs: event time, small maps.
var liveArgs = []string{"--clock", "event", "--lateness", "0s", "--http", "127.0.0.1:0", "--k", "4",
	"--width", "800", "--height", "450", "--locate", "point,place", "--stats-interval", "1h"}

// TestLingerKeepsThePageUpUntilInterrupted: with --input and --http-linger,
// the page is served after the input ends, with every window, and an
// interrupt ends the run at once and its streams cleanly.
func TestLingerKeepsThePageUpUntilInterrupted(t *testing.T) {
	a := startAnalyzer(t, append(liveArgs, "--http-linger", "1h", "--keep", "1")...)
	url := a.url()
	f := newFeed(8, 5)
	a.write(f.until(f.start.Add(time.Hour)))
	a.in.Close()
	a.waitLog("input ended; the live page stays up", 30*time.Second)
	lines, _ := a.windows(1)
	resp, err := http.Get(url + "/api/windows")
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		ID, Image string
		Window    struct{ End time.Time }
	}
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if len(got) != len(lines) || !got[len(got)-1].Window.End.Equal(lines[len(lines)-1].End) {
		t.Fatalf("the lingering page has %d windows, windows.ndjson %d", len(got), len(lines))
	}
	// Every window has its own map, though --keep 1 left one on disk: the
	// maps reach the page in process, not through the files.
	seen := map[string]bool{}
	for i, w := range got {
		img, err := http.Get(url + "/map/" + w.ID + ".png")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(img.Body)
		img.Body.Close()
		if img.StatusCode != 200 || img.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(b, []byte("\x89PNG")) || seen[string(b)] {
			t.Fatalf("window %d's map: %v, %d bytes, seen before %v", i+1, img.Status, len(b), seen[string(b)])
		}
		seen[string(b)] = true
	}
	if maps, _ := filepath.Glob(filepath.Join(a.out, "map-*.png")); len(maps) != 1 {
		t.Fatalf("%d maps on disk, want 1 (--keep 1)", len(maps))
	}
	ev, err := http.Get(url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Body.Close()
	br := bufio.NewReader(ev.Body)
	for { // the newest slide comes at once
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "id: ") {
			break
		}
	}
	start := time.Now()
	a.cancel() // Ctrl-C
	select {
	case err := <-a.done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an interrupt did not end the lingering run")
	}
	a.done <- nil // for the cleanup
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("the stream did not end cleanly: %v", err)
	}
	t.Logf("interrupted after lingering: stopped in %v", time.Since(start).Round(time.Millisecond))
	if _, err := http.Get(url + "/"); err == nil {
		t.Fatal("the page is still served")
	}
}

// TestWithoutLingerTheRunEnds: with --input and no --http-linger the run
// ends with its input, and so does the page.
func TestWithoutLingerTheRunEnds(t *testing.T) {
	a := startAnalyzer(t, liveArgs...)
	url := a.url()
	f := newFeed(4, 3)
	a.write(f.until(f.start.Add(time.Hour)))
	a.in.Close()
	select {
	case err := <-a.done:
		if err != nil {
			t.Fatal(err)
		}
		a.done <- nil
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not end with its input")
	}
	if _, err := http.Get(url + "/"); err == nil {
		t.Fatal("the page is still served")
	}
}

// TestConnectWallClock: with --connect and the wall clock, slides reach
// the stream and the status follows the scraper's connection.
func TestConnectWallClock(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := make(chan net.Conn, 1)
	go func() { // a live scraper: one connection, its hello, then fed below
		c, err := ln.Accept()
		if err == nil {
			c.Write(wire.AppendHello(nil, wire.Hello{Source: "synth", Live: true}))
			conns <- c
		}
	}()
	out := t.TempDir()
	lr, lw := io.Pipe()
	go io.Copy(io.Discard, lr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := cli.NewRootCmd(cli.Deps{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: lw, Getenv: func(string) string { return "" }})
	// A free port for the page, so the test knows it without the log.
	pl, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := pl.Addr().String()
	pl.Close()
	root.SetArgs([]string{"run", "--connect", ln.Addr().String(), "--clock", "wall", "--out", out, "--http", addr, "--maps=false",
		"--batch", "100ms", "--window", "200ms", "--slide", "100ms", "--log-format", "json", "--locate", "point,place"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); lw.Close() }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	var c net.Conn
	select {
	case c = <-conns:
	case <-time.After(30 * time.Second):
		t.Fatal("the analyzer did not connect")
	}
	next := dataEvents(t, "http://"+addr)
	next("connected status", func(e string) bool { return strings.Contains(e, `"input":"connected"`) })
	stop := make(chan struct{})
	go func() { // a tweet every 10 ms, until told
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			fmt.Fprintf(c, `{"id":"%d","lon":2.35,"lat":48.85,"text":"rain storm flood %d"}`+"\n", i, i%3)
		}
	}()
	next("a slide with a cluster", func(e string) bool { return strings.Contains(e, `"clusters":[{`) })
	close(stop)
	c.Close() // the scraper goes away
	next("reconnecting status", func(e string) bool { return strings.Contains(e, `"input":"reconnecting"`) })
}

// dataEvents opens url's event stream (waiting for the server to come up)
// and returns a function that waits for an event whose data satisfies ok.
func dataEvents(t *testing.T, url string) func(what string, ok func(data string) bool) {
	t.Helper()
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; {
		if resp, err = http.Get(url + "/events"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // the server is starting: no event to wait on
	}
	t.Cleanup(func() { resp.Body.Close() })
	events := make(chan string, 1000)
	go func() { // ends with the stream
		defer close(events)
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if strings.HasPrefix(line, "data: ") {
				events <- strings.TrimSpace(line[6:])
			}
		}
	}()
	return func(what string, ok func(string) bool) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case e, open := <-events:
				if !open {
					t.Fatalf("stream ended waiting for %s", what)
				}
				if ok(e) {
					return
				}
			case <-timeout:
				t.Fatalf("no %s in 20 s", what)
			}
		}
	}
}

// TestInputWallClock: with --input and the wall clock, slides come as the
// input's tweets arrive.
func TestInputWallClock(t *testing.T) {
	a := startAnalyzer(t, "--clock", "wall", "--batch", "100ms", "--window", "200ms", "--slide", "100ms",
		"--http", "127.0.0.1:0", "--maps=false", "--locate", "point,place")
	next := dataEvents(t, a.url())
	next("reading status", func(e string) bool { return strings.Contains(e, `"input":"reading"`) })
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // a tweet every 10 ms, until told
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			fmt.Fprintf(a.in, `{"id":"%d","lon":2.35,"lat":48.85,"text":"rain storm flood %d"}`+"\n", i, i%3)
		}
	}()
	next("a slide with a cluster", func(e string) bool { return strings.Contains(e, `"clusters":[{`) })
	close(stop)
	<-done
	a.in.Close()
	next("ended status", func(e string) bool { return strings.Contains(e, `"input":"ended"`) })
}
