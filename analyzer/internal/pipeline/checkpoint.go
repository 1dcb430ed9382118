package pipeline

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/replace"
	"github.com/geostream/geostream/analyzer/internal/window"
	"github.com/geostream/geostream/shared/tweet"
)

// CheckpointOptions say where the pipeline keeps its checkpoint. After
// every window that all the outputs have written, the pipeline saves its
// state to Path (replaced atomically): the model's (a Stater), the
// window's batches, open and closed, with their points, the clock, the
// counters, the acks, and how far each Resumer's files go. A run that
// starts where a checkpoint of the same input is carries on from it: it
// skips the lines the checkpoint holds (by their numbers, for a source
// that numbers them; by their count, for a capture), cuts windows.ndjson
// and the assignments back to the checkpoint and appends to them. With
// the event clock and a source that sends again what was not acked (a
// NATS durable consumer), the windows are then the same, byte for byte,
// as those of a run never stopped. A run whose input ends removes the
// checkpoint: the next run is a new one.
type CheckpointOptions struct {
	// Path is the checkpoint file; "" keeps none.
	Path string
	// Input names the input (a capture's path, a scraper's address, a
	// NATS stream and consumer). A checkpoint of another input is of
	// another run: this one starts anew, and replaces it.
	Input string
	// Settings are the options that shape the windows, as name=value: a
	// checkpoint made with others is refused.
	Settings []string
	// Fresh starts over even where a checkpoint is.
	Fresh bool
}

// checkpointMagic and checkpointLayout start a checkpoint file; a
// checkpoint of another layout is refused.
const (
	checkpointMagic  = "geostream checkpoint"
	checkpointLayout = 1
)

// CheckpointError is a checkpoint that cannot be resumed from: of another
// layout or other options, or damaged.
type CheckpointError struct {
	Path, Reason string
}

func (e *CheckpointError) Error() string { return e.Path + " " + e.Reason }

// doneLines is how far the pipeline is through its input: the lines fed
// into the slider whole. A checkpoint taken while a line closes batches
// holds the lines before it, and the event time they reached.
type doneLines struct {
	seq      uint64
	lines    int64
	maxEvent time.Time
}

// checkpointState is what a checkpoint file holds after its header.
type checkpointState struct {
	Clock    Clock
	MaxEvent time.Time
	Seq      uint64
	Lines    int64
	SawData  bool
	Checked  int
	Windows  int
	Batches  int
	Total    model.Counts
	Started  bool
	Next     int64
	Open     []savedBatch
	Ring     []savedBatch
	Acks     *savedAcks
	Marks    []int64
	Model    []byte
	Outputs  [][]byte
}

type savedBatch struct {
	Index  int64
	Counts model.Counts
	Points []savedPoint
}

type savedPoint struct {
	ID, Text, Place string
	Lon, Lat        float64
	Time            time.Time
	Located         tweet.GeoSource
	Level           tweet.GeoLevel
	Cluster         int
	Tokens          []string
	Vec             []float32
	Terms           []model.Term
}

type savedAcks struct {
	First       map[int64]uint64
	Last, Acked uint64
}

// checkpointing reports whether this run saves checkpoints.
func (p *Pipeline) checkpointing() bool { return p.opts.Checkpoint.Path != "" && !p.noState }

// stater is the model's Stater, if it is one and can save its state.
func (p *Pipeline) stater() (Stater, error) {
	if p.model == nil {
		return nil, nil
	}
	s, ok := p.model.(Stater)
	if !ok {
		return nil, fmt.Errorf("the %T model keeps no checkpoint", p.model)
	}
	if err := s.Stateful(); err != nil {
		return nil, err
	}
	return s, nil
}

