package pipeline

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
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
	Open     [][]byte // each batch as encodeBatch wrote it
	Ring     [][]byte
	Acks     *savedAcks
	Marks    []int64
	Model    []byte
	Outputs  [][]byte
}

type savedAcks struct {
	First       map[int64]uint64
	Last, Acked uint64
}

func (st *checkpointState) encode(e *checkpoint.Encoder) {
	e.String(string(st.Clock))
	e.Time(st.MaxEvent)
	e.Uint(st.Seq)
	e.Int(st.Lines)
	e.Bool(st.SawData)
	e.Int(int64(st.Checked))
	e.Int(int64(st.Windows))
	e.Int(int64(st.Batches))
	encodeCounts(e, st.Total)
	e.Bool(st.Started)
	e.Int(st.Next)
	for _, bs := range [][][]byte{st.Open, st.Ring, st.Outputs} {
		e.Uint(uint64(len(bs)))
		for _, b := range bs {
			e.Bytes(b)
		}
	}
	e.Bool(st.Acks != nil)
	if st.Acks != nil {
		e.Uint(st.Acks.Last)
		e.Uint(st.Acks.Acked)
		e.Uint(uint64(len(st.Acks.First)))
		for i, f := range st.Acks.First {
			e.Int(i)
			e.Uint(f)
		}
	}
	e.Uint(uint64(len(st.Marks)))
	for _, m := range st.Marks {
		e.Int(m)
	}
	e.Bytes(st.Model)
}

func (st *checkpointState) decode(d *checkpoint.Decoder) {
	st.Clock = Clock(d.String())
	st.MaxEvent = d.Time()
	st.Seq, st.Lines, st.SawData = d.Uint(), d.Int(), d.Bool()
	st.Checked, st.Windows, st.Batches = int(d.Int()), int(d.Int()), int(d.Int())
	st.Total = decodeCounts(d)
	st.Started, st.Next = d.Bool(), d.Int()
	for _, bs := range []*[][]byte{&st.Open, &st.Ring, &st.Outputs} {
		*bs = make([][]byte, d.Len(1))
		for i := range *bs {
			(*bs)[i] = d.Bytes()
		}
	}
	if d.Bool() {
		st.Acks = &savedAcks{Last: d.Uint(), Acked: d.Uint(), First: map[int64]uint64{}}
		for range d.Len(2) {
			i := d.Int()
			st.Acks.First[i] = d.Uint()
		}
	}
	st.Marks = make([]int64, d.Len(1))
	for i := range st.Marks {
		st.Marks[i] = d.Int()
	}
	st.Model = d.Bytes()
}

// countFields lists a Counts' fields, in the order a checkpoint keeps
// them.
func countFields(c *model.Counts) []*int {
	return []*int{&c.Tweets, &c.Located, &c.ByPoint, &c.ByPlace, &c.ByProfile, &c.ByText, &c.Unlocated, &c.Wordless,
		&c.BadGeo, &c.ClockSkew, &c.Notices, &c.Malformed, &c.TooLong, &c.Late}
}

func encodeCounts(e *checkpoint.Encoder, c model.Counts) {
	for _, f := range countFields(&c) {
		e.Int(int64(*f))
	}
}

func decodeCounts(d *checkpoint.Decoder) model.Counts {
	var c model.Counts
	for _, f := range countFields(&c) {
		*f = int(d.Int())
	}
	return c
}

// encodeBatch writes a batch with its points.
func encodeBatch(b *window.Batch[*model.Point]) []byte {
	e := checkpoint.Encoder{B: make([]byte, 0, 64+160*len(b.Items))}
	e.Int(b.Index)
	encodeCounts(&e, b.Counts)
	e.Uint(uint64(len(b.Items)))
	for _, pt := range b.Items {
		e.String(pt.ID)
		e.String(pt.Text)
		e.String(pt.Place)
		e.Float64(pt.Lon)
		e.Float64(pt.Lat)
		e.Time(pt.Time)
		e.Int(int64(pt.Located))
		e.Int(int64(pt.Level))
		e.Int(int64(pt.Cluster))
		e.Uint(uint64(len(pt.Tokens)))
		for _, t := range pt.Tokens {
			e.String(t)
		}
		e.Uint(uint64(len(pt.Vec)))
		for _, v := range pt.Vec {
			e.Float32(v)
		}
		e.Uint(uint64(len(pt.Terms)))
		for _, t := range pt.Terms {
			e.Uint(uint64(t.ID))
			e.Float32(t.W)
		}
	}
	return e.B
}

