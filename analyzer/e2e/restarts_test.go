package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/bus/bustest"
)

// capture writes a synthetic capture of n tweets, rate a second of
// event time, and returns its path.
func capture(t *testing.T, dir string, n, rate int) string {
	t.Helper()
	c, _ := synthCapture(t, dir, "--count", fmt.Sprint(n), "--rate", fmt.Sprint(rate), "--speed", "0", "--seed", "7")
	return c
}

// outFiles reads every file directly in dir (not runs/, not the lock),
// by name.
func outFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || e.Name() == ".lock" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// TestFailedStartsKeepTheRealRun: after a real run, seven starts that fail
// (a flag, an address, a wrong token, listening sockets, an empty input,
// an input that is no capture) leave its windows and maps where they are,
// and leave no run behind.
func TestFailedStartsKeepTheRealRun(t *testing.T) {
	dir := t.TempDir()
	capture := capture(t, dir, 600, 10)
	out := filepath.Join(dir, "out")
	small := []string{"--width", "400", "--height", "300"}
	if err := start(t, "analyzer", append([]string{"run", "--input", capture, "--out", out}, small...)...).wait(120 * time.Second); err != nil {
		t.Fatalf("the real run: %v", err)
	}
	real := outFiles(t, out)
	if len(real["windows.ndjson"]) == 0 || real["latest.png"] == nil {
		t.Fatalf("the real run wrote %d bytes of windows and latest.png %v", len(real["windows.ndjson"]), real["latest.png"] != nil)
	}

	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	notCapture := filepath.Join(dir, "notes.txt")
	os.WriteFile(notCapture, bytes.Repeat([]byte("not a post\n"), 200), 0o644)
	scr := startEnv(t, []string{"GEOSTREAM_TOKEN=s3cret-token"}, "scraper", "synth", "--rate", "20", "--speed", "1",
		"--listen", "127.0.0.1:0", "--wait-clients", "0")
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)
	starts := []struct {
		name string
		args []string
	}{
		{"a window that is no multiple of the batch", []string{"--input", capture, "--window", "7s"}},
		{"an address without a port", []string{"--connect", "127.0.0.1"}},
		{"a wrong token", []string{"--connect", addr, "--token", "wrong-token"}},
		{"a port out of range for the live page", []string{"--input", capture, "--http", "127.0.0.1:99999"}},
		{"a metrics address that is none", []string{"--input", capture, "--metrics-addr", "nonsense"}},
		{"an empty input", []string{"--input", empty}},
		{"an input that is no capture", []string{"--input", notCapture}},
	}
	for _, s := range starts {
		p := start(t, "analyzer", append(append([]string{"run", "--out", out}, small...), s.args...)...)
		if err := p.wait(60 * time.Second); err == nil {
			t.Fatalf("%s: the analyzer exited 0", s.name)
		}
		t.Logf("%s: %s", s.name, lastError(p))
	}
	after := outFiles(t, out)
	for name, b := range real {
		if !bytes.Equal(after[name], b) {
			t.Errorf("%s changed after the failed starts (%d bytes, was %d)", name, len(after[name]), len(b))
		}
	}
	for name := range after {
		if real[name] == nil {
			t.Errorf("the failed starts left %s behind", name)
		}
	}
	if runs, err := os.ReadDir(filepath.Join(out, "runs")); err == nil && len(runs) > 0 {
		t.Errorf("the failed starts archived %d runs", len(runs))
	}
}

// TestSecondAnalyzerRefused: a second analyzer given the --out of one
// that runs is refused at once with a line naming the first's pid, and
// the first's windows are untouched.
func TestSecondAnalyzerRefused(t *testing.T) {
	dir := t.TempDir()
	capture := capture(t, dir, 300, 10)
	out := filepath.Join(dir, "out")
	scr := start(t, "scraper", "synth", "--rate", "20", "--speed", "1", "--listen", "127.0.0.1:0", "--wait-clients", "0")
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)
	first := start(t, "analyzer", "run", "--connect", addr, "--maps=false", "--out", out)
	first.waitLog("connected to scraper", 1, 30*time.Second)

	second := start(t, "analyzer", "run", "--input", capture, "--maps=false", "--out", out)
	if err := second.wait(30 * time.Second); err == nil {
		t.Fatal("the second analyzer exited 0")
	}
	line := lastError(second)
	if want := fmt.Sprintf("another analyzer (pid %d) is writing to %s", first.cmd.Process.Pid, out); !strings.Contains(line, want) {
		t.Fatalf("the refusal %q does not say %q", line, want)
	}
	if _, err := os.Stat(filepath.Join(out, "runs")); err == nil {
		t.Error("the refused analyzer archived a run")
	}
	select {
	case err := <-first.done:
		t.Fatalf("the first analyzer stopped: %v", err)
	default:
	}
}

