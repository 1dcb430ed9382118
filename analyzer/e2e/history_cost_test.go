package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/bus/bustest"
)

// cpuOf is the CPU time a process has used (Linux).
func cpuOf(t *testing.T, pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b)[strings.LastIndex(string(b), ")")+2:])
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return time.Duration(u+s) * 10 * time.Millisecond
}

// TestHistoryRebuildCost measures a rebuild of the history of 60,000
// posts (61 windows) beside a live run at the stream's end: its wall time
// and the analyzer's CPU meanwhile. It is a measurement, run with
// GEOSTREAM_HISTORY_COST=1; it fails only if the rebuild does not finish.
func TestHistoryRebuildCost(t *testing.T) {
	if os.Getenv("GEOSTREAM_HISTORY_COST") == "" {
		t.Skip("a measurement: set GEOSTREAM_HISTORY_COST=1 to run it")
	}
	s := bustest.Run(t)
	js := jsConn(t, s.URL())
	dir := t.TempDir()
	capture := filepath.Join(dir, "c.jsonl")
	if err := start(t, "scraper", "synth", "--count", "60000", "--rate", "50", "--seed", "7", "--out", capture).wait(120 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := start(t, "scraper", "replay", capture, "--speed", "0", "--publish", s.URL()).wait(120 * time.Second); err != nil {
		t.Fatal(err)
	}
	total := uint64(len(storedLines(t, s.URL())))
	liveDir := filepath.Join(dir, "live")
	an := start(t, "analyzer", "run", "--nats", s.URL(), "--nats-durable", "live", "--clock", "event", "--maps=false",
		"--out", liveDir, "--http", "127.0.0.1:0")
	url := strings.TrimSuffix(an.waitLog("serving the live page", 1, 30*time.Second)["url"].(string), "/")
	winFile := filepath.Join(liveDir, "windows.ndjson")
	var before durableState
	same := 0
	waitFor(t, "settled", 300*time.Second, func() bool {
		st := liveState(t, js, "live", winFile)
		if st.Delivered != total || st.Pending != 0 || st.Windows == "" || st != before {
			before, same = st, 0
			return false
		}
		same++
		return same >= 10
	})
	pid := an.cmd.Process.Pid
	c0, t0 := cpuOf(t, pid), time.Now()
	r, err := http.Post(url+"/api/history", "application/json", strings.NewReader(`{}`))
	if err != nil || r.StatusCode != 202 {
		t.Fatal(err, r.StatusCode)
	}
	var st map[string]any
	waitFor(t, "rebuilt", 600*time.Second, func() bool {
		r, _ := http.Get(url + "/api/history")
		json.NewDecoder(r.Body).Decode(&st)
		r.Body.Close()
		return st["state"] != "running"
	})
	wall, cpu := time.Since(t0), cpuOf(t, pid)-c0
	if st["state"] != "done" || st["windows"] == 0.0 {
		t.Fatalf("the rebuild ended %v", st)
	}
	t.Logf("lines %d, windows %v, state %v: wall %v, cpu %v, %.2f of a core", total, st["windows"], st["state"], wall, cpu, cpu.Seconds()/wall.Seconds())
}