// decodeBatch reads a batch encodeBatch wrote.
func (p *Pipeline) decodeBatch(b []byte) (*window.Batch[*model.Point], error) {
	d := &checkpoint.Decoder{B: b}
	i := d.Int()
	start := time.Unix(0, i*int64(p.opts.Window.Batch)).UTC()
	out := &window.Batch[*model.Point]{Index: i, Start: start, End: start.Add(p.opts.Window.Batch), Counts: decodeCounts(d)}
	if n := d.Len(30); n > 0 {
		out.Items = make([]*model.Point, n)
		for j := range out.Items {
			pt := &model.Point{ID: d.String(), Text: d.String(), Place: d.String(), Lon: d.Float64(), Lat: d.Float64(),
				Time: d.Time(), Located: tweet.GeoSource(d.Int()), Level: tweet.GeoLevel(d.Int()), Cluster: int(d.Int())}
			if n := d.Len(1); n > 0 {
				pt.Tokens = make([]string, n)
				for k := range pt.Tokens {
					pt.Tokens[k] = d.String()
				}
			}
			if n := d.Len(4); n > 0 {
				pt.Vec = make([]float32, n)
				for k := range pt.Vec {
					pt.Vec[k] = d.Float32()
				}
			}
			if n := d.Len(5); n > 0 {
				pt.Terms = make([]model.Term, n)
				for k := range pt.Terms {
					pt.Terms[k] = model.Term{ID: uint32(d.Uint()), W: d.Float32()}
				}
			}
			out.Items[j] = pt
		}
	}
	if d.Err != nil || len(d.B) != 0 {
		return nil, fmt.Errorf("a batch is %w", checkpoint.ErrDamaged)
	}
	return out, nil
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

// saveCheckpoint writes the checkpoint after a window. A closed batch
// does not change, so each is encoded once (p.savedRing), when it is
// first saved; the open batches, the model and the rest are encoded
// anew.
func (p *Pipeline) saveCheckpoint() error {
	began := time.Now()
	sl := p.slider.State()
	st := checkpointState{Clock: p.clock, MaxEvent: p.done.maxEvent, Seq: p.done.seq, Lines: p.done.lines,
		SawData: p.sawData, Checked: p.checked, Windows: p.windows, Batches: p.batches, Total: p.total,
		Started: sl.Started, Next: sl.Next}
	for _, b := range sl.Open {
		st.Open = append(st.Open, encodeBatch(b))
	}
	if p.savedRing == nil {
		p.savedRing = map[int64][]byte{}
	}
	for _, b := range sl.Ring {
		enc, ok := p.savedRing[b.Index]
		if !ok {
			enc = encodeBatch(b)
			p.savedRing[b.Index] = enc
		}
		st.Ring = append(st.Ring, enc)
	}
	for i := range p.savedRing {
		if len(sl.Ring) == 0 || i < sl.Ring[0].Index {
			delete(p.savedRing, i)
		}
	}
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
	if d, ok := p.opts.Events.(OutputStater); ok {
		var b bytes.Buffer
		if err := d.SaveState(&b); err != nil {
			return err
		}
		st.Outputs = append(st.Outputs, b.Bytes())
	}
	if s, err := p.stater(); err != nil {
		return err
	} else if s != nil {
		p.modelBuf.Reset()
		if err := s.SaveState(&p.modelBuf); err != nil {
			return err
		}
		st.Model = p.modelBuf.Bytes()
	}
	co := p.opts.Checkpoint
	e := checkpoint.Encoder{B: p.ckptBuf[:0]}
	e.B = fmt.Appendf(e.B, "%s %d\n%s\n", checkpointMagic, checkpointLayout, strconv.Quote(co.Input))
	for _, s := range co.Settings {
		e.B = append(strconv.AppendQuote(e.B, s), '\n')
	}
	e.B = append(e.B, '\n')
	st.encode(&e)
	p.ckptBuf = e.B
	err := replace.File(co.Path, func(w io.Writer) error {
		_, err := w.Write(e.B)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing the checkpoint: %w", err)
	}
	p.log.Debug("checkpoint", "bytes", len(e.B), "took", time.Since(began).Round(time.Microsecond), "windows", p.windows)
	return nil
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
		p.log.Info("no checkpoints: a restart starts over", "reason", err)
		return nil
	}
	if _, ok := p.opts.Events.(OutputStater); p.opts.Events != nil && !ok {
		p.noState = true
		p.log.Info("no checkpoints: a restart starts over", "reason", "the event detector keeps no checkpoint")
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
	body, err := io.ReadAll(br)
	if err != nil {
		return fmt.Errorf("reading the checkpoint: %w", err)
	}
	var st checkpointState
	d := &checkpoint.Decoder{B: body}
	if st.decode(d); d.Err != nil || len(d.B) != 0 {
		return refuse("is damaged")
	}
	return p.restore(&st, refuse)
}

// restore puts the pipeline in the state st.
func (p *Pipeline) restore(st *checkpointState, refuse func(string, ...any) error) error {
	if st.Clock != ClockWall && st.Clock != ClockEvent {
		return refuse("names no clock")
	}
	slider := window.NewSlider[*model.Point](p.opts.Window)
	var open, ring []*window.Batch[*model.Point]
	for _, l := range []struct {
		from [][]byte
		to   *[]*window.Batch[*model.Point]
	}{{st.Open, &open}, {st.Ring, &ring}} {
		for _, enc := range l.from {
			b, err := p.decodeBatch(enc)
			if err != nil {
				return refuse("is damaged: %v", err)
			}
			*l.to = append(*l.to, b)
		}
	}
	if err := slider.Restore(window.State[*model.Point]{Started: st.Started, Next: st.Next, Open: open, Ring: ring}); err != nil {
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
	if d, ok := p.opts.Events.(OutputStater); ok {
		staters = append(staters, d)
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
