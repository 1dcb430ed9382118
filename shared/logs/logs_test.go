package logs

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/spf13/pflag"

	"github.com/geostream/geostream/shared/cmdhelp"
)

func TestNew(t *testing.T) {
	var b bytes.Buffer
	log, err := New(&b, "json", "warn")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown", "k", 1)
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil || m["msg"] != "shown" {
		t.Fatalf("got %q", b.String())
	}
	for _, bad := range [][2]string{{"xml", "info"}, {"text", "loud"}} {
		if _, err := New(&b, bad[0], bad[1]); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestFlags(t *testing.T) {
	var f Flags
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	f.Add(fs)
	if err := fs.Parse([]string{"--log-format", "json"}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	log, err := f.Logger(&b)
	if err != nil || f.Level != "info" {
		t.Fatalf("defaults: level %q, %v", f.Level, err)
	}
	log.Info("shown")
	if !json.Valid(b.Bytes()) {
		t.Fatalf("not JSON: %q", b.String())
	}
	f.Level = "loud"
	if _, err := f.Logger(&b); cmdhelp.ExitCode(err) != 2 {
		t.Fatalf("a bad level: %v, not a usage error", err)
	}
}
