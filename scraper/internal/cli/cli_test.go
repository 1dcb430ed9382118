package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/scraper/internal/sink/server"
	"github.com/geostream/geostream/shared/bbox"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/logs"
	"github.com/geostream/geostream/shared/wire/wiretest"
)

// testDeps are the process as a command sees it, with environment env.
func testDeps(env map[string]string) (Deps, *bytes.Buffer) {
	var out bytes.Buffer
	return Deps{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &bytes.Buffer{},
		Getenv: func(k string) string { return env[k] }}, &out
}

func testDepsOnly() Deps { d, _ := testDeps(nil); return d }

// execute runs cmd with args as Main would, returning what Main would exit
// with.
func execute(cmd *cobra.Command, args ...string) (int, error) {
	return executeCtx(context.Background(), cmd, args...)
}

// executeCtx is execute until ctx ends.
func executeCtx(ctx context.Context, cmd *cobra.Command, args ...string) (int, error) {
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetFlagErrorFunc(cmdhelp.FlagError)
	err := cmd.ExecuteContext(ctx)
	return cmdhelp.ExitCode(err), err
}

var quiet = &logOptions{Flags: logs.Flags{Format: "text", Level: "error"}}

// parse runs a command built by newCmd with args and environment env, with
// a runF that keeps the options instead of running: what the flags made of
// them, and what Main would exit with.
func parse[O any](newCmd func(Deps, *logOptions, func(context.Context, *O) error) *cobra.Command,
	env map[string]string, args ...string) (*O, int, error) {
	var got *O
	d, _ := testDeps(env)
	code, err := execute(newCmd(d, quiet, func(_ context.Context, o *O) error { got = o; return nil }), args...)
	return got, code, err
}

func synthArgs(_ *testing.T, env map[string]string, args ...string) (*SynthOptions, int, error) {
	return parse(newSynthCmd, env, args...)
}

func replayArgs(_ *testing.T, args ...string) (*ReplayOptions, int, error) {
	return parse(newReplayCmd, nil, args...)
}

var xToken = map[string]string{"X_BEARER_TOKEN": "x-token"}

func streamArgs(_ *testing.T, env map[string]string, args ...string) (*StreamOptions, int, error) {
	return parse(newStreamCmd, env, args...)
}

func TestSynthFlags(t *testing.T) {
	o, code, err := synthArgs(t, map[string]string{"GEOSTREAM_TOKEN": "from-env"})
	if err != nil || code != 0 {
		t.Fatal(code, err)
	}
	s := &o.Serve
	if s.Listen != "127.0.0.1:9999" || s.Speed != 1 || s.WaitClients != 1 || !s.lossless || s.Queue != server.DefaultQueueLen ||
		s.MaxClients != server.DefaultMaxClients || s.Token != "from-env" || s.Format != "raw" || s.log == nil {
		t.Fatalf("defaults: %+v", s)
	}
	if o.Gen.Start.IsZero() || o.Gen.Rate != 50 || o.Gen.API != "v2" {
		t.Fatalf("generator defaults: %+v", o.Gen)
	}
	o, _, err = synthArgs(t, nil, "--rate", "7", "--count", "5", "--api", "v1", "--seed", "3", "--start", "2025-06-01T12:00:00Z",
		"--malformed", "0.5", "--labels", "l.tsv", "--format", "compact", "--queue", "10", "--max-clients", "0",
		"--listen", "127.0.0.1:0", "--token", "t", "--record", "r.jsonl.gz", "--stats-interval", "0", "--client-timeout", "3s",
		"--metrics-addr", "127.0.0.1:0", "--max-line", "100", "--wait-clients", "2")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	if g := o.Gen; g.Rate != 7 || g.Count != 5 || g.API != "v1" || g.Seed != 3 || !g.Start.Equal(want) || g.Malformed != 0.5 || o.Labels != "l.tsv" {
		t.Fatalf("generator: %+v", g)
	}
	if s := o.Serve; s.Format != "compact" || s.Queue != 10 || s.MaxClients != 0 || s.Listen != "127.0.0.1:0" || s.Token != "t" ||
		s.Record != "r.jsonl.gz" || s.StatsInterval != 0 || s.ClientTimeout != 3*time.Second || s.MetricsAddr != "127.0.0.1:0" ||
		s.MaxLine != 100 || s.WaitClients != 2 {
		t.Fatalf("serve: %+v", s)
	}
	o, _, _ = synthArgs(t, nil, "--out", "x.jsonl")
	if o.Serve.Speed != 0 || o.Serve.Out != "x.jsonl" {
		t.Fatalf("--out should mean --speed 0 unless given: %+v", o.Serve)
	}
	o, _, _ = synthArgs(t, nil, "--out", "x.jsonl", "--speed", "1")
	if o.Serve.Speed != 1 {
		t.Fatalf("--speed 1 with --out: %v", o.Serve.Speed)
	}
}

func TestSynthTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := wiretest.Cert(t, dir)
	o, _, err := synthArgs(t, nil, "--tls-cert", cert, "--tls-key", key)
	if err != nil || o.Serve.tls == nil || len(o.Serve.tls.Certificates) != 1 {
		t.Fatalf("TLS options not loaded: %v", err)
	}
}

func TestReplayFlags(t *testing.T) {
	f := filepath.Join(t.TempDir(), "c.jsonl")
	if err := os.WriteFile(f, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o, code, err := replayArgs(t, f, f, "--loop", "--speed", "10", "--max-line", "500")
	if err != nil || code != 0 {
		t.Fatal(code, err)
	}
	if r := o.Replay; fmt.Sprint(r.Files) != fmt.Sprint([]string{f, f}) || !r.Loop || r.MaxLine != 500 || r.Stdin == nil || r.Logger == nil ||
		o.Serve.Speed != 10 || !o.Serve.lossless {
		t.Fatalf("options %+v", o)
	}
	if o, _, err = replayArgs(t, "-"); err != nil || o.Replay.Files[0] != "-" {
		t.Fatalf("stdin: %v", err)
	}
}

func TestStreamFlags(t *testing.T) {
	o, code, err := streamArgs(t, xToken, "--track", "ibm, cloud,,big data", "--lang", "en", "--bbox", "-130,-20,100,50", "--api-url", "http://127.0.0.1:1/")
	if err != nil || code != 0 {
		t.Fatal(code, err)
	}
	if o.token != "x-token" || o.APIURL != "http://127.0.0.1:1" || o.Serve.lossless || o.Serve.WaitClients != 0 {
		t.Fatalf("options %+v", o)
	}
	want := xapiPlan{rules: []string{`(ibm OR cloud OR "big data") lang:en has:geo`}, box: &bbox.Box{W: -130, S: -20, E: 100, N: 50}}
	if fmt.Sprint(o.plan.rules) != fmt.Sprint(want.rules) || o.plan.box == nil || *o.plan.box != *want.box || o.plan.sample || len(o.plan.langs) != 0 {
		t.Fatalf("plan %+v, want %+v", o.plan, want)
	}
	o, _, err = streamArgs(t, map[string]string{"TWITTER_BEARER_TOKEN": "old-name"}, "--sample", "--lang", "en,fr", "--dry-run")
	if err != nil || o.token != "old-name" || !o.plan.sample || !o.DryRun || fmt.Sprint(o.plan.langs) != "[en fr]" {
		t.Fatalf("sample: %+v %v", o, err)
	}
	o, _, err = streamArgs(t, xToken, "--rule", "has:geo storm", "--rule", "flood lang:en")
	if err != nil || fmt.Sprint(o.plan.rules) != "[has:geo storm flood lang:en]" || o.plan.sample {
		t.Fatalf("raw rules: %+v %v", o.plan, err)
	}
}

// TestBadFlags: bad flags and bad combinations are usage errors, exit 2.
func TestBadFlags(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.jsonl")
	tests := []struct {
		cmd  string
		args []string
	}{
		{"synth", []string{"--format", "xml"}},
		{"synth", []string{"--queue", "0"}},
		{"synth", []string{"--max-line", "0"}},
		{"synth", []string{"--wait-clients", "-1"}},
		{"synth", []string{"--speed", "-1"}},
		{"synth", []string{"--speed", "NaN"}},
		{"synth", []string{"--client-timeout", "-1s"}},
		{"synth", []string{"--out", "x.jsonl", "--record", "x.jsonl"}},
		{"synth", []string{"--tls-cert", "c.pem"}},
		{"synth", []string{"--tls-key", "k.pem"}},
		{"synth", []string{"--tls-cert", missing, "--tls-key", missing}},
		{"synth", []string{"--start", "yesterday"}},
		{"synth", []string{"--api", "v3"}},
		{"synth", []string{"--rate", "-5"}},
		{"synth", []string{"--no-geo", "1.5"}},
		{"synth", []string{"--log-level", "loud"}},
		{"synth", []string{"--no-such-flag"}},
		{"synth", []string{"--out", "x.jsonl", "--metrics-addr", "127.0.0.1:0"}}, // no socket, no publisher: no counters
		{"synth", []string{"extra-arg"}},
		{"replay", nil},
		{"replay", []string{missing}},
		{"replay", []string{"-", "--loop"}},
		{"replay", []string{"-", "--format", "xml"}},
		{"stream", []string{"--track", "a", "--bbox", "1,2,3"}},
		{"stream", []string{"--track", "a", "--bbox", "10,0,5,5"}},
		{"stream", []string{"--sample", "--track", "a"}},
		{"stream", []string{"--sample", "--rule", "has:geo a"}},
		{"stream", []string{"--track", " , "}},
		{"stream", []string{"--speed", "1"}}, // live: no pace to set
	}
	for _, tc := range tests {
		t.Run(tc.cmd+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			var code int
			var err error
			switch tc.cmd {
			case "synth":
				_, code, err = synthArgs(t, nil, tc.args...)
			case "replay":
				_, code, err = replayArgs(t, tc.args...)
			case "stream":
				_, code, err = streamArgs(t, xToken, tc.args...)
			}
			if code != 2 {
				t.Fatalf("exit code %d (%v), want 2 for a usage error", code, err)
			}
		})
	}
	t.Run("stream without a token", func(t *testing.T) {
		_, code, err := streamArgs(t, nil, "--track", "a")
		if code != 2 || !strings.Contains(err.Error(), "X_BEARER_TOKEN") {
			t.Fatalf("exit %d: %v", code, err)
		}
	})
}

