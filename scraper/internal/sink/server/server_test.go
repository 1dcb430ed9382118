package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/wire"
	"github.com/geostream/geostream/shared/wire/wiretest"
)

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.Addr = "127.0.0.1:0"
	opts.StatsInterval = -1
	s := New(opts)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// dial connects, sends first (if any), and reads the server's hello.
func dial(t *testing.T, s *Server, first string) net.Conn {
	t.Helper()
	c, _ := dialHello(t, s, first)
	return c
}

// dialHello is dial that also returns the hello.
func dialHello(t *testing.T, s *Server, first string) (net.Conn, wire.Hello) {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if first != "" {
		fmt.Fprintf(c, "%s\n", first)
	}
	return c, readHello(t, c)
}

// readHello reads one line byte by byte (so that nothing after it is
// buffered away from the test's next reader) and parses it as a hello.
func readHello(t *testing.T, c net.Conn) wire.Hello {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := c.Read(one); err != nil {
			t.Fatalf("reading the hello after %q: %v", b, err)
		}
		if one[0] == '\n' {
			break
		}
		b = append(b, one[0])
	}
	h, ok, err := wire.ParseHello(b)
	if !ok || err != nil {
		t.Fatalf("first line %q is not a hello: %v", b, err)
	}
	return h
}