// saveCheckpoint writes the checkpoint after a window.
func (p *Pipeline) saveCheckpoint() error {
	began := time.Now()
	sl := p.slider.State()
	st := checkpointState{Clock: p.clock, MaxEvent: p.done.maxEvent, Seq: p.done.seq, Lines: p.done.lines,
		SawData: p.sawData, Checked: p.checked, Windows: p.windows, Batches: p.batches, Total: p.total,
		Started: sl.Started, Next: sl.Next, Open: saveBatches(sl.Open), Ring: saveBatches(sl.Ring)}
	if p.acks != nil {
		st.Acks = &savedAcks{First: p.acks.first, Last: p.acks.last, Acked: p.acks.acked}
	}
	for _, o := range p.outputs {
		if r, ok := o.(Resumer); ok {
			m, err := r.Mark()
			if err != nil {
				return err
			}
			st.Marks = append(st.Marks, m)
		}
		if s, ok := o.(OutputStater); ok {
			var b bytes.Buffer
			if err := s.SaveState(&b); err != nil {
				return err
			}
			st.Outputs = append(st.Outputs, b.Bytes())
		}
	}
	if s, err := p.stater(); err != nil {
		return err
	} else if s != nil {
		var b bytes.Buffer
		if err := s.SaveState(&b); err != nil {
			return err
		}
		st.Model = b.Bytes()
	}
	var size int64
	co := p.opts.Checkpoint
	err := replace.File(co.Path, func(w io.Writer) error {
		cw := &countingWriter{w: w}
		bw := bufio.NewWriterSize(cw, 256<<10)
		fmt.Fprintf(bw, "%s %d\n%s\n", checkpointMagic, checkpointLayout, strconv.Quote(co.Input))
		for _, s := range co.Settings {
			fmt.Fprintln(bw, strconv.Quote(s))
		}
		bw.WriteString("\n")
		if err := gob.NewEncoder(bw).Encode(&st); err != nil {
			return err
		}
		err := bw.Flush()
		size = cw.n
		return err
	})
	if err != nil {
		return fmt.Errorf("writing the checkpoint: %w", err)
	}
	p.log.Debug("checkpoint", "bytes", size, "took", time.Since(began).Round(time.Microsecond), "windows", p.windows)
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

func saveBatches(bs []*window.Batch[*model.Point]) []savedBatch {
	out := make([]savedBatch, len(bs))
	for i, b := range bs {
		sb := savedBatch{Index: b.Index, Counts: b.Counts, Points: make([]savedPoint, len(b.Items))}
		for j, pt := range b.Items {
			sb.Points[j] = savedPoint{ID: pt.ID, Text: pt.Text, Place: pt.Place, Lon: pt.Lon, Lat: pt.Lat, Time: pt.Time,
				Located: pt.Located, Level: pt.Level, Cluster: pt.Cluster, Tokens: pt.Tokens, Vec: pt.Vec, Terms: pt.Terms}
		}
		out[i] = sb
	}
	return out
}

func (p *Pipeline) loadBatches(sbs []savedBatch) []*window.Batch[*model.Point] {
	out := make([]*window.Batch[*model.Point], len(sbs))
	for i, sb := range sbs {
		start := time.Unix(0, sb.Index*int64(p.opts.Window.Batch)).UTC()
		b := &window.Batch[*model.Point]{Index: sb.Index, Start: start, End: start.Add(p.opts.Window.Batch), Counts: sb.Counts}
		if len(sb.Points) > 0 {
			b.Items = make([]*model.Point, len(sb.Points))
			for j, s := range sb.Points {
				b.Items[j] = &model.Point{ID: s.ID, Text: s.Text, Place: s.Place, Lon: s.Lon, Lat: s.Lat, Time: s.Time,
					Located: s.Located, Level: s.Level, Cluster: s.Cluster, Tokens: s.Tokens, Vec: s.Vec, Terms: s.Terms}
			}
		}
		out[i] = b
	}
	return out
}

// resume starts the run from the checkpoint, if there is one of this
// input and it is not to be ignored. Nothing of the pipeline changes
// unless the whole checkpoint is read and fits: a checkpoint that does
// not is refused with a CheckpointError.
func (p *Pipeline) resume() error {
	co := p.opts.Checkpoint
	if co.Path == "" {
		return nil
	}
	if _, err := p.stater(); err != nil {
		p.noState = true
		p.log.Warn("no checkpoints: a restart starts over", "reason", err)
		return nil
	}
	if err := replace.RemoveLeftovers(co.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		p.log.Warn("removing what a killed run left of a checkpoint", "err", err)
	}
	if co.Fresh {
		return nil
	}
	f, err := os.Open(co.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the checkpoint: %w", err)
	}
	defer f.Close()
	refuse := func(format string, args ...any) error {
		return &CheckpointError{Path: co.Path, Reason: fmt.Sprintf(format, args...)}
	}
	br := bufio.NewReaderSize(f, 256<<10)
	head, _ := br.ReadString('\n')
	var layout int
	if n, _ := fmt.Sscanf(head, checkpointMagic+" %d\n", &layout); n != 1 {
		return refuse("is not a checkpoint")
	}
	if layout != checkpointLayout {
		return refuse("was written by another version of the analyzer (layout %d; this one reads %d)", layout, checkpointLayout)
	}
	var header []string
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return refuse("is cut short")
		}
		if l == "\n" {
			break
		}
		s, err := strconv.Unquote(strings.TrimSuffix(l, "\n"))
		if err != nil {
			return refuse("is damaged")
		}
		header = append(header, s)
	}
	if len(header) == 0 {
		return refuse("is damaged")
	}
	if header[0] != co.Input {
		p.log.Info("the checkpoint is of another input: starting a new run", "checkpoint", co.Path, "its_input", header[0])
		return nil
	}
	if diff := settingsDiff(header[1:], co.Settings); diff != "" {
		return refuse("was made with other options (%s)", diff)
	}
	var st checkpointState
	if err := gob.NewDecoder(br).Decode(&st); err != nil {
		return refuse("is damaged: %v", err)
	}
	return p.restore(&st, refuse)
}

