package output

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// Kinds of EventLine.
const (
	EventStart = "start"
	EventEnd   = "end"
)

// EventLine is one line of events.ndjson, and one message on the NATS
// events subject: an event first flagged (Kind "start") or over ("end").
type EventLine struct {
	Kind string `json:"kind"`
	// At is the end of the window in which the event was first flagged,
	// or found over.
	At time.Time `json:"at"`
	model.Event
	// LastSeen, on an end line, is the end of the last window in which
	// the event was active.
	LastSeen *time.Time `json:"last_seen,omitempty"`
}

// Events turns each window's events into a line when an event is first
// flagged and one when it ends, for alerting. An event still active when
// the run stops gets no end line.
type Events struct {
	send   func(line []byte) error
	close  func() error
	active map[int]model.Event
	last   time.Time
	buf    []byte
	flush  func() error
	open   func() error // called before the first window, then dropped
}

// NewEvents returns Events that hand each line (a JSON object and a
// newline) to send, and call done on Close (either may be nil).
func NewEvents(send func(line []byte) error, done func() error) *Events {
	return &Events{send: send, close: done, active: map[int]model.Event{}}
}

// NewEventsFile writes the lines to path, flushed after each window, so
// that the file is always whole lines. The file is created (or
// truncated) with the first window, so that a run that writes none
// leaves an earlier file alone.
func NewEventsFile(path string) *Events {
	var f *os.File
	var bw *bufio.Writer
	e := NewEvents(func(line []byte) error {
		if _, err := bw.Write(line); err != nil {
			return fmt.Errorf("writing events file: %w", err)
		}
		return nil
	}, func() error {
		if f == nil {
			return nil
		}
		err := bw.Flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
	e.open = func() error {
		var err error
		if f, err = os.Create(path); err != nil {
			return fmt.Errorf("creating events file: %w", err)
		}
		bw = bufio.NewWriter(f)
		e.flush = bw.Flush
		return nil
	}
	return e
}

// Write implements pipeline.Output.
func (e *Events) Write(r *model.Result) error {
	if e.open != nil {
		if err := e.open(); err != nil {
			return err
		}
		e.open = nil
	}
	now := map[int]bool{}
	for _, ev := range r.Events {
		now[ev.ID] = true
		if _, ok := e.active[ev.ID]; !ok {
			if err := e.line(EventLine{Kind: EventStart, At: r.End, Event: ev}); err != nil {
				return err
			}
		}
		e.active[ev.ID] = ev
	}
	for id, ev := range e.active {
		if now[id] {
			continue
		}
		last := e.last
		if err := e.line(EventLine{Kind: EventEnd, At: r.End, Event: ev, LastSeen: &last}); err != nil {
			return err
		}
		delete(e.active, id)
	}
	e.last = r.End
	if e.flush != nil {
		if err := e.flush(); err != nil {
			return fmt.Errorf("writing events file: %w", err)
		}
	}
	return nil
}

func (e *Events) line(l EventLine) error {
	var err error
	if e.buf, err = json.Marshal(&l); err != nil {
		return fmt.Errorf("encoding an event: %w", err)
	}
	if e.send == nil {
		return nil
	}
	return e.send(append(e.buf, '\n'))
}

// Close implements pipeline.Output.
func (e *Events) Close() error {
	if e.close == nil {
		return nil
	}
	return e.close()
}
