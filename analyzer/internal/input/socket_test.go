package input

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/wire"
	"github.com/geostream/geostream/shared/wire/wiretest"
)

// fakeScraper accepts connections on loopback and runs serve on each, one
// after the other, until the test ends.
func fakeScraper(t *testing.T, tlsConf *tls.Config, serve ...func(c net.Conn, first *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
	}
	t.Cleanup(func() { ln.Close() })
	go func() { // owned by the test: ends when the listener closes
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			serve[min(i, len(serve)-1)](c, bufio.NewReader(c))
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func hello(h wire.Hello) []byte { return wire.AppendHello(nil, h) }

func fast(o SocketOptions) SocketOptions {
	o.MinBackoff, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
	return o
}

func next(t *testing.T, src Source) (Line, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return src.Next(ctx)
}

// TestReconnectsSendsTheTokenAndReadsTheHello: the token goes out, the
// hello that says what is served is read (after the token from a scraper
// that asks for it first, before it from an older one), and a connection
// that ends is made again.
func TestReconnectsSendsTheTokenAndReadsTheHello(t *testing.T) {
	challenging := func(id string) func(net.Conn, *bufio.Reader) {
		return func(c net.Conn, r *bufio.Reader) {
			c.Write(hello(wire.Hello{Auth: true}))
			if first, _ := r.ReadString('\n'); first != "AUTH tok\n" {
				return
			}
			c.Write(hello(wire.Hello{Source: "synth", Finite: true, Auth: true}))
			c.Write([]byte(`{"id":"` + id + `"}` + "\n"))
		}
	}
	older := func(id string) func(net.Conn, *bufio.Reader) {
		return func(c net.Conn, r *bufio.Reader) {
			c.Write(hello(wire.Hello{Source: "synth", Finite: true, Auth: true}))
			if first, _ := r.ReadString('\n'); first != "AUTH tok\n" {
				return
			}
			c.Write([]byte(`{"id":"` + id + `"}` + "\n"))
		}
	}
	addr := fakeScraper(t, nil, challenging("1"), older("2"))
	var states []State // told in the goroutine that calls Next: this one
	src := Dial(fast(SocketOptions{Addr: addr, Token: "tok", OnState: func(s State) { states = append(states, s) }}))
	defer src.Close()
	for _, want := range []string{`{"id":"1"}`, `{"id":"2"}`} {
		l, err := next(t, src)
		if err != nil || string(l.Data) != want {
			t.Fatalf("got %q, %v; want %s", l.Data, err, want)
		}
		if l.Hello == nil || l.Hello.Source != "synth" || !l.Hello.Finite {
			t.Fatalf("first line of a connection without the hello that says what is served: %+v", l.Hello)
		}
	}
	if len(states) != 3 || states[0] != StateConnected || states[1] != StateReconnecting || states[2] != StateConnected {
		t.Fatalf("states %v: want connected, reconnecting, connected", states)
	}
}

func TestOnceIfFiniteEndsWithTheReplay(t *testing.T) {
	for _, tc := range []struct {
		name   string
		finite bool
	}{{"a finite stream ends the input", true}, {"a live one is reconnected", false}} {
		t.Run(tc.name, func(t *testing.T) {
			addr := fakeScraper(t, nil, func(c net.Conn, _ *bufio.Reader) {
				c.Write(hello(wire.Hello{Source: "replay", Finite: tc.finite}))
				c.Write([]byte("{}\n{}\n"))
			})
			src := Dial(fast(SocketOptions{Addr: addr, OnceIfFinite: true}))
			defer src.Close()
			n := 0
			for {
				_, err := next(t, src)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if n++; n == 6 {
					break
				}
			}
			if tc.finite && n != 2 || !tc.finite && n != 6 {
				t.Fatalf("read %d lines", n)
			}
		})
	}
}

// TestOlderScraperWithoutHello: a first line that is not a hello is data,
// and nothing read with it is lost.
func TestOlderScraperWithoutHello(t *testing.T) {
	addr := fakeScraper(t, nil, func(c net.Conn, _ *bufio.Reader) {
		c.Write([]byte("{\"id\":\"1\"}\n{\"id\":\"2\"}\n{\"id\":\"3\"}\n"))
	})
	src := Dial(fast(SocketOptions{Addr: addr, Once: true}))
	defer src.Close()
	var got []string
	for {
		l, err := next(t, src)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if l.Hello != nil {
			t.Fatal("a hello from nowhere")
		}
		got = append(got, string(l.Data))
	}
	if strings.Join(got, " ") != `{"id":"1"} {"id":"2"} {"id":"3"}` {
		t.Fatalf("got %q", got)
	}
}

func TestRefusalsNameTheFlag(t *testing.T) {
	tests := []struct {
		name  string
		token string
		serve func(net.Conn, *bufio.Reader)
		flag  string
	}{
		{"no token for a scraper that wants one", "", func(c net.Conn, _ *bufio.Reader) {
			c.Write(hello(wire.Hello{Auth: true}))
			time.Sleep(time.Second) // a server that waits for AUTH; the client must not
		}, "--token"},
		{"a wrong token", "nope", func(c net.Conn, r *bufio.Reader) {
			c.Write(hello(wire.Hello{Auth: true}))
			r.ReadString('\n')
			c.Write(hello(wire.Hello{Error: wire.RefusedBadToken}))
		}, "--token"},
		{"a plain client at a TLS port", "", func(c net.Conn, _ *bufio.Reader) {
			c.Write(hello(wire.Hello{Error: wire.RefusedNeedsTLS}))
		}, "--tls-ca"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := fakeScraper(t, nil, tc.serve)
			src := Dial(fast(SocketOptions{Addr: addr, Token: tc.token}))
			defer src.Close()
			start := time.Now()
			_, err := next(t, src)
			var refused *RefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), tc.flag) {
				t.Fatalf("got %v, want a refusal naming %s", err, tc.flag)
			}
			if time.Since(start) > 900*time.Millisecond && tc.token == "" {
				t.Fatalf("took %v: the client waited for the server", time.Since(start))
			}
			if strings.Contains(err.Error(), "nope") {
				t.Fatal("the token is in the error")
			}
		})
	}
}

