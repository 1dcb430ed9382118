package input

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/logs/logtest"
	"github.com/geostream/geostream/shared/wire"
)

// offline is a resolver that never reaches a name server.
var offline = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("no name server in tests")
}}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestAddressMistakes: an address that cannot work ends the input at once
// with a usage error (exit 2) naming --connect, however the input was
// asked to retry.
func TestAddressMistakes(t *testing.T) {
	for _, tc := range []struct{ name, addr, says string }{
		{"no port", "127.0.0.1", "missing port"},
		{"a port out of range", "127.0.0.1:99999", "port"},
		{"a port that is no number", "127.0.0.1:http", "port"},
		{"a host no resolver knows", "bad_host!:9999", "bad_host!"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := Dial(fast(SocketOptions{Addr: tc.addr, OnceIfFinite: true, Resolver: offline}))
			defer src.Close()
			start := time.Now()
			_, err := next(t, src)
			var ae *AddrError
			if !errors.As(err, &ae) || cmdhelp.ExitCode(err) != 2 || !strings.Contains(err.Error(), "--connect") ||
				!strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v (exit %d), want an address error naming --connect and %q", err, cmdhelp.ExitCode(err), tc.says)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
	if err := CheckAddr("scraper.example:9999"); err != nil {
		t.Fatalf("a good address refused: %v", err)
	}
}

// TestNoScraperWithOnce: with --once, finding nothing at the address ends
// the input with what is wrong and how to start a scraper there.
func TestNoScraperWithOnce(t *testing.T) {
	addr := closedAddr(t)
	src := Dial(fast(SocketOptions{Addr: addr, Once: true}))
	defer src.Close()
	_, err := next(t, src)
	var none *NoScraperError
	if !errors.As(err, &none) || none.Listening || cmdhelp.ExitCode(err) != 1 {
		t.Fatalf("got %v, want no scraper found", err)
	}
	for _, want := range []string{"no scraper at " + addr, "connection refused", "scraper synth --listen " + addr} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
}

func logLines(b *logtest.Buffer) []string { return strings.Split(strings.TrimSpace(b.String()), "\n") }

// TestNoScraperYet: without --once the analyzer waits for a scraper to
// come up, saying once what is wrong and how to start one, then one short
// line a retry.
func TestNoScraperYet(t *testing.T) {
	addr := closedAddr(t)
	var log logtest.Buffer
	src := Dial(fast(SocketOptions{Addr: addr, OnceIfFinite: true, Logger: slog.New(slog.NewTextHandler(&log, nil))}))
	defer src.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := src.Next(ctx); done <- err }() // ends with ctx
	deadline := time.Now().Add(10 * time.Second)
	for len(logLines(&log)) < 6 {
		if time.Now().After(deadline) {
			t.Fatalf("%d log lines in 10s", len(logLines(&log)))
		}
		time.Sleep(time.Millisecond) // polling a condition with a deadline
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Next: %v", err)
	}
	lines := logLines(&log)
	if !strings.Contains(lines[0], "no scraper at "+addr) || !strings.Contains(lines[0], "scraper synth --listen") {
		t.Errorf("the first failure does not say what is wrong and what to do: %s", lines[0])
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, "still no scraper") || len(l) > 130 || strings.Contains(l, "reconnecting") {
			t.Errorf("a retry in %d characters: %s", len(l), l)
		}
	}
}

// TestNotAScraper: a program other than a scraper at the address (a web
// server, which waits for a request, and answers a line it does not
// understand) is named as such, in seconds, however the input was asked
// to retry.
func TestNotAScraper(t *testing.T) {
	web := httptest.NewServer(http.NotFoundHandler())
	defer web.Close()
	addr := strings.TrimPrefix(web.URL, "http://")
	for _, tc := range []struct {
		name, token, says string
	}{
		{"silent", "", "said nothing in 300ms"},
		{"answering", "tok", `"HTTP/1.1 400 Bad Request`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := Dial(fast(SocketOptions{Addr: addr, Token: tc.token, OnceIfFinite: true, HelloTimeout: 300 * time.Millisecond}))
			defer src.Close()
			_, err := next(t, src)
			var none *NoScraperError
			if !errors.As(err, &none) || !none.Listening || !strings.Contains(err.Error(), addr+" is not a scraper") ||
				!strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want %s named as not a scraper, saying %s", err, addr, tc.says)
			}
		})
	}
}

// TestNotAScraperAfterOne: once a scraper has been there, a peer that
// says nothing is one more failed attempt (the scraper may be on its way
// back), and the input goes on when a scraper is.
func TestNotAScraperAfterOne(t *testing.T) {
	greet := func(id string) func(net.Conn, *bufio.Reader) {
		return func(c net.Conn, _ *bufio.Reader) {
			c.Write(hello(wire.Hello{Source: "synth", Live: true}))
			c.Write([]byte(`{"id":"` + id + `"}` + "\n"))
		}
	}
	silent := func(c net.Conn, r *bufio.Reader) { io.Copy(io.Discard, r) } // until the client hangs up
	addr := fakeScraper(t, nil, greet("1"), silent, greet("2"))
	src := Dial(fast(SocketOptions{Addr: addr, HelloTimeout: 200 * time.Millisecond}))
	defer src.Close()
	for _, want := range []string{`{"id":"1"}`, `{"id":"2"}`} {
		if l, err := next(t, src); err != nil || string(l.Data) != want {
			t.Fatalf("got %q, %v; want %s", l.Data, err, want)
		}
	}
}