// restore puts the pipeline in the state st.
func (p *Pipeline) restore(st *checkpointState, refuse func(string, ...any) error) error {
	if st.Clock != ClockWall && st.Clock != ClockEvent {
		return refuse("names no clock")
	}
	slider := window.NewSlider[*model.Point](p.opts.Window)
	ring := p.loadBatches(st.Ring)
	if err := slider.Restore(window.State[*model.Point]{Started: st.Started, Next: st.Next, Open: p.loadBatches(st.Open), Ring: ring}); err != nil {
		return refuse("does not fit the window: %v", err)
	}
	var held [][]*model.Point
	for _, b := range ring {
		if len(b.Items) > 0 {
			held = append(held, b.Items)
		}
	}
	var resumers []Resumer
	var staters []OutputStater
	for _, o := range p.outputs {
		if r, ok := o.(Resumer); ok {
			resumers = append(resumers, r)
		}
		if s, ok := o.(OutputStater); ok {
			staters = append(staters, s)
		}
	}
	if len(resumers) != len(st.Marks) || len(staters) != len(st.Outputs) {
		return refuse("was made with other outputs")
	}
	if (st.Acks != nil) != (p.acks != nil) {
		return refuse("was made with another kind of input")
	}
	if s, _ := p.stater(); s != nil {
		if err := s.LoadState(bytes.NewReader(st.Model), held); err != nil {
			return refuse("does not fit the model: %v", err)
		}
	} else if len(st.Model) > 0 {
		return refuse("holds a model this run has not")
	}
	for i, s := range staters {
		if err := s.LoadState(bytes.NewReader(st.Outputs[i])); err != nil {
			return refuse("does not fit an output: %v", err)
		}
	}
	for i, r := range resumers {
		if err := r.Resume(st.Marks[i]); err != nil {
			return refuse("does not fit the files: %v", err)
		}
	}
	p.slider, p.clock, p.maxEvent = slider, st.Clock, st.MaxEvent
	p.done = doneLines{seq: st.Seq, lines: st.Lines, maxEvent: st.MaxEvent}
	p.resumeSeq = st.Seq
	if st.Seq == 0 && p.opts.Capture {
		p.skipLines = st.Lines
	}
	p.sawData, p.checked, p.windows, p.batches, p.total = st.SawData, st.Checked, st.Windows, st.Batches, st.Total
	if st.Acks != nil {
		p.acks.first, p.acks.last, p.acks.acked = st.Acks.First, st.Acks.Last, st.Acks.Acked
		if p.acks.first == nil {
			p.acks.first = map[int64]uint64{}
		}
	}
	p.resumed = true
	p.publish()
	p.log.Info("resuming from the checkpoint", "path", p.opts.Checkpoint.Path, "windows", p.windows, "lines", st.Lines)
	return nil
}

// settingsDiff says which settings differ between a checkpoint's and
// this run's, as "name was a, now b", or "" if none does.
func settingsDiff(was, now []string) string {
	split := func(ss []string) map[string]string {
		m := map[string]string{}
		for _, s := range ss {
			k, v, _ := strings.Cut(s, "=")
			m[k] = v
		}
		return m
	}
	a, b := split(was), split(now)
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var diff []string
	for _, k := range keys {
		if a[k] != b[k] {
			diff = append(diff, fmt.Sprintf("%s was %q, now %q", k, a[k], b[k]))
		}
	}
	return strings.Join(diff, "; ")
}

// skip reports whether a line is one the checkpoint a run resumed from
// already holds: by its number, for a source that numbers lines, else,
// for a capture, by its place in the file.
func (p *Pipeline) skip(seq uint64) bool {
	if seq != 0 {
		return seq <= p.resumeSeq
	}
	if p.skipLines > 0 {
		p.skipLines--
		return true
	}
	return false
}

// removeCheckpoint removes the checkpoint of a run whose input has ended:
// the next run is a new one.
func (p *Pipeline) removeCheckpoint() error {
	if err := os.Remove(p.opts.Checkpoint.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the checkpoint: %w", err)
	}
	return nil
}
