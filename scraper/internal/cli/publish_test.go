package cli

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	natssink "github.com/geostream/geostream/scraper/internal/sink/nats"
	"github.com/geostream/geostream/shared/bus/bustest"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/logs/logtest"
)

// runScraper runs the scraper's root command as Main would, with the
// environment env, and returns its exit code and log.
func runScraper(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stderr logtest.Buffer
	root := NewRootCmd(Deps{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return env[k] }})
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		stderr.Write([]byte("scraper: " + err.Error() + "\n"))
	}
	return cmdhelp.ExitCode(err), stderr.String()
}

// streamMsgs counts the lines the stream holds, and lists its subjects.
func streamMsgs(t *testing.T, url string, opts ...nats.Option) (uint64, []string) {
	t.Helper()
	msgs := bustest.Stored(t, url, opts...)
	var subjects []string
	for _, m := range msgs {
		if !slices.Contains(subjects, m.Subject) {
			subjects = append(subjects, m.Subject)
		}
	}
	return uint64(len(msgs)), subjects
}

func TestPublishFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"a nats flag without --publish", []string{"--nats-subject", "geostream.tweets.x"}, 2, "--nats-subject needs --publish"},
		{"not a URL", []string{"--publish", "127.0.0.1:4222"}, 2, "nats://"},
		{"a dedup window over the age", []string{"--publish", "nats://127.0.0.1:1", "--nats-max-age", "1m", "--nats-dedup-window", "1h"}, 2, "--nats-dedup-window"},
		{"a token and a user", []string{"--publish", "nats://127.0.0.1:1"}, 2, "one of"},
		{"no age limit", []string{"--publish", "nats://127.0.0.1:1", "--nats-max-age", "0"}, 2, "must be positive"},
		{"no size limit", []string{"--publish", "nats://127.0.0.1:1", "--nats-max-bytes", "0"}, 2, "must be positive"},
		{"a timeout over the dedup window", []string{"--publish", "nats://127.0.0.1:1", "--nats-dedup-window", "10s", "--nats-timeout", "1m"}, 2, "stored twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{}
			if c.name == "a token and a user" {
				env = map[string]string{"NATS_TOKEN": "t0ken", "NATS_USER": "u"}
			}
			_, code, err := synthArgs(t, env, c.args...)
			if code != c.code || err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("exit %d, %v; want %d and %q", code, err, c.code, c.msg)
			}
			if strings.Contains(err.Error(), "t0ken") {
				t.Fatal("the error shows the token")
			}
		})
	}
	o, code, err := synthArgs(t, map[string]string{"NATS_TOKEN": "t0ken"}, "--publish", "nats://127.0.0.1:4222")
	if err != nil || code != 0 {
		t.Fatal(code, err)
	}
	if n := &o.Serve.NATS; n.Conn.Token != "t0ken" || n.serveTCP("") || n.MaxAge != 24*time.Hour || n.update != (natssink.Limits{}) {
		t.Fatalf("--publish alone: %+v", n)
	}
	o, _, _ = synthArgs(t, nil, "--publish", "nats://127.0.0.1:4222", "--listen", "127.0.0.1:0", "--nats-max-age", "1h")
	if n := &o.Serve.NATS; !n.serveTCP("") || n.update != (natssink.Limits{MaxAge: true}) || n.serveTCP("file.jsonl") {
		t.Fatalf("--publish with --listen: %+v", n)
	}
}

// TestPublishOnly: synth with --publish alone stores every line in the
// stream, on geostream.tweets.synth, with no TCP server and no wait for
// clients; the token comes from the environment.
func TestPublishOnly(t *testing.T) {
	s := bustest.Run(t, bustest.Token("s3cret"))
	env := map[string]string{"NATS_TOKEN": "s3cret"}
	code, log := runScraper(t, env, "synth", "--count", "3000", "--speed", "0", "--notices", "0.01", "--malformed", "0.01",
		"--publish", s.URL(), "--log-format", "json")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	if strings.Contains(log, `"msg":"serving"`) || strings.Contains(log, "waiting for clients") {
		t.Fatalf("a TCP server ran with --publish alone:\n%s", log)
	}
	if strings.Contains(log, "s3cret") {
		t.Fatal("the log shows the token")
	}
	n, subjects := streamMsgs(t, s.URL(), nats.Token("s3cret"))
	// 3000 tweets and the notices and malformed lines between them.
	if n < 3000 || n > 3200 || len(subjects) != 1 || subjects[0] != "geostream.tweets.synth" {
		t.Fatalf("stream holds %d lines on %v", n, subjects)
	}
	// Run again: the same lines, nothing new stored.
	if code, log := runScraper(t, env, "synth", "--count", "3000", "--speed", "0", "--notices", "0.01", "--malformed", "0.01",
		"--publish", s.URL(), "--log-format", "json"); code != 0 {
		t.Fatalf("second run: exit %d:\n%s", code, log)
	}
	if n2, _ := streamMsgs(t, s.URL(), nats.Token("s3cret")); n2 != n {
		t.Fatalf("a second run of the same synth made the stream %d lines long, was %d", n2, n)
	}
}

// TestPublishUndeliverable: a server that does not answer makes the
// scraper exit non-zero, saying why, within its --nats-timeout.
func TestPublishUndeliverable(t *testing.T) {
	s := bustest.Run(t)
	url := s.URL()
	s.Stop()
	start := time.Now()
	code, log := runScraper(t, nil, "synth", "--count", "100", "--speed", "0", "--publish", url, "--nats-timeout", "1s")
	if code != 1 || !strings.Contains(log, "connect") {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatal("took too long to give up")
	}
}

// TestPublishMetrics: with --publish alone, --metrics-addr serves the
// publisher's counters.
func TestPublishMetrics(t *testing.T) {
	s := bustest.Run(t)
	p := startProc(t, "synth", "--rate", "200", "--publish", s.URL(), "--metrics-addr", "127.0.0.1:0")
	addr, _ := p.waitLog(t, "serving metrics", 20*time.Second)["addr"].(string)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := regexp.MustCompile(`(?m)^geostream_scraper_nats_stored_total (\d+)`).FindSubmatch(body); m != nil && string(m[1]) != "0" {
			if strings.Contains(string(body), "geostream_scraper_lines_out_total") {
				t.Fatalf("the socket's counters with no socket:\n%s", body)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stored lines counted after 20 s:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond) // polling a counter over HTTP: there is no event to wait on
	}
}
