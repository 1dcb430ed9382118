package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const fakeToken = "e2e-secret-bearer-token"

// TestLiveStreamThroughBothBinaries serves a scripted X API stream to the
// real scraper and checks the analyzer accounts for every tweet.
func TestLiveStreamThroughBothBinaries(t *testing.T) {
	const n = 500
	var rulesPosted int
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+fakeToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/2/tweets/search/stream/rules":
			w.Header().Set("Content-Type", "application/json")
			if r.Method == http.MethodPost {
				rulesPosted++
				w.WriteHeader(http.StatusCreated)
				fmt.Fprint(w, `{"data":[],"meta":{"summary":{"created":1}}}`)
				return
			}
			fmt.Fprint(w, `{"data":[]}`)
		case "/2/tweets/search/stream":
			fl := w.(http.Flusher)
			for i := range n {
				sec := i / 10 // ten tweets a second of event time
				fmt.Fprintf(w, `{"data":{"id":"%d","text":"storm flood %d","created_at":"2026-01-01T00:%02d:%02d.000Z","geo":{"coordinates":{"type":"Point","coordinates":[-90.07,29.95]}}}}`+"\r\n",
					1000+i, i, sec/60, sec%60)
				if i%100 == 0 {
					fmt.Fprint(w, "\r\n") // keep-alive
					fl.Flush()
				}
			}
			fl.Flush()
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	}))
	defer api.Close()

	out := t.TempDir()
	scr := startEnv(t, []string{"X_BEARER_TOKEN=" + fakeToken}, "scraper", "stream", "--track", "storm,flood", "--lang", "en",
		"--api-url", api.URL, "--listen", "127.0.0.1:0", "--stats-interval", "100ms")
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)
	an := start(t, "analyzer", "run", "--connect", addr, "--clock", "event", "--once", "--maps=false", "--out", out)
	an.waitLog("connected to scraper", 1, 30*time.Second)
	deadline := time.Now().Add(60 * time.Second)
	for {
		scr.waitLog("server stats", 1, 30*time.Second)
		if lastLinesOut(scr) >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("scraper forwarded %v of %d lines", lastLinesOut(scr), n)
		}
		<-scr.changed()
	}
	scr.cmd.Process.Signal(syscall.SIGTERM)
	if err := scr.wait(30 * time.Second); err != nil {
		t.Fatalf("scraper: %v", err)
	}
	if err := an.wait(30 * time.Second); err != nil {
		t.Fatalf("analyzer: %v", err)
	}
	wins, _ := readWindows(t, filepath.Join(out, "windows.ndjson"))
	total := 0
	for _, w := range wins {
		total += w.Slide.Tweets
	}
	if total != n || rulesPosted != 1 {
		t.Fatalf("windows account for %d tweets of %d; rules posted %d times", total, n, rulesPosted)
	}
	leaked := strings.Contains(scr.log.Text(), fakeToken)
	if leaked {
		t.Fatal("the bearer token appears in the scraper's log")
	}
}

func lastLinesOut(p *proc) float64 {
	var v float64
	for _, m := range p.log.Records() {
		if m["msg"] == "server stats" {
			if x, ok := m["lines_out"].(float64); ok {
				v = x
			}
		}
	}
	return v
}

// startEnv is start with extra environment variables (the child inherits
// the test's environment, which t.Setenv restores afterwards).
func containsStr(s, sub string) bool { return strings.Contains(s, sub) }
