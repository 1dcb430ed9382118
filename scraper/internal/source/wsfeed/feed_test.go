package wsfeed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/geostream/geostream/shared/logs/logtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve starts a WebSocket server running handle on each connection, with
// a context that ends with the test, and returns its ws:// URL.
func serve(t *testing.T, handle func(ctx context.Context, c *websocket.Conn, r *http.Request)) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		handle(ctx, c, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(cancel) // runs first: handlers return
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func newFeed(t *testing.T, o Options) *Feed {
	t.Helper()
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	}
	f, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func fixed(u string) func() string { return func() string { return u } }

func TestRefusedAndRejected(t *testing.T) {
	const secret = "s3cr3t-token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/401":
			http.Error(w, `{"error":"The access token is invalid: `+secret+`"}`, http.StatusUnauthorized)
		case "/403":
			w.WriteHeader(http.StatusForbidden)
		default:
			http.Error(w, `{"error":"Unknown stream type"}`, http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	ws := "ws" + strings.TrimPrefix(srv.URL, "http")
	for _, tc := range []struct {
		path string
		want error
	}{{"/401", ErrRefused}, {"/403", ErrRefused}, {"/400", ErrRejected}} {
		f := newFeed(t, Options{URL: fixed(ws + tc.path), Secret: secret, Header: http.Header{"Authorization": {"Bearer " + secret}}})
		start := time.Now()
		_, err := f.Next(context.Background())
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.path, err, tc.want)
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("%s: the secret is in the error: %v", tc.path, err)
		}
		if time.Since(start) > 5*time.Second || f.Stats().Failures != 0 {
			t.Fatalf("%s: retried before giving up: %+v", tc.path, f.Stats())
		}
	}
}

// TestKeepAlive: a connection that carries no message stays up while the
// server pings, or while it answers the client's pings; one that does
// neither is dropped after Stall.
func TestKeepAlive(t *testing.T) {
	const stall = 300 * time.Millisecond
	tests := []struct {
		name       string
		handle     func(ctx context.Context, c *websocket.Conn)
		wantStalls bool
	}{
		{"server pings", func(ctx context.Context, c *websocket.Conn) {
			ctx = c.CloseRead(ctx)
			for ctx.Err() == nil {
				pctx, cancel := context.WithTimeout(ctx, time.Second)
				c.Ping(pctx)
				cancel()
				select {
				case <-ctx.Done():
				case <-time.After(20 * time.Millisecond):
				}
			}
		}, false},
		{"server answers pings", func(ctx context.Context, c *websocket.Conn) { <-c.CloseRead(ctx).Done() }, false},
		{"server silent", func(ctx context.Context, c *websocket.Conn) {
			<-ctx.Done() // reads nothing, so answers no ping
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := serve(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) { tc.handle(ctx, c) })
			f := newFeed(t, Options{URL: fixed(url), Ping: 30 * time.Millisecond, Stall: stall})
			ctx, cancel := context.WithTimeout(context.Background(), 4*stall)
			defer cancel()
			_, err := f.Next(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Next: %v", err)
			}
			st := f.Stats()
			if (st.Stalls > 0) != tc.wantStalls || st.Connections < 1 {
				t.Fatalf("stats %+v, want stalls: %v", st, tc.wantStalls)
			}
		})
	}
}

// TestIdleCPU measures the CPU time spent on a connection that only
// carries keep-alives: the server pings ten times a second, 300 times as
// often as servers do (every half minute or so), the client waits for a
// message. The figure covers both ends, the kernel and the test's own
// runtime, as they share this process: 0.4–0.7% of a core, up to 1.2%
// under the race detector. It must stay well below 5%, which a loop that
// spins instead of waiting would not.
func TestIdleCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("takes three seconds")
	}
	var pings atomic.Int64
	url := serve(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		ctx = c.CloseRead(ctx)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if c.Ping(ctx) == nil {
					pings.Add(1)
				}
			}
		}
	})
	f := newFeed(t, Options{URL: fixed(url)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := f.Next(ctx); done <- err }()
	for pings.Load() < 5 { // connected and pinging
		select {
		case err := <-done:
			t.Fatal(err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cpu0, wall0 := cpuTime(t), time.Now()
	<-time.After(3 * time.Second) // the measured period itself
	cpu, wall := cpuTime(t)-cpu0, time.Since(wall0)
	cancel()
	<-done
	share := float64(cpu) / float64(wall)
	t.Logf("idle on keep-alives: %v of CPU in %v (%.2f%% of a core), %d pings answered, %v a ping",
		cpu, wall.Round(time.Millisecond), 100*share, pings.Load(), cpu/time.Duration(max(1, pings.Load()-5)))
	if share > 0.05 {
		t.Errorf("idle CPU %.2f%% of a core at ten pings a second, want well below 5%%", 100*share)
	}
	if f.Stats().Connections != 1 || f.Stats().Stalls != 0 {
		t.Errorf("stats %+v", f.Stats())
	}
}

func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestTooLongAndReconnect: a message over MaxMessage is skipped and
// counted, the next one arrives; Reconnect dials again at once.
func TestTooLongAndReconnect(t *testing.T) {
	var conns atomic.Int64
	url := serve(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		conns.Add(1)
		ctx = c.CloseRead(ctx)
		c.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 5000)))
		c.Write(ctx, websocket.MessageText, []byte("short"))
		<-ctx.Done()
	})
	f := newFeed(t, Options{URL: fixed(url), MaxMessage: 100})
	ctx := context.Background()
	for range 2 {
		m, err := f.Next(ctx)
		if err != nil || string(m.Data) != "short" || m.Binary {
			t.Fatalf("got %q, %v", m.Data, err)
		}
		f.Reconnect()
	}
	if st := f.Stats(); st.TooLong != 2 || st.Connections != 2 || conns.Load() != 2 || st.Failures != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestAnnounce: with Announce, every handshake is told before its first
