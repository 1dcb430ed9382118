package logtest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLinesSplitAcrossWrites(t *testing.T) {
	l := New()
	for _, p := range []string{`{"msg":"a","n":1}` + "\n" + `{"msg":"b"`, `,"n":2}`, "\n", "not json\n", `{"msg":"a","n":3}` + "\n" + `{"msg":"unended"}`} {
		l.Write([]byte(p))
	}
	recs := l.Records()
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3: %v", len(recs), recs)
	}
	if recs[1]["msg"] != "b" || recs[1]["n"] != 2.0 {
		t.Errorf("the line split across writes is %v", recs[1])
	}
	if got := strings.Count(l.Text(), "\n"); got != 4 || !strings.HasSuffix(l.Text(), "\n"+`{"msg":"unended"}`) {
		t.Errorf("Text has %d ended lines, want 4 and the unended one:\n%s", got, l.Text())
	}
	if _, ok := l.Nth("unended", 1); ok {
		t.Error("a line not yet ended is a record")
	}
	if m, ok := l.Nth("a", 2); !ok || m["n"] != 3.0 {
		t.Errorf("second a: %v %v", m, ok)
	}
	if _, ok := l.Nth("a", 3); ok {
		t.Error("a third a")
	}
}

func TestWait(t *testing.T) {
	l := New()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a process logging as it goes
		defer wg.Done()
		for i := range 50 {
			fmt.Fprintf(l, `{"msg":"tick","i":%d}`+"\n", i)
		}
	}()
	m, err := l.Wait("tick", 50, 10*time.Second, nil)
	if err != nil || m["i"] != 49.0 {
		t.Fatalf("Wait: %v %v", m, err)
	}
	wg.Wait()
	stop := make(chan struct{})
	close(stop)
	if _, err := l.Wait("never", 1, 10*time.Second, stop); err == nil || !strings.Contains(err.Error(), "ended") {
		t.Errorf("with the process gone: %v", err)
	}
	if _, err := l.Wait("never", 1, time.Millisecond, nil); err == nil || !strings.Contains(err.Error(), "after") {
		t.Errorf("after the timeout: %v", err)
	}
}

func TestBuffer(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); b.Write([]byte("ab")) }()
	}
	wg.Wait()
	if b.String() != "abababab" {
		t.Errorf("got %q", b.String())
	}
}
