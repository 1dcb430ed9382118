package server

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.Addr = "127.0.0.1:0"
	opts.StatsInterval = -1
	s := New(opts)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s
}

func dial(t *testing.T, s *Server, first string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if first != "" {
		fmt.Fprintf(c, "%s\n", first)
	}
	return c
}

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
		if err := s.Send(ctx, []byte(fmt.Sprintf(`{"i":%d}`, i))); err != nil {
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

func TestLiveDropsOldestForSlowClient(t *testing.T) {
	s := start(t, Options{QueueLen: 8, WriteTimeout: 5 * time.Second})
	slow := dial(t, s, "") // never reads
	fast := dial(t, s, "")
	ctx := ctxT(t)
	s.WaitClients(ctx, 2)
	_ = slow
	const n = 200000
	line := []byte(strings.Repeat("x", 100))
	done := make(chan int)
	go func() {
		fast.SetReadDeadline(time.Now().Add(10 * time.Second))
		sc := bufio.NewScanner(fast)
		got := 0
		for sc.Scan() && sc.Text() != "END" {
			got++
		}
		done <- got
	}()
	for range n {
		if err := s.Send(ctx, line); err != nil {
			t.Fatal(err)
		}
	}
	s.Send(ctx, []byte("END")) // the newest line is never the one dropped
	if st := s.Stats(); st.Dropped == 0 {
		t.Fatalf("a client that never reads lost nothing: %+v", st)
	}
	// The fast client keeps up, but it may lose a few too when it is
	// descheduled; what matters is that Send never blocked on the slow one.
	if got := <-done; got == 0 {
		t.Fatal("fast client starved")
	}
}

func TestAuth(t *testing.T) {
	s := start(t, Options{Token: "s3cret", Lossless: true})
	bad := dial(t, s, "AUTH nope")
	good := dial(t, s, "AUTH s3cret")
	ctx := ctxT(t)
	if err := s.WaitClients(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.Send(ctx, []byte("hello"))
	if got := readLines(t, good, 1); len(got) != 1 || got[0] != "hello" {
		t.Fatalf("authenticated client got %q", got)
	}
	bad.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := bad.Read(make([]byte, 10)); err == nil {
		t.Fatalf("client with the wrong token was served %d bytes", n)
	}
	if s.Clients() != 1 || s.Stats().Rejected != 1 {
		t.Fatalf("clients %d, stats %+v", s.Clients(), s.Stats())
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

func TestShutdownDeliversQueuedLines(t *testing.T) {
	s := start(t, Options{Lossless: true, QueueLen: 100})
	c := dial(t, s, "")
	ctx := ctxT(t)
	s.WaitClients(ctx, 1)
	for i := range 50 {
		s.Send(ctx, []byte(fmt.Sprint(i)))
	}
	s.Shutdown(ctx)
	got := readLines(t, c, 100)
	if len(got) != 50 || got[49] != "49" {
		t.Fatalf("after shutdown the client had %d lines", len(got))
	}
}

func TestMaxClients(t *testing.T) {
	s := start(t, Options{MaxClients: 1})
	dial(t, s, "")
	s.WaitClients(ctxT(t), 1)
	extra := dial(t, s, "")
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
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
		s.Send(context.Background(), []byte("x"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Clients() != 0 {
		s.Send(context.Background(), []byte("x")) // writes reveal closed peers
		if time.Now().After(deadline) {
			t.Fatalf("%d clients still registered after they all hung up", s.Clients())
		}
		time.Sleep(time.Millisecond)
	}
}