func TestTLSMistakesNameTheFlag(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := wiretest.Cert(t, dir)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pem, _ := os.ReadFile(certFile)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	other := t.TempDir()
	otherFile, _ := wiretest.Cert(t, other) // a CA that did not sign the server's
	opem, _ := os.ReadFile(otherFile)
	otherPool := x509.NewCertPool()
	otherPool.AppendCertsFromPEM(opem)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	sayHello := func(c net.Conn, _ *bufio.Reader) { c.Write(hello(wire.Hello{})); c.Write([]byte("{}\n")) }

	plain := fakeScraper(t, nil, sayHello)
	secure := fakeScraper(t, serverTLS, sayHello)
	tests := []struct {
		name string
		addr string
		conf *tls.Config
		flag string
	}{
		{"TLS to a plain scraper", plain, &tls.Config{RootCAs: pool}, "drop --tls-ca"},
		{"a name the certificate lacks", secure, &tls.Config{RootCAs: pool, ServerName: "scraper.example"}, "--tls-server-name"},
		{"a CA that did not sign it", secure, &tls.Config{RootCAs: otherPool}, "--tls-ca"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := Dial(fast(SocketOptions{Addr: tc.addr, TLS: tc.conf}))
			defer src.Close()
			_, err := next(t, src)
			var refused *RefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), tc.flag) {
				t.Fatalf("got %v, want a refusal naming %s", err, tc.flag)
			}
		})
	}
	t.Run("the right CA", func(t *testing.T) {
		src := Dial(fast(SocketOptions{Addr: secure, TLS: &tls.Config{RootCAs: pool}}))
		defer src.Close()
		if l, err := next(t, src); err != nil || string(l.Data) != "{}" {
			t.Fatalf("got %q, %v", l.Data, err)
		}
	})
}

func TestCancelWhileConnected(t *testing.T) {
	addr := fakeScraper(t, nil, func(c net.Conn, r *bufio.Reader) {
		c.Write(hello(wire.Hello{Live: true}))
		r.ReadString('\n') // waits: the client never writes
	})
	src := Dial(fast(SocketOptions{Addr: addr}))
	defer src.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := src.Next(ctx); done <- err }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Next after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after cancel")
	}
}