func line(s string) source.Line { return source.Line{Data: []byte(s)} }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func readLines(t *testing.T, c net.Conn, n int) []string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	sc := bufio.NewScanner(c)
	var out []string
	for len(out) < n && sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func TestLosslessFanOut(t *testing.T) {
	s := start(t, Options{Lossless: true, QueueLen: 4})
	a, b := dial(t, s, ""), dial(t, s, "")
	ctx := ctxT(t)
	if err := s.WaitClients(ctx, 2); err != nil {
		t.Fatal(err)
	}
	const n = 2000 // far more than the queue: Send must wait, not drop
	got := make(chan []string, 2)
	for _, c := range []net.Conn{a, b} {
		go func() { got <- readLines(t, c, n) }()
	}
	for i := range n {
		if err := s.Send(ctx, line(fmt.Sprintf(`{"i":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		lines := <-got
		if len(lines) != n {
			t.Fatalf("client got %d lines, want %d", len(lines), n)
		}
		for i, l := range lines {
			if l != fmt.Sprintf(`{"i":%d}`, i) {
				t.Fatalf("line %d is %q: out of order or corrupted", i, l)
			}
		}
	}
	if st := s.Stats(); st.Dropped != 0 || st.LinesIn != n {
		t.Fatalf("stats %+v", st)
	}
}

// TestLiveDropsOldestForSlowClient: a client that stops reading loses the
// oldest lines of its queue, never the newest, and every line it loses is
// counted; meanwhile Send never waits for it and a client that reads keeps
// being served. What the slow client finally gets is in order and ends with
// the newest lines sent: its queue kept those and dropped what came before.
func TestLiveDropsOldestForSlowClient(t *testing.T) {
	const queueLen = 8
	s := start(t, Options{QueueLen: queueLen, WriteTimeout: 30 * time.Second})
	slow := dial(t, s, "") // reads nothing until everything is sent
	ctx := ctxT(t)
	if err := s.WaitClients(ctx, 1); err != nil {
		t.Fatal(err)
	}
	fast := dial(t, s, "")
	if err := s.WaitClients(ctx, 2); err != nil {
		t.Fatal(err)
	}
	fastGot := make(chan int, 1)
	go func() {
		fast.SetReadDeadline(time.Now().Add(20 * time.Second))
		sc := bufio.NewScanner(fast)
		n := 0
		for sc.Scan() && sc.Text() != "END" {
			n++
		}
		fastGot <- n
	}()
	// 20 MB in all: far more than the socket buffers hold for a client that
	// does not read.
	const n = 20000
	pad := strings.Repeat("x", 1000)
	for i := range n {
		if err := s.Send(ctx, line(fmt.Sprintf("%06d %s", i, pad))); err != nil {
			t.Fatal(err)
		}
	}
	s.Send(ctx, line("END"))
	slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	sc := bufio.NewScanner(slow)
	sc.Buffer(nil, 1<<20)
	var got []int
	for sc.Scan() && sc.Text() != "END" {
		var i int
		if _, err := fmt.Sscanf(sc.Text(), "%06d", &i); err != nil {
			t.Fatalf("line %.20q: %v", sc.Text(), err)
		}
		got = append(got, i)
	}
	if sc.Err() != nil {
		t.Fatalf("after %d lines: %v (END, the newest line, must arrive)", len(got), sc.Err())
	}
	for k := 1; k < len(got); k++ {
		if got[k] <= got[k-1] {
			t.Fatalf("line %d came after line %d: out of order", got[k], got[k-1])
		}
	}
	// The queue held the newest queueLen lines at the end: END and the
	// queueLen-1 lines before it.
	if len(got) < queueLen-1 {
		t.Fatalf("the slow client got %d lines", len(got))
	}
	for k, i := range got[len(got)-(queueLen-1):] {
		if want := n - (queueLen - 1) + k; i != want {
			t.Fatalf("the slow client's last lines are %v, want the newest (%d..%d)", got[len(got)-(queueLen-1):], n-(queueLen-1), n-1)
		}
	}
	lost := uint64(n - len(got))
	st := s.Stats()
	if lost == 0 {
		t.Fatal("a client that never read lost nothing")
	}
	m := <-fastGot
	if m == 0 {
		t.Fatal("the fast client starved")
	}
	// The fast client may lose a few lines too when it is descheduled; the
	// count is exact all the same.
	if st.Dropped != lost+uint64(n-m) {
		t.Fatalf("server counted %d dropped; the slow client lost %d, the fast one %d", st.Dropped, lost, n-m)
	}
}

// TestAuth: a server with a token tells a client that it needs one and
// nothing more; once the token is in, it says what it serves, then serves.
// A wrong token is told so, and only so, and hung up on.
func TestAuth(t *testing.T) {
	s := start(t, Options{Token: "s3cret", Lossless: true, Hello: wire.Hello{Source: "replay", Finite: true, Speed: 10}})
	bad, h := dialHello(t, s, "AUTH nope")
	if !h.Auth || h.Describes() || h.Error != "" {
		t.Fatalf("greeting %+v: want that a token is needed, and nothing of what is served", h)
	}
	good, _ := dialHello(t, s, "AUTH s3cret")
	if h := readHello(t, good); !h.Auth || h.Source != "replay" || !h.Finite || h.Speed != 10 || h.Error != "" {
		t.Fatalf("hello after the token %+v: want what is served", h)
	}
	ctx := ctxT(t)
	if err := s.WaitClients(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.Send(ctx, line("hello"))
	if got := readLines(t, good, 1); len(got) != 1 || got[0] != "hello" {
		t.Fatalf("authenticated client got %q", got)
	}
	if r := readHello(t, bad); r.Error != wire.RefusedBadToken {
		t.Fatalf("the wrong token was told %+v", r)
	}
	if n, err := bad.Read(make([]byte, 10)); err == nil {
		t.Fatalf("client with the wrong token was served %d more bytes", n)
	}
	if s.Clients() != 1 || s.Stats().Rejected != 1 {
		t.Fatalf("clients %d, stats %+v", s.Clients(), s.Stats())
	}
}

// TestWhatAStrangerIsTold reads the raw lines a client without the token
// gets: a greeting that says only that a token is needed, and a refusal
// that says only why, never the source, its pace, or a contradicting
// "auth":false.
func TestWhatAStrangerIsTold(t *testing.T) {
	s := start(t, Options{Token: "s3cret", Hello: wire.Hello{Source: "bluesky", Live: true}})
	for _, tc := range []struct{ name, send, want string }{
		{"a wrong token", "AUTH nope", `{"geostream":{"version":1,"error":"wrong token"}}`},
		{"no AUTH line", "hello?", `{"geostream":{"version":1,"error":"` + wire.RefusedNoToken + `"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "%s\n", tc.send)
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			all, _ := io.ReadAll(c) // the server hangs up after its refusal
			want := `{"geostream":{"version":1,"auth":true}}` + "\n" + tc.want + "\n"
			if string(all) != want {
				t.Fatalf("told\n%s\nwant\n%s", all, want)
			}
		})
	}
}

// TestNoTokenIsTold: a client that sends no AUTH line (nc) is told why,
// after the auth timeout; the greeting already said a token is needed.
func TestNoTokenIsTold(t *testing.T) {
	s := start(t, Options{Token: "s3cret"})
	c, h := dialHello(t, s, "hello?")
	if !h.Auth {
		t.Fatal("the greeting does not say a token is needed")
	}
	if r := readHello(t, c); r.Error != wire.RefusedNoToken {
		t.Fatalf("a client without AUTH was told %+v", r)
	}
}

// TestPlainClientAtTLSPort: a client that does not start a TLS handshake is
// told in plain text that the port speaks TLS; one that does is served.
func TestPlainClientAtTLSPort(t *testing.T) {
	certFile, keyFile := wiretest.Cert(t, t.TempDir())
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, Options{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	plain, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if r := readHello(t, plain); r.Error != wire.RefusedNeedsTLS {
		t.Fatalf("a plain client was told %+v", r)
	}
	secure, err := tls.Dial("tcp", s.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer secure.Close()
	if h := readHello(t, secure); h.Error != "" {
		t.Fatalf("a TLS client was told %+v", h)
	}
}

func TestJunkSenderDisconnected(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s, "")
	ctx := ctxT(t)
	s.WaitClients(ctx, 1)
	junk := strings.Repeat("junk", maxClientInput)
	go c.Write([]byte(junk))
	deadline := time.Now().Add(10 * time.Second)
	for s.Clients() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("junk-sending client still connected")
		}
		time.Sleep(5 * time.Millisecond) // polling a condition with a deadline, not a wait
	}
}

func TestCloseDeliversQueuedLines(t *testing.T) {
	s := start(t, Options{Lossless: true, QueueLen: 100})
	c := dial(t, s, "")
	ctx := ctxT(t)
	s.WaitClients(ctx, 1)
	for i := range 50 {
		s.Send(ctx, line(fmt.Sprint(i)))
	}
	s.Close(ctx)
	got := readLines(t, c, 100)
	if len(got) != 50 || got[49] != "49" {
		t.Fatalf("after shutdown the client had %d lines", len(got))
	}
}

func TestMaxClients(t *testing.T) {
	s := start(t, Options{MaxClients: 1})
	dial(t, s, "")
	s.WaitClients(ctxT(t), 1)
	extra, r := dialHello(t, s, "")
	if r.Error != wire.RefusedFull {
		t.Fatalf("a client over --max-clients was told %+v", r)
	}
	if _, err := extra.Read(make([]byte, 1)); err == nil {
		t.Fatal("client over --max-clients was served")
	}
}

func TestManyConnectDisconnect(t *testing.T) {
	s := start(t, Options{})
	for range 200 {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		s.Send(context.Background(), line("x"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Clients() != 0 {
		s.Send(context.Background(), line("x")) // writes reveal closed peers
		if time.Now().After(deadline) {
			t.Fatalf("%d clients still registered after they all hung up", s.Clients())
		}
		time.Sleep(time.Millisecond)
	}
}
