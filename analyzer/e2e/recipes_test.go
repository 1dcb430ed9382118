package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestReplayRecipe follows README's replay recipe word for word: a capture
// replayed into the socket at full speed, and a plain analyzer run with no
// clock or ending flags. The analyzer must batch by the tweets' own times
// (the scraper's hello says it replays), end by itself when the replay
// does, and write the same windows as reading the capture with --input.
func TestReplayRecipe(t *testing.T) {
	dir := t.TempDir()
	capture := filepath.Join(dir, "capture.jsonl.gz")
	if out, err := exec.Command(filepath.Join(bin, "scraper"), "synth", "--count", "8000", "--seed", "4", "--out", capture).CombinedOutput(); err != nil {
		t.Fatalf("making the capture: %v\n%s", err, out)
	}
	scr := start(t, "scraper", "replay", capture, "--speed", "0", "--listen", "127.0.0.1:0")
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)
	viaSocket := filepath.Join(dir, "socket")
	an := start(t, "analyzer", "run", "--connect", addr, "--maps=false", "--out", viaSocket)
	if err := an.wait(120 * time.Second); err != nil {
		t.Fatalf("analyzer: %v", err)
	}
	if err := scr.wait(30 * time.Second); err != nil {
		t.Fatalf("scraper: %v", err)
	}
	an.waitLog("scraper closed the stream", 1, time.Second)

	viaFile := filepath.Join(dir, "file")
	if out, err := exec.Command(filepath.Join(bin, "analyzer"), "run", "--input", capture, "--maps=false", "--out", viaFile).CombinedOutput(); err != nil {
		t.Fatalf("analyzer --input: %v\n%s", err, out)
	}
	a, err := os.ReadFile(filepath.Join(viaSocket, "windows.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(viaFile, "windows.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("windows through the socket (%d bytes, %d windows) differ from --input's (%d bytes, %d windows)",
			len(a), bytes.Count(a, []byte("\n")), len(b), bytes.Count(b, []byte("\n")))
	}
	if n := bytes.Count(a, []byte("\n")); n < 8 { // 160 s of tweets, a window every 20 s
		t.Fatalf("%d windows: the replay was not batched by its tweets' times", n)
	}
}