// TestLastWindowIsPartial: a capture's last window, which the input ends
// inside of, says "partial": true; no other window does.
func TestLastWindowIsPartial(t *testing.T) {
	dir := t.TempDir()
	capture := capture(t, dir, 1000, 10) // 100 s of event time
	out := filepath.Join(dir, "out")
	if err := start(t, "analyzer", "run", "--input", capture, "--maps=false", "--out", out).wait(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	lines := fileLines(t, filepath.Join(out, "windows.ndjson"))
	for i, l := range lines {
		var w struct {
			End     time.Time
			Partial *bool `json:"partial"`
		}
		if err := json.Unmarshal(l, &w); err != nil {
			t.Fatal(err)
		}
		last := i == len(lines)-1
		if last && (w.Partial == nil || !*w.Partial) {
			t.Errorf("the last window (%v) is not marked partial: %s", w.End, l)
		}
		if !last && w.Partial != nil {
			t.Errorf("window %d (%v) says partial: %v", i, w.End, *w.Partial)
		}
	}
}

// TestNATSInterruptedRunMatches: an event-clock run from a NATS durable
// consumer, stopped three times while the stream grows (Ctrl-C twice,
// SIGKILL once) and started again with the same --out each time, writes
// the same windows.ndjson and assignments, byte for byte, as a run never
// stopped.
func TestNATSInterruptedRunMatches(t *testing.T) {
	natsInterruptedRun(t, synthStream(20000), 4, "--events=false")
}

// TestNATSInterruptedRunMatchesEveryModel: the same with each of the
// other models, on a shorter stream.
func TestNATSInterruptedRunMatchesEveryModel(t *testing.T) {
	for name, flags := range map[string][]string{
		"spherical":   {"--model", "spherical", "--idf"},
		"spark":       {"--model", "spark", "--embeddings-online=false"},
		"lloyd --idf": {"--model", "lloyd", "--idf"},
	} {
		t.Run(name, func(t *testing.T) { natsInterruptedRun(t, synthStream(12000), 2, append(flags, "--events=false")...) })
	}
}

// TestNATSInterruptedRunMatchesWithEvents: with the default options, the
// event detector on, a run stopped three times on a stream with planted
// bursts writes the same windows.ndjson, events.ndjson and assignments,
// byte for byte, as a run never stopped; and it flags events.
func TestNATSInterruptedRunMatchesWithEvents(t *testing.T) {
	capture, _ := eventBench(t, t.TempDir())
	out := natsInterruptedRun(t, func(url string) []string {
		return []string{"replay", capture, "--speed", "40", "--publish", url}
	}, 6)
	if evs := readEvents(t, filepath.Join(out, "events.ndjson")); len(evs) == 0 {
		t.Fatal("no event flagged")
	}
}

// synthStream publishes n synthetic posts, 50 a second of event time (a
// window every 1,000).
func synthStream(n int) func(url string) []string {
	return func(url string) []string {
		return []string{"synth", "--count", fmt.Sprint(n), "--rate", "50", "--speed", "40", "--seed", "9",
			"--notices", "0.01", "--malformed", "0.01", "--publish", url}
	}
}

// natsInterruptedRun publishes a stream to NATS with the scraper (the
// arguments scraper gives for the server's URL), runs the analyzer with
// flags on it stopped three times, every each windows, and then to the
// end, and compares its files with those of a run never stopped. It
// returns the stopped run's output directory.
func natsInterruptedRun(t *testing.T, scraper func(url string) []string, each int, flags ...string) string {
	t.Helper()
	s := bustest.Run(t)
	js := jsConn(t, s.URL())
	dir := t.TempDir()
	scr := start(t, "scraper", scraper(s.URL())...)
	waitFor(t, "the stream", 30*time.Second, func() bool { return streamLen(t, js) > 0 })
	run := func(durable, out string, extra ...string) *proc {
		args := append([]string{"run", "--nats", s.URL(), "--nats-durable", durable, "--clock", "event",
			"--maps=false", "--out", out, "--assignments", filepath.Join(out, "a.csv")}, flags...)
		return start(t, "analyzer", append(args, extra...)...)
	}
	cut := filepath.Join(dir, "cut")
	windows := func() int {
		b, _ := os.ReadFile(filepath.Join(cut, "windows.ndjson"))
		return bytes.Count(b, []byte("\n"))
	}
	var stoppedAt int
	for i, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGINT, syscall.SIGKILL} {
		an := run("cut", cut)
		if i > 0 {
			// Resuming cuts off the windows flushed at the last stop:
			// only then does the count of windows say how far this run is.
			an.waitLog("resuming from the checkpoint", 1, 60*time.Second)
		}
		want := each * (i + 1)
		waitFor(t, fmt.Sprintf("%d windows", want), 60*time.Second, func() bool { return windows() >= want })
		an.cmd.Process.Signal(sig)
		an.wait(30 * time.Second)
		stoppedAt = windows()
	}
	if err := scr.wait(120 * time.Second); err != nil {
		t.Fatalf("scraper: %v", err)
	}
	if err := run("cut", cut, "--once").wait(120 * time.Second); err != nil {
		t.Fatalf("the last run: %v", err)
	}
	whole := filepath.Join(dir, "whole")
	if err := run("whole", whole, "--once").wait(120 * time.Second); err != nil {
		t.Fatalf("the run never stopped: %v", err)
	}
	if n := windows(); stoppedAt >= n {
		t.Fatalf("the last stop came after the stream's end (%d windows of %d)", stoppedAt, n)
	}
	for _, name := range []string{"windows.ndjson", "events.ndjson", "a.csv"} {
		got, gerr := os.ReadFile(filepath.Join(cut, name))
		want, werr := os.ReadFile(filepath.Join(whole, name))
		if name == "events.ndjson" && errors.Is(gerr, fs.ErrNotExist) && errors.Is(werr, fs.ErrNotExist) {
			continue // detection is off
		}
		if name != "events.ndjson" && len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes from the stopped run, %d from the whole one", name, len(got), len(want))
		}
	}
	if _, err := os.Stat(filepath.Join(cut, "checkpoint")); err == nil {
		t.Error("a run whose input ended left its checkpoint")
	}
	return cut
}

