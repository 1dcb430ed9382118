package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/cmdhelp"
)

func TestEventFlags(t *testing.T) {
	o, err := runArgs(t)
	if err != nil {
		t.Fatal(err)
	}
	if o.Pipeline.Events == nil || o.Events.detector == nil {
		t.Fatal("events are not looked for by default")
	}
	o, err = runArgs(t, "--events=false")
	if err != nil {
		t.Fatal(err)
	}
	if o.Pipeline.Events != nil {
		t.Fatal("--events=false still looks for events")
	}
	if _, err := runArgs(t, "--event-min-posts", "20", "--event-sensitivity", "1e-9", "--event-half-life", "30m"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--event-min-posts", "0"}, "--event-min-posts"},
		{[]string{"--event-sensitivity", "2"}, "--event-sensitivity"},
		{[]string{"--event-sensitivity", "0"}, "--event-sensitivity"},
		{[]string{"--event-half-life", "1s"}, "--event-half-life"},
		{[]string{"--nats-events", "alerts"}, "--nats-events needs --nats"},
	} {
		_, err := runArgs(t, bad.args...)
		var ue cmdhelp.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%v: got %v, want a usage error naming %s", bad.args, err, bad.msg)
		}
	}
}

// TestRunWritesEvents: a run writes events.ndjson beside windows.ndjson,
// and with --events=false neither the file nor the windows' events.
func TestRunWritesEvents(t *testing.T) {
	var capture strings.Builder
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 400 {
		fmt.Fprintf(&capture, `{"id":"%d","created_at":"%s","lon":%d,"lat":10,"text":"word%d other%d"}`+"\n",
			i, t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i%50, i%7, i%11)
	}
	in := filepath.Join(t.TempDir(), "capture.jsonl")
	if err := os.WriteFile(in, []byte(capture.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, on := range []bool{true, false} {
		out := t.TempDir()
		root := NewRootCmd(Deps{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
		root.SetArgs([]string{"run", "--input", in, "--maps=false", "--out", out, fmt.Sprintf("--events=%v", on)})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		_, err := os.Stat(filepath.Join(out, "events.ndjson"))
		if on != (err == nil) {
			t.Errorf("--events=%v: events.ndjson: %v", on, err)
		}
		windows, err := os.ReadFile(filepath.Join(out, "windows.ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(string(windows), `"events":[`); on && got != strings.Count(string(windows), "\n") || !on && got != 0 {
			t.Errorf("--events=%v: %d of the windows have events", on, got)
		}
	}
}

func TestEventFlagsHaveAHelpGroup(t *testing.T) {
	var out strings.Builder
	root := NewRootCmd(Deps{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }})
	root.SetArgs([]string{"run", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(out.String(), "Event flags:")
	if i < 0 {
		t.Fatalf("run --help has no Event flags:\n%s", out.String())
	}
	group, _, _ := strings.Cut(out.String()[i:], "\n\n")
	for _, f := range []string{"--events", "--event-min-posts", "--event-sensitivity", "--event-half-life", "--nats-events"} {
		if !strings.Contains(group, f) {
			t.Errorf("run --help has no %s under Event flags:\n%s", f, out.String())
		}
	}
}
