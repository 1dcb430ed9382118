package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/bus/bustest"
)

// durableState is what a rebuild of the history must leave as it was of
// the live run's consumer.
type durableState struct {
	AckFloor, Delivered     uint64
	AckPending, Redelivered int
	Pending                 uint64
	Windows                 string
}

func liveState(t *testing.T, js jetstream.JetStream, name, windows string) durableState {
	t.Helper()
	c, err := js.Consumer(t.Context(), bus.Stream, name)
	if err != nil {
		return durableState{} // not made yet
	}
	i := c.CachedInfo()
	w, _ := os.ReadFile(windows)
	return durableState{AckFloor: i.AckFloor.Stream, Delivered: i.Delivered.Stream, AckPending: i.NumAckPending,
		Redelivered: i.NumRedelivered, Pending: i.NumPending, Windows: string(w)}
}

// TestNATSHistoryRebuild: a live run with --nats and its page is at the
// end of a capture published to the stream; the page asks for the
// history, which is rebuilt into the very windows of reading the capture
// with the event clock, while the live run's durable consumer is left as
// it was (nothing acked, redelivered or taken from it). The capture has
// events: the rebuild must find them with a detector of its own.
func TestNATSHistoryRebuild(t *testing.T) {
	s := bustest.Run(t)
	js := jsConn(t, s.URL())
	dir := t.TempDir()
	capture, _ := eventBench(t, dir) // with events: a rebuild must find them itself
	if err := start(t, "scraper", "replay", capture, "--speed", "0", "--publish", s.URL()).wait(60 * time.Second); err != nil {
		t.Fatalf("publishing: %v", err)
	}
	total := uint64(len(storedLines(t, s.URL())))
	plain := filepath.Join(dir, "plain")
	if err := start(t, "analyzer", "run", "--input", capture, "--clock", "event", "--maps=false", "--out", plain,
		"--http", "127.0.0.1:0").wait(120 * time.Second); err != nil {
		t.Fatalf("analyzer on the capture: %v", err)
	}
	want, _ := os.ReadFile(filepath.Join(plain, "windows.ndjson"))
	if !bytes.Contains(want, []byte(`"events":[{`)) {
		t.Fatal("the plain run flagged no event")
	}

	liveDir := filepath.Join(dir, "live")
	an := start(t, "analyzer", "run", "--nats", s.URL(), "--nats-durable", "live", "--clock", "event", "--maps=false",
		"--out", liveDir, "--http", "127.0.0.1:0")
	url := strings.TrimSuffix(an.waitLog("serving the live page", 1, 30*time.Second)["url"].(string), "/")
	winFile := filepath.Join(liveDir, "windows.ndjson")
	// The live run at the stream's end, done with what it can do: all
	// taken, its windows and acks settled over several looks.
	var before durableState
	same := 0
	waitFor(t, "the live run at the stream's end", 120*time.Second, func() bool {
		st := liveState(t, js, "live", winFile)
		if st.Delivered != total || st.Pending != 0 || st.Windows == "" || st != before {
			before, same = st, 0
			return false
		}
		same++
		return same >= 10
	})

	post := func(body string) (int, map[string]any) {
		r, err := http.Post(url+"/api/history", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var v map[string]any
		json.NewDecoder(r.Body).Decode(&v)
		return r.StatusCode, v
	}
	status := func() map[string]any {
		r, err := http.Get(url + "/api/history")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var v map[string]any
		json.NewDecoder(r.Body).Decode(&v)
		return v
	}
	if st := status(); st["available"] != true || st["state"] != "idle" {
		t.Fatalf("history before asking: %v", st)
	}
	if code, st := post(`{"since":"1h"}`); code != http.StatusAccepted {
		t.Fatalf("asking for the history: %d %v", code, st)
	}
	var st map[string]any
	waitFor(t, "the history rebuilt", 120*time.Second, func() bool {
		st = status()
		return st["state"] != "running"
	})
	if st["state"] != "done" {
		t.Fatalf("the rebuild ended %v", st)
	}
	got, _ := os.ReadFile(filepath.Join(liveDir, "history", "windows.ndjson"))
	if !bytes.Equal(got, want) {
		t.Fatalf("the rebuilt windows differ from the capture's: %d lines against %d", bytes.Count(got, []byte("\n")), bytes.Count(want, []byte("\n")))
	}
	r, err := http.Get(url + "/api/history/windows")
	if err != nil {
		t.Fatal(err)
	}
	var wins []struct {
		ID     string
		Window struct{ End time.Time }
	}
	json.NewDecoder(r.Body).Decode(&wins)
	r.Body.Close()
	if n := bytes.Count(want, []byte("\n")); len(wins) != n || int(st["windows"].(float64)) != n {
		t.Fatalf("the page has %d rebuilt windows (status %v), the capture %d", len(wins), st["windows"], n)
	}
	if after := liveState(t, js, "live", winFile); after != before {
		t.Fatalf("the live run's consumer changed with the rebuild:\nbefore %+v\nafter  %+v", before, after)
	}
	// The rebuild's own consumer is gone.
	stream, err := js.Stream(t.Context(), bus.Stream)
	if err != nil {
		t.Fatal(err)
	}
	for info := range stream.ListConsumers(t.Context()).Info() {
		if info.Name != "live" {
			t.Errorf("consumer %s left on the stream", info.Name)
		}
	}
	an.cmd.Process.Signal(syscall.SIGINT)
	if err := an.wait(30 * time.Second); err != nil {
		t.Fatalf("the live run: %v", err)
	}
}