// TestLogLevelFromTheRoot: the persistent log flags reach the commands.
func TestLogLevelFromTheRoot(t *testing.T) {
	d, _ := testDeps(nil)
	var stderr bytes.Buffer
	d.Stderr = &stderr
	f := filepath.Join(t.TempDir(), "c.jsonl")
	os.WriteFile(f, []byte(`{"id":"1","text":"x"}`+"\n"), 0o644)
	root := NewRootCmd(d)
	root.SetArgs([]string{"replay", f, "--out", "-", "--log-format", "json", "--log-level", "debug"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), `"msg":"replaying"`) {
		t.Fatalf("no JSON log: %q", stderr.String())
	}
	if got := d.Stdout.(*bytes.Buffer).String(); got != `{"id":"1","text":"x"}`+"\n" {
		t.Fatalf("--out - wrote %q", got)
	}
}

// TestReplayRefusesWhatIsNoCapture: replay reads its files before it waits
// for a client, so an image or an empty file is refused at once (exit 2,
// saying what is wrong), not after a client has come; a capture of notices
// only is served.
func TestReplayRefusesWhatIsNoCapture(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	os.WriteFile(good, []byte(`{"id":"1","text":"x"}`+"\n"), 0o644)
	png := filepath.Join(dir, "demo.png")
	os.WriteFile(png, bytes.Repeat([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR binary\n"), 200), 0o644)
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	blank := filepath.Join(dir, "blank.jsonl")
	os.WriteFile(blank, []byte("\n\n"), 0o644)
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"an image", []string{png}, "", "does not look like a capture"},
		{"an empty file", []string{empty}, "", "is empty"},
		{"blank lines", []string{blank}, "", "its first 2 lines hold no tweet"},
		{"an empty file after a good one", []string{good, empty}, "", "empty.jsonl is empty"},
		{"empty standard input", []string{"-"}, "", "- is empty"},
		{"an image on standard input", []string{"-"}, "\x89PNG\n\x00\n", "- does not look like a capture"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := testDeps(nil)
			d.Stdin = strings.NewReader(tc.stdin)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			// A client is waited for by default: only a refusal before the
			// wait returns before the deadline.
			code, err := executeCtx(ctx, newReplayCmd(d, quiet, nil), append(tc.args, "--listen", "127.0.0.1:0")...)
			if ctx.Err() != nil {
				t.Fatalf("waited for a client before refusing (%v)", err)
			}
			if code != 2 || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("exit %d: %v; want 2 and %q", code, err, tc.want)
			}
		})
	}
	if code, err := execute(newReplayCmd(testDepsOnly(), quiet, nil), empty, "--out", "-"); code != 2 || err == nil {
		t.Fatalf("an empty file written out: exit %d (%v)", code, err)
	}
	var out bytes.Buffer
	d, _ := testDeps(nil)
	d.Stdout = &out
	notices := filepath.Join(dir, "notices.jsonl")
	os.WriteFile(notices, []byte(`{"limit":{"track":1}}`+"\n"), 0o644)
	if code, err := execute(newReplayCmd(d, quiet, nil), notices, "--out", "-"); code != 0 || out.String() != `{"limit":{"track":1}}`+"\n" {
		t.Fatalf("a capture of notices: exit %d (%v), wrote %q", code, err, out.String())
	}
}
