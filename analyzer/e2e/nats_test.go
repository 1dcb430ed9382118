package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/bus/bustest"
	"github.com/geostream/geostream/shared/wire/wiretest"
)

// jsConn connects the test itself to the server, to look at the stream.
func jsConn(t *testing.T, url string, opts ...natsio.Option) jetstream.JetStream {
	t.Helper()
	nc, err := natsio.Connect(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// storedLines returns what the stream holds, in order.
func storedLines(t *testing.T, url string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, m := range bustest.Stored(t, url) {
		out = append(out, m.Data)
	}
	return out
}

func streamLen(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	s, err := js.Stream(t.Context(), bus.Stream)
	if err != nil {
		return 0
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func fileLines(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
}

// slideLines sums, over a windows file, the lines each window's newest
// slide counts (every kind of line is counted once over a run); a last
// line cut short by a kill is left out, as its window was never
// finished. It also returns the last window's slide.
func slideLines(t *testing.T, path string) (sum, last int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var w struct {
			Slide struct{ Tweets, Notices, Malformed, TooLong int }
		}
		if json.Unmarshal(sc.Bytes(), &w) != nil {
			continue // cut short
		}
		last = w.Slide.Tweets + w.Slide.Notices + w.Slide.Malformed + w.Slide.TooLong
		sum += last
	}
	return sum, last
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition with a deadline
	}
}

// TestNATSMatchesCapture: a capture replayed into JetStream and read from
// it with the event clock gives byte for byte the windows and assignments
// of reading the capture itself.
func TestNATSMatchesCapture(t *testing.T) {
	s := bustest.Run(t)
	dir := t.TempDir()
	capture := filepath.Join(dir, "c.jsonl")
	if err := start(t, "scraper", "synth", "--count", "6000", "--rate", "50", "--malformed", "0.02", "--notices", "0.01",
		"--seed", "5", "--out", capture).wait(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := start(t, "scraper", "replay", capture, "--speed", "0", "--publish", s.URL()).wait(60 * time.Second); err != nil {
		t.Fatalf("publishing: %v", err)
	}
	if got, want := storedLines(t, s.URL()), fileLines(t, capture); len(got) != len(want) {
		t.Fatalf("the stream holds %d lines, the capture %d", len(got), len(want))
	}
	out := func(name string, args ...string) (windows, assignments []byte) {
		d := filepath.Join(dir, name)
		a := append([]string{"run", "--clock", "event", "--maps=false", "--out", d, "--assignments", filepath.Join(d, "a.csv")}, args...)
		if err := start(t, "analyzer", a...).wait(120 * time.Second); err != nil {
			t.Fatalf("analyzer %s: %v", name, err)
		}
		w, _ := os.ReadFile(filepath.Join(d, "windows.ndjson"))
		as, _ := os.ReadFile(filepath.Join(d, "a.csv"))
		return w, as
	}
	w1, a1 := out("nats", "--nats", s.URL(), "--once")
	w2, a2 := out("file", "--input", capture)
	if len(w2) == 0 || !bytes.Equal(w1, w2) {
		t.Fatalf("windows.ndjson differs: %d bytes from NATS, %d from the capture", len(w1), len(w2))
	}
	if !bytes.Equal(a1, a2) {
		t.Fatal("the assignments differ")
	}
}

// TestNATSScraperRestartStoresNoDuplicates: a scraper killed while it
// publishes and started again on the same input leaves the stream
// holding every line once, in order.
func TestNATSScraperRestartStoresNoDuplicates(t *testing.T) {
	s := bustest.Run(t)
	js := jsConn(t, s.URL())
	dir := t.TempDir()
	synth := []string{"synth", "--count", "4000", "--rate", "200", "--speed", "4", "--seed", "3", "--notices", "0.01", "--malformed", "0.01"}
	ref := filepath.Join(dir, "ref.jsonl")
	if err := start(t, "scraper", append(synth, "--out", ref)...).wait(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	want := fileLines(t, ref)
	p1 := start(t, "scraper", append(synth, "--publish", s.URL())...)
	waitFor(t, "1000 lines stored", 60*time.Second, func() bool { return streamLen(t, js) >= 1000 })
	p1.cmd.Process.Signal(syscall.SIGKILL)
	p1.wait(10 * time.Second)
	before := streamLen(t, js)
	if before >= uint64(len(want)) {
		t.Fatalf("the first scraper stored all %d lines before it was killed", before)
	}
	p2 := start(t, "scraper", append(synth, "--publish", s.URL())...)
	if err := p2.wait(60 * time.Second); err != nil {
		t.Fatalf("the restarted scraper: %v", err)
	}
	got := storedLines(t, s.URL())
	if len(got) != len(want) {
		t.Fatalf("the stream holds %d lines after the restart, the input has %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("line %d stored as %q, want %q", i, got[i], want[i])
		}
	}
	closed := p2.waitLog("NATS publisher closed", 1, time.Second)
	if dup := closed["duplicates"].(float64); dup < float64(before) {
		t.Fatalf("the restarted scraper was told of %v duplicates; %d lines were already stored", dup, before)
	}
}

// TestNATSAnalyzerKillResumes: an analyzer killed while it reads is
// started again under its durable name and carries on: what it had
// acked is not sent again, and everything after it is, so that the two
// runs' windows count every line, each once. While it reads, a second
// analyzer under its name is refused.
func TestNATSAnalyzerKillResumes(t *testing.T) {
	s := bustest.Run(t)
	js := jsConn(t, s.URL())
	dir := t.TempDir()
	scr := start(t, "scraper", "synth", "--count", "30000", "--rate", "100", "--speed", "25", "--seed", "4",
		"--notices", "0.01", "--malformed", "0.01", "--publish", s.URL())
	waitFor(t, "the stream", 30*time.Second, func() bool { return streamLen(t, js) > 0 })
	// A checkpoint, and so an ack, after every window: the resumed run
	// writes elsewhere, so it counts again what the killed run wrote
	// after its last ack (with the default --checkpoint-every, up to 2 s
	// of windows of this full-speed replay).
	run := []string{"run", "--nats", s.URL(), "--nats-durable", "kill-me", "--clock", "event", "--maps=false",
		"--checkpoint-every", "0"}
	d1, d2 := filepath.Join(dir, "1"), filepath.Join(dir, "2")
	an1 := start(t, "analyzer", append(run, "--out", d1)...)
	waitFor(t, "4 windows", 60*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(d1, "windows.ndjson"))
		return bytes.Count(b, []byte("\n")) >= 4
	})
	// A second analyzer under the name that one reads is refused, and
	// told how to share the stream.
	second := start(t, "analyzer", append(run, "--out", filepath.Join(dir, "second"))...)
	if err := second.wait(60 * time.Second); exitCode(err) != 1 {
		t.Fatalf("a second analyzer on durable kill-me: %v, want exit 1", err)
	}
	if last := lastError(second); !strings.Contains(last, "another analyzer reads") || !strings.Contains(last, "--nats-partitions") {
		t.Fatalf("the second analyzer says %q", last)
	}
	an1.cmd.Process.Signal(syscall.SIGKILL)
	an1.wait(10 * time.Second)
	if err := scr.wait(120 * time.Second); err != nil {
		t.Fatalf("scraper: %v", err)
	}
	cons, err := js.Consumer(t.Context(), bus.Stream, "kill-me")
	if err != nil {
		t.Fatal(err)
	}
	floor := cons.CachedInfo().AckFloor.Stream
	total := len(storedLines(t, s.URL()))
	if floor == 0 || floor >= uint64(total) {
		t.Fatalf("ack floor %d of %d lines: the kill did not land mid-stream", floor, total)
	}
	if err := start(t, "analyzer", append(run, "--once", "--out", d2)...).wait(120 * time.Second); err != nil {
		t.Fatalf("the resumed analyzer: %v", err)
	}
	w1, last1 := slideLines(t, filepath.Join(d1, "windows.ndjson"))
	w2, _ := slideLines(t, filepath.Join(d2, "windows.ndjson"))
	acked := int(floor) // one stream, one subject: line n has sequence n
	if w2 != total-acked {
		t.Fatalf("the resumed run counted %d lines; %d were not acked", w2, total-acked)
	}
	if w1 < acked {
		t.Fatalf("the killed run acked %d lines but wrote windows for %d: lines acked before they were written", acked, w1)
	}
	// A kill between writing a window and its ack reaching the server
	// would leave that window's lines to be sent again.
	if dup := w1 - acked; dup != 0 {
		if dup > last1 {
			t.Fatalf("%d lines written by the killed run were not acked, more than its last window's %d", dup, last1)
		}
		t.Logf("the kill fell between a window and its ack: %d lines counted twice", dup)
	}
	if info, _ := js.Consumer(t.Context(), bus.Stream, "kill-me"); info.CachedInfo().AckFloor.Stream != uint64(total) {
		t.Fatalf("after the resumed run the ack floor is %d of %d", info.CachedInfo().AckFloor.Stream, total)
	}
}

// TestNATSServerRestart: the server goes away while the scraper publishes
// and the analyzer reads, and comes back; both carry on and the windows
// count every line once.
func TestNATSServerRestart(t *testing.T) {
	s := bustest.Run(t)
	js := jsConn(t, s.URL())
	dir := t.TempDir()
	scr := start(t, "scraper", "synth", "--count", "20000", "--rate", "100", "--speed", "20", "--seed", "6", "--publish", s.URL())
	waitFor(t, "the stream", 30*time.Second, func() bool { return streamLen(t, js) > 0 })
	an := start(t, "analyzer", "run", "--nats", s.URL(), "--nats-durable", "r", "--clock", "event", "--maps=false", "--out", dir)
	an.waitLog("window", 3, 60*time.Second)
	s.Restart()
	an.waitLog("reconnected to NATS", 1, 30*time.Second)
	if err := scr.wait(120 * time.Second); err != nil {
		t.Fatalf("scraper: %v", err)
	}
	scr.waitLog("reconnected to NATS", 1, time.Second)
	made := uint64(scr.waitLog("done", 1, time.Second)["lines"].(float64))
	total := uint64(len(storedLines(t, s.URL())))
	if total != made || made < 20000 {
		t.Fatalf("the stream holds %d lines, the scraper made %d", total, made)
	}
	waitFor(t, "the analyzer to catch up", 120*time.Second, func() bool {
		c, err := js.Consumer(t.Context(), bus.Stream, "r")
		return err == nil && c.CachedInfo().NumPending == 0 && c.CachedInfo().Delivered.Stream == total
	})
	an.cmd.Process.Signal(os.Interrupt)
	if err := an.wait(60 * time.Second); err != nil {
		t.Fatalf("analyzer: %v", err)
	}
	if n, _ := slideLines(t, filepath.Join(dir, "windows.ndjson")); n != int(total) {
		t.Fatalf("the windows count %d lines of %d", n, total)
	}
}

// TestNATSCredentialsAndTLS: each way a NATS server asks a client to
// prove itself reaches both binaries, from the flags and the
// environment, and a client without it is refused with a clear error.
func TestNATSCredentialsAndTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := wiretest.Cert(t, dir)
	credsOpt, creds := bustest.Creds(t, dir)
	for _, c := range []struct {
		name   string
		server []bustest.Option
		env    []string
		flags  []string
	}{
		{"token over TLS", []bustest.Option{bustest.Token("s3cret"), bustest.TLS(t, cert, key, "", false)},
			[]string{"NATS_TOKEN=s3cret"}, []string{"--nats-tls-ca", cert}},
		{"user and password", []bustest.Option{bustest.User("geo", "pa55")}, []string{"NATS_USER=geo", "NATS_PASSWORD=pa55"}, nil},
		{"credentials file", []bustest.Option{credsOpt}, nil, []string{"--nats-creds", creds}},
		{"mutual TLS", []bustest.Option{bustest.TLS(t, cert, key, cert, true)}, nil,
			[]string{"--nats-tls-ca", cert, "--nats-tls-cert", cert, "--nats-tls-key", key}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := bustest.Run(t, c.server...)
			out := t.TempDir()
			scr := startEnv(t, c.env, "scraper", append([]string{"synth", "--count", "500", "--rate", "50", "--speed", "0",
				"--publish", s.URL()}, c.flags...)...)
			if err := scr.wait(60 * time.Second); err != nil {
				t.Fatalf("scraper: %v", err)
			}
			an := startEnv(t, c.env, "analyzer", append([]string{"run", "--nats", s.URL(), "--once", "--maps=false", "--out", out}, c.flags...)...)
			if err := an.wait(60 * time.Second); err != nil {
				t.Fatalf("analyzer: %v", err)
			}
			made := int(scr.waitLog("done", 1, time.Second)["lines"].(float64))
			if n, _ := slideLines(t, filepath.Join(out, "windows.ndjson")); n != made || made < 500 {
				t.Fatalf("the windows count %d lines of the %d published", n, made)
			}
			// Without what the server asks for: refused, non-zero, and
			// the error says what happened without the secret.
			bad := start(t, "analyzer", "run", "--nats", s.URL(), "--once", "--maps=false", "--out", t.TempDir())
			if err := bad.wait(30 * time.Second); err == nil {
				t.Fatal("the analyzer ran without credentials")
			}
			log := bad.log.Text()
			if !strings.Contains(log, "analyzer: --nats: connecting to") || strings.Contains(log, "s3cret") || strings.Contains(log, "pa55") {
				t.Fatalf("the refusal says:\n%s", log)
			}
		})
	}
}
