package output

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
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
	// For a file: its path, the file (once open), and the lines written
	// to it.
	path string
	f    *os.File
	bw   *bufio.Writer
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
	var e *Events
	e = NewEvents(func(line []byte) error {
		if _, err := e.bw.Write(line); err != nil {
			return fmt.Errorf("writing events file: %w", err)
		}
		return nil
	}, func() error {
		if e.f == nil {
			return nil
		}
		err := e.bw.Flush()
		if cerr := e.f.Close(); err == nil {
			err = cerr
		}
		return err
	})
	e.path = path
	e.open = func() error {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("creating events file: %w", err)
		}
		e.openFile(f)
		return nil
	}
	return e
}

func (e *Events) openFile(f *os.File) {
	e.f, e.bw = f, bufio.NewWriter(f)
	e.flush = e.bw.Flush
}

// Mark implements pipeline.Resumer: how long the file is (Write flushes
// it); 0 for lines sent elsewhere.
func (e *Events) Mark() (int64, error) {
	if e.f == nil {
		return 0, nil
	}
	off, err := e.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, fmt.Errorf("writing events file: %w", err)
	}
	return off, nil
}

// Resume implements pipeline.Resumer: the file is cut back to mark and
// written on from there. Lines sent elsewhere (to NATS) cannot be taken
// back: those after the checkpoint are sent again.
func (e *Events) Resume(mark int64) error {
	if e.path == "" {
		return nil
	}
	f, err := resumeFile(e.path, mark)
	if err != nil {
		return err
	}
	e.openFile(f)
	e.open = nil
	return nil
}

// eventsState numbers the layout of a saved Events; another is refused.
const eventsState = 1

// SaveState implements pipeline.OutputStater: the events active in the
// last window, whose end lines are still to come, and that window's end.
func (e *Events) SaveState(w io.Writer) error {
	var enc checkpoint.Encoder
	enc.Uint(eventsState)
	enc.Time(e.last)
	ids := slices.Sorted(maps.Keys(e.active))
	enc.Uint(uint64(len(ids)))
	for _, id := range ids {
		ev := e.active[id]
		model.EncodeEvent(&enc, &ev)
	}
	if _, err := w.Write(enc.B); err != nil {
		return fmt.Errorf("saving the events file's state: %w", err)
	}
	return nil
}

// LoadState implements pipeline.OutputStater. A state that does not fit
// is refused whole.
func (e *Events) LoadState(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("loading the events file's state: %w", err)
	}
	d := &checkpoint.Decoder{B: b}
	if v := d.Uint(); v != eventsState {
		return fmt.Errorf("loading the events file's state: a state of layout %d, not %d", v, eventsState)
	}
	last := d.Time()
	active := map[int]model.Event{}
	for range d.Len(40) {
		ev := model.DecodeEvent(d)
		active[ev.ID] = ev
	}
	if d.Err != nil || len(d.B) != 0 {
		return fmt.Errorf("loading the events file's state: %w", checkpoint.ErrDamaged)
	}
	e.active, e.last = active, last
	return nil
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
	for _, id := range slices.Sorted(maps.Keys(e.active)) { // in a set order: a run is reproducible
		ev := e.active[id]
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
