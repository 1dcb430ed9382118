package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func goodTweet(i int) string {
	return fmt.Sprintf(`{"id":"%d","created_at":"2026-01-01T00:00:%02dZ","lon":2.35,"lat":48.85,"text":"rain storm %d"}`, 100+i, i%60, i)
}

// hostileCapture mixes every kind of bad line with 50 good tweets.
func hostileCapture() (data []byte, good int) {
	var b bytes.Buffer
	bad := []string{
		`{"id":"1","created_at":"2026-01-01T00:00:01Z","lon":NaN,"lat":1,"text":"nan"}`,         // NaN: malformed JSON
		`{"id":"2","created_at":"2026-01-01T00:00:01Z","lon":1e999,"lat":1,"text":"inf"}`,       // Inf: tweet, bad geo
		`{"id":"3","created_at":"2026-01-01T00:00:01Z","lon":500,"lat":-100,"text":"far"}`,      // out of range: bad geo
		"{\"id\":\"4\",\"created_at\":\"2026-01-01T00:00:01Z\",\"text\":\"bad \xff\xfe utf8\"}", // invalid UTF-8, no location
		strings.Repeat("[", 50000),      // deeply nested
		"\x00\x01\x02 binary junk \xff", // junk
		`{"truncated":`,                 // cut short
		`{"limit":{"track":5}}`,         // notice
		strings.Repeat("x", 10<<20),     // a 10 MB line
		"",                              // blank line
	}
	for i := 0; i < 50; i++ {
		b.WriteString(goodTweet(i) + "\n")
		if i < len(bad) {
			b.WriteString(bad[i] + "\n")
		}
	}
	return b.Bytes(), 50
}

func TestHostileCapture(t *testing.T) {
	dir := t.TempDir()
	data, good := hostileCapture()
	plain := filepath.Join(dir, "hostile.jsonl")
	os.WriteFile(plain, data, 0o644)
	out := filepath.Join(dir, "out")
	an := start(t, "analyzer", "run", "--input", plain, "--clock", "event", "--maps=false", "--out", out)
	if err := an.wait(60 * time.Second); err != nil {
		t.Fatalf("analyzer on a hostile capture: %v", err)
	}
	fin := an.waitLog("finished", 1, time.Second)
	want := map[string]float64{"tweets": float64(good + 4), "located": float64(good), "bad_geo": 3, "unlocated": 4,
		"malformed": 3, "notices": 1, "too_long": 1}
	for k, v := range want {
		if fin[k] != v {
			t.Errorf("%s = %v, want %v (finished line: %v)", k, fin[k], v, fin)
		}
	}

	// A truncated gzip: every line before the cut is kept and counted,
	// then the analyzer says what went wrong and exits non-zero.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	for i := 0; i < 2000; i++ {
		zw.Write([]byte(goodTweet(i) + "\n"))
	}
	zw.Close()
	cut := filepath.Join(dir, "cut.jsonl.gz")
	os.WriteFile(cut, gz.Bytes()[:gz.Len()*2/3], 0o644)
	out2 := filepath.Join(dir, "out2")
	tr := start(t, "analyzer", "run", "--input", cut, "--clock", "event", "--maps=false", "--out", out2)
	err := tr.wait(60 * time.Second)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("truncated gzip: exit %v, want 1", err)
	}
	if n := tr.waitLog("finished", 1, time.Second)["tweets"].(float64); n < 100 || n >= 2000 {
		t.Fatalf("truncated gzip: %v tweets kept", n)
	}
	if wins, _ := readWindows(t, filepath.Join(out2, "windows.ndjson")); len(wins) == 0 {
		t.Fatal("truncated gzip: the windows before the cut were not written")
	}

	// A zero-byte file is refused, as a bad flag is (exit 2), saying so.
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	e := start(t, "analyzer", "run", "--input", empty, "--clock", "event", "--maps=false", "--out", filepath.Join(dir, "out3"))
	err = e.wait(30 * time.Second)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(e.log.Text(), "is empty") {
		t.Fatalf("empty file: exit %v, want 2 saying it is empty", err)
	}
}
