// Package logtest watches the JSON log of a process under test: it keeps
// every line as it comes and lets a test wait for a message without
// sleeping.
package logtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Log is an io.Writer for a JSON log (slog's JSON handler, one record a
// line). It is safe for concurrent use; the zero value is not ready, use
// New.
type Log struct {
	mu      sync.Mutex
	raw     bytes.Buffer // every complete line
	partial []byte       // a line not yet ended
	recs    []map[string]any
	changed chan struct{} // closed and replaced at every line
}

// New returns an empty Log.
func New() *Log { return &Log{changed: make(chan struct{})} }

// Write keeps the lines of p; a line that does not end in p is kept until
// a later Write ends it. A line that is not a JSON object is kept in Text
// but is no record.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			break
		}
		line := p[:i]
		if len(l.partial) > 0 {
			line = append(l.partial, line...)
			l.partial = l.partial[:0]
		}
		l.raw.Write(line)
		l.raw.WriteByte('\n')
		var m map[string]any
		if json.Unmarshal(line, &m) == nil && m != nil {
			l.recs = append(l.recs, m)
		}
		close(l.changed)
		l.changed = make(chan struct{})
		p = p[i+1:]
	}
	return n, nil
}

// Text returns everything written so far, a last line not yet ended too.
func (l *Log) Text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.raw.String() + string(l.partial)
}

// Records returns the records so far, oldest first.
func (l *Log) Records() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]map[string]any(nil), l.recs...)
}

// Changed returns a channel closed at the next line.
func (l *Log) Changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

// Nth returns the nth record (from 1) whose message is msg, if there are
// that many yet.
func (l *Log) Nth(msg string, n int) (map[string]any, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.recs {
		if m["msg"] == msg {
			if n--; n <= 0 {
				return m, true
			}
		}
	}
	return nil, false
}

// Wait waits for the nth record whose message is msg. It gives up with an
// error after timeout, or when stop is closed (the process has exited: a
// nil stop never is) and the record has still not come.
func (l *Log) Wait(msg string, n int, timeout time.Duration, stop <-chan struct{}) (map[string]any, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		changed := l.Changed()
		if m, ok := l.Nth(msg, n); ok {
			return m, nil
		}
		select {
		case <-changed:
		case <-stop:
			if m, ok := l.Nth(msg, n); ok {
				return m, nil
			}
			return nil, fmt.Errorf("the process ended before %d× %q in its log", n, msg)
		case <-deadline.C:
			return nil, fmt.Errorf("no %d× %q in the log after %v", n, msg, timeout)
		}
	}
}

// Buffer is a bytes.Buffer that a process's goroutines may write while a
// test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what has been written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
