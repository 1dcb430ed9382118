//go:build unix

package output

import (
	"errors"
	"fmt"
	"os"
	"testing"
)

func TestLockDirRefusesASecondHolder(t *testing.T) {
	dir := t.TempDir()
	l, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file: a second open in this process
	// is refused as a second process would be.
	_, err = LockDir(dir)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("a second lock: %v", err)
	}
	if want := fmt.Sprintf("another analyzer (pid %d) is writing to %s", os.Getpid(), dir); err.Error()[:len(want)] != want {
		t.Errorf("the refusal says %q", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := LockDir(dir)
	if err != nil {
		t.Fatalf("after Unlock: %v", err)
	}
	l2.Unlock()
}