// TestSocketRestartResumes: an analyzer reading a scraper's socket,
// killed and started again with the same --out, carries on the same run:
// the same windows.ndjson, with no window written twice, and the same
// model, whose clusters keep their ids and births. (What the scraper sent
// while the analyzer was down, and what the analyzer had read after its
// last checkpoint, a socket cannot give again.)
func TestSocketRestartResumes(t *testing.T) {
	out := t.TempDir()
	scr := start(t, "scraper", "synth", "--rate", "50", "--speed", "10", "--seed", "8", "--listen", "127.0.0.1:0")
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)
	run := []string{"run", "--connect", addr, "--clock", "event", "--events=false", "--maps=false", "--out", out}
	windows := func() int { return countLinesIn(filepath.Join(out, "windows.ndjson")) }
	an := start(t, "analyzer", run...)
	waitFor(t, "4 windows", 60*time.Second, func() bool { return windows() >= 4 })
	an.cmd.Process.Signal(syscall.SIGKILL)
	an.wait(10 * time.Second)

	an = start(t, "analyzer", run...)
	resumed := an.waitLog("resuming from the checkpoint", 1, 30*time.Second)
	kept := int(resumed["windows"].(float64))
	waitFor(t, "3 more windows", 60*time.Second, func() bool { return windows() >= kept+3 })
	an.cmd.Process.Signal(syscall.SIGINT)
	if err := an.wait(30 * time.Second); err != nil {
		t.Fatalf("the resumed analyzer: %v", err)
	}
	type window struct {
		End      time.Time
		Clusters []struct {
			ID   int
			Born time.Time
		}
	}
	var ws []window
	for _, l := range fileLines(t, filepath.Join(out, "windows.ndjson")) {
		var w window
		if err := json.Unmarshal(l, &w); err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	for i := 1; i < len(ws); i++ {
		if !ws[i].End.After(ws[i-1].End) {
			t.Fatalf("window %d ends at %v, after one that ends at %v", i, ws[i].End, ws[i-1].End)
		}
	}
	if kept < 1 || len(ws) <= kept {
		t.Fatalf("%d windows, %d of them before the restart", len(ws), kept)
	}
	before := map[int]time.Time{}
	for _, c := range ws[kept-1].Clusters {
		before[c.ID] = c.Born
	}
	same := 0
	for _, c := range ws[kept].Clusters {
		if born, ok := before[c.ID]; ok && born.Equal(c.Born) && !c.Born.After(ws[kept-1].End) {
			same++
		}
	}
	if same == 0 {
		t.Fatalf("no cluster of the window before the restart (%v) lives on after it: the model started over", ws[kept-1].End)
	}
}

// countLinesIn counts a file's lines, 0 if it is not there.
func countLinesIn(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte("\n"))
}
