package output

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockName is the file in an output directory that one analyzer at a
// time holds locked.
const LockName = ".lock"

// Lock is an output directory held by this process: a second analyzer
// given the same directory is refused until Unlock, or until this process
// ends (the kernel lets go of the lock then, even after SIGKILL).
type Lock struct{ f *os.File }

// LockedError is an output directory another process holds.
type LockedError struct {
	Dir string
	PID int // 0 if the holder did not say
}

func (e *LockedError) Error() string {
	who := "another analyzer"
	if e.PID > 0 {
		who = fmt.Sprintf("another analyzer (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s is writing to %s; stop it or give this one another --out", who, e.Dir)
}

// LockDir creates dir if need be and locks it for this process, writing
// the process id into dir/.lock.
func LockDir(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating output directory: %w", err)
	}
	path := filepath.Join(dir, LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking the output directory: %w", err)
	}
	if err := flock(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			b, _ := os.ReadFile(path)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return nil, &LockedError{Dir: dir, PID: pid}
		}
		return nil, fmt.Errorf("locking the output directory: %w", err)
	}
	// Who holds it, for the next one's refusal; the lock holds without it.
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Unlock lets go of the directory.
func (l *Lock) Unlock() error { return l.f.Close() }
