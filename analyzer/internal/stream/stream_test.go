package stream

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/tweet"
)

func drain(out chan Chunk) []tweet.Tweet {
	var all []tweet.Tweet
	for {
		select {
		case c := <-out:
			all = append(all, c.Lines...)
		default:
			return all
		}
	}
}

func TestReadKeepsOrderAndKinds(t *testing.T) {
	in := `{"id":"1","text":"a b","lon":1,"lat":2}` + "\r\n" +
		"\n" + // keep-alive: skipped
		`{"limit":{"track":1}}` + "\n" +
		strings.Repeat("x", 300) + "\n" + // over --max-line
		`not json` + "\n" +
		`{"id":"2","text":"c","lon":null,"lat":null}`
	out := make(chan Chunk, 100)
	n, err := Read(context.Background(), strings.NewReader(in), Options{MaxLine: 200, Chunk: 2,
		Tokenize: func(s string) []string { return strings.Fields(s) }}, out)
	if err != nil || n != 6 {
		t.Fatalf("read %d lines, %v", n, err)
	}
	var lines []tweet.Tweet
	var toks [][]string
	for len(out) > 0 {
		c := <-out
		if len(c.Tokens) != len(c.Lines) {
			t.Fatal("tokens not index for index with lines")
		}
		lines, toks = append(lines, c.Lines...), append(toks, c.Tokens...)
	}
	kinds := []tweet.Kind{tweet.KindTweet, tweet.KindNotice, tweet.KindMalformed, tweet.KindMalformed, tweet.KindTweet}
	if len(lines) != len(kinds) {
		t.Fatalf("got %d entries, want %d", len(lines), len(kinds))
	}
	for i, k := range kinds {
		if lines[i].Kind != k {
			t.Fatalf("entry %d is %v, want %v", i, lines[i].Kind, k)
		}
	}
	if lines[2].Notice != TooLong || lines[3].Notice == TooLong {
		t.Fatal("over-long line not marked as such")
	}
	if strings.Join(toks[0], " ") != "a b" || toks[4] != nil {
		t.Fatalf("tokens %q: located tweets only", toks)
	}
}

// TestConnectReconnectsAndAuthenticates serves two connections in a row;
// the reader sends its token each time and keeps going after the first ends.
func TestConnectReconnectsAndAuthenticates(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for i := 0; i < 2; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			first, _ := bufio.NewReader(c).ReadString('\n')
			if first != "AUTH tok\n" {
				c.Close()
				continue
			}
			c.Write([]byte(`{"id":"` + string(rune('1'+i)) + `","text":"x"}` + "\n"))
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := make(chan Chunk, 10)
	done := make(chan error)
	var states []State // written by Connect's goroutine, read after it returns
	go func() {
		done <- Connect(ctx, Options{Addr: ln.Addr().String(), Token: "tok", MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
			OnState: func(s State) { states = append(states, s) }}, out)
	}()
	var ids []string
	for len(ids) < 2 {
		select {
		case c := <-out:
			for _, l := range c.Lines {
				ids = append(ids, l.ID)
			}
		case <-ctx.Done():
			t.Fatalf("got %v before the deadline", ids)
		}
	}
	cancel()
	if err := <-done; err != nil || ids[0] != "1" || ids[1] != "2" {
		t.Fatalf("ids %v, err %v", ids, err)
	}
	drain(out)
	if len(states) < 3 || states[0] != StateConnected || states[1] != StateReconnecting || states[2] != StateConnected {
		t.Fatalf("states %v: want connected, reconnecting, connected", states)
	}
}

func TestConnectOnceStopsAtEnd(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write([]byte(`{"id":"1","text":"x"}` + "\n"))
		c.Close()
	}()
	out := make(chan Chunk, 10)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Connect(ctx, Options{Addr: ln.Addr().String(), Once: true}, out); err != nil || ctx.Err() != nil {
		t.Fatalf("Once did not end cleanly: %v %v", err, ctx.Err())
	}
	if len(drain(out)) != 1 {
		t.Fatal("line lost")
	}
}
