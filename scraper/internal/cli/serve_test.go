package cli

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/geostream/geostream/shared/logs/logtest"
)

// logField waits for a JSON log line in log with message msg and returns
// its field key.
func logField(t testing.TB, log *logtest.Log, msg, key string) string {
	t.Helper()
	m, err := log.Wait(msg, 1, 20*time.Second, nil)
	if err != nil {
		t.Fatalf("%v:\n%s", err, log.Text())
	}
	v, ok := m[key].(string)
	if !ok {
		t.Fatalf("the %q log line has no %s: %v", msg, key, m)
	}
	return v
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
	stderr := logtest.New()
	root := NewRootCmd(Deps{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Getenv: func(string) string { return "" }})
	root.SetArgs([]string{"synth", "--speed", "0", "--record", "/dev/full", "--listen", "127.0.0.1:0", "--log-format", "json"})
	errc := make(chan error, 1)
	go func() { errc <- root.ExecuteContext(ctx) }()
	addr := logField(t, stderr, "serving", "addr")
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
