//go:build unix

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A corpus from a pipe cannot be read once per epoch: it is held in
// memory, and every epoch trains on all of it.
func TestEmbedTrainFromAPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no fifo here:", err)
	}
	corpus := strings.Repeat("storm flood rain wind storm flood\ngame bowl score team game bowl\n", 1500)
	go func() { // owned by the test: ends when the whole corpus is written
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.WriteString(corpus)
			w.Close()
		}
	}()
	var out, errb bytes.Buffer
	root := NewRootCmd(Deps{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	root.SetArgs([]string{"embed", "train", "--corpus", fifo, "--out", filepath.Join(dir, "p.bin"), "--dim", "8",
		"--epochs", "3", "--threads", "1", "--min-count", "1"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if !strings.Contains(errb.String(), "holding it in memory") || !strings.Contains(errb.String(), "trained on 54000 words") {
		t.Fatalf("stderr: %s", errb.String())
	}
}