// message, a quiet connection's too.
func TestAnnounce(t *testing.T) {
	var conns atomic.Int64
	url := serve(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		ctx = c.CloseRead(ctx)
		if conns.Add(1) == 1 {
			c.Write(ctx, websocket.MessageText, []byte("first"))
			return // cut
		}
		<-ctx.Done() // quiet
	})
	f := newFeed(t, Options{URL: fixed(url), Announce: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []string
	for len(got) < 3 {
		m, err := f.Next(ctx)
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		if m.Connected {
			got = append(got, "connected")
		} else {
			got = append(got, string(m.Data))
		}
	}
	if fmt.Sprint(got) != "[connected first connected]" {
		t.Fatalf("got %q", got)
	}
}

// TestEndlessMessage: a message that never ends is skipped only so far;
// then the connection is dropped and the next one goes on.
func TestEndlessMessage(t *testing.T) {
	var conns atomic.Int64
	url := serve(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		ctx = c.CloseRead(ctx)
		if conns.Add(1) == 1 {
			w, err := c.Writer(ctx, websocket.MessageText)
			if err != nil {
				return
			}
			chunk := []byte(strings.Repeat("x", 8<<10))
			for { // never ends the message
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}
		c.Write(ctx, websocket.MessageText, []byte("after"))
		<-ctx.Done()
	})
	f := newFeed(t, Options{URL: fixed(url), MaxMessage: 1000})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := f.Next(ctx)
	if err != nil || string(m.Data) != "after" {
		t.Fatalf("got %q, %v", m.Data, err)
	}
	if st := f.Stats(); st.Connections != 2 || st.Failures != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestBackoffWithoutDelivery: a server that accepts and sends only what the
// source cannot use is dialled less and less often; once the source says a
// connection delivered, the next break waits the first step again.
func TestBackoffWithoutDelivery(t *testing.T) {
	url := serve(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		c.Write(ctx, websocket.MessageText, []byte(`{"error":"overloaded"}`)) // then closes
	})
	var waits []time.Duration
	f := newFeed(t, Options{URL: fixed(url), Sleep: func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}})
	ctx := context.Background()
	for range 4 {
		if _, err := f.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(waits) != 3 || waits[2] < 4*BackoffFirst {
		t.Fatalf("waits %v: they should grow", waits)
	}
	f.Delivered()
	f.Next(ctx)
	if last := waits[len(waits)-1]; last >= 2*BackoffFirst {
		t.Fatalf("after a delivery the wait is %v, want the first step again", last)
	}
}

func TestValidate(t *testing.T) {
	for _, u := range []string{"", "::", "ftp://host/x", "ws://"} {
		if _, err := New(Options{URL: fixed(u)}); err == nil {
			t.Errorf("URL %q accepted", u)
		}
	}
	if _, err := New(Options{}); err == nil {
		t.Error("no URL accepted")
	}
	if _, err := New(Options{URL: fixed("ws://h"), Stall: -1}); err == nil {
		t.Error("a negative stall accepted")
	}
}

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1}`:                   `{"a":1}`,
		"{\n \"a\": \"x\\ny\"\r\n}": `{"a":"x\ny"}`,
		"not json\nat all":          "not json at all",
	} {
		if got := string(Line([]byte(in))); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNeverConnected: a feed that cannot reach its server says so in a
// line that names the host and the reason, then in one short line a
// retry, not the layers of wrapping of each error.
func TestNeverConnected(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := ln.Addr().String()
	ln.Close() // nothing listens there now
	var log logtest.Buffer
	tries := 0
	f := newFeed(t, Options{URL: fixed("ws://" + host + "/subscribe?wantedCollections=app.bsky.feed.post"), Name: "Jetstream",
		Logger: slog.New(slog.NewTextHandler(&log, nil)),
		Sleep: func(ctx context.Context, _ time.Duration) error {
			if tries++; tries == 5 {
				return context.Canceled
			}
			return nil
		}})
	if _, err := f.Next(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines for 5 attempts:\n%s", len(lines), log.String())
	}
	if want := "cannot reach Jetstream at " + host + ": connection refused"; !strings.Contains(lines[0], want) {
		t.Errorf("first line %s\nwant it to say %q", lines[0], want)
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, "still cannot reach Jetstream") || !strings.Contains(l, "why=\"connection refused\"") || len(l) > 140 {
			t.Errorf("a retry in %d characters: %s", len(l), l)
		}
	}
}
