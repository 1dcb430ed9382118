package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// lockedBuffer is a bytes.Buffer safe for a logger and a test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// logField polls JSON log lines in buf for message msg and returns its
// field key.
func logField(t testing.TB, buf *lockedBuffer, msg, key string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(buf.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg {
				if v, ok := m[key].(string); ok {
					return v
				}
			}
		}
		time.Sleep(5 * time.Millisecond) // polling a condition with a deadline
	}
	t.Fatalf("no %q log line with %s:\n%s", msg, key, buf.String())
	return ""
}

// TestFailingRecordShutsTheServerDown: when the recording cannot be written
// (a full disk), serve returns the error with the listener closed, the
// client disconnected and no goroutine left behind.
func TestFailingRecordShutsTheServerDown(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("needs /dev/full")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr lockedBuffer
	root := NewRootCmd(Deps{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }})
	root.SetArgs([]string{"synth", "--speed", "0", "--record", "/dev/full", "--listen", "127.0.0.1:0", "--log-format", "json"})
	errc := make(chan error, 1)
	go func() { errc <- root.ExecuteContext(ctx) }()
	addr := logField(t, &stderr, "serving", "addr")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	read := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, conn)
		read <- err
	}()
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "no space left") {
			t.Fatalf("serve returned %v, want the disk-full error", err)
		}
	case <-ctx.Done():
		t.Fatal("serve did not return after the recording failed")
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("the listener is still open after serve returned")
	}
	select {
	case <-read:
	case <-ctx.Done():
		t.Fatal("the client is still connected after serve returned")
	}
}
