package cli

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/geostream/geostream/shared/cmdhelp"
)

func TestLiveFlags(t *testing.T) {
	o, err := runArgs(t, "--http", "127.0.0.1:0", "--http-linger", "1m")
	if err != nil {
		t.Fatal(err)
	}
	if o.Model.cluster.Examples != liveExamples || !o.Pipeline.KeepText || o.Live.windows != 30 || o.Live.linger.Minutes() != 1 {
		t.Fatalf("--http: examples %d, keep text %v, %+v", o.Model.cluster.Examples, o.Pipeline.KeepText, o.Live)
	}
	if o, err = runArgs(t); err != nil || o.Model.cluster.Examples != 0 || o.Pipeline.KeepText {
		t.Fatalf("without --http the tweets' text is kept (%v, %v)", o.Pipeline.KeepText, err)
	}
	// Off loopback the page needs the token: here it comes from GEOSTREAM_TOKEN.
	if _, err = runArgs(t, "--http", "0.0.0.0:0"); err != nil {
		t.Fatalf("non-loopback with a token: %v", err)
	}
	for _, args := range [][]string{
		{"--http-linger", "5s"},
		{"--http", "127.0.0.1:0", "--http-windows", "0"},
		{"--http", "127.0.0.1:0", "--http-windows", "5000"},
		{"--http", "127.0.0.1:0", "--http-linger", "-1s"},
		{"--http", "8080"},
	} {
		var ue cmdhelp.UsageError
		if _, err := runArgs(t, args...); !errors.As(err, &ue) {
			t.Errorf("%q: got %v, want a usage error", args, err)
		}
	}
	// Without any token, a non-loopback address is refused before anything starts.
	root := NewRootCmd(Deps{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	root.SetArgs([]string{"run", "--input", "-", "--http", "0.0.0.0:0", "--maps=false", "--out", t.TempDir()})
	var ue cmdhelp.UsageError
	if err := root.Execute(); !errors.As(err, &ue) || !strings.Contains(err.Error(), "--token") {
		t.Fatalf("non-loopback without a token: %v", err)
	}
}
