package pipeline

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
// state to Path (replaced atomically and synced): the model's (a Stater),
// the open batches with their points, the clock, the counters, the acks,
// how far each Resumer's files go, and where the closed batches are. A
// closed batch does not change: its points are written once, when it is
// first checkpointed, to a batch file beside Path (Path.batches.<index>,
// appended to over a few slides, then a new one is begun), which the
// checkpoint names with the batch's place and checksum; a batch file no
// checkpoint names any more is removed. A checkpoint whose batch file is
// missing or torn is refused whole. A run that
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
	// Every is the least wall-clock time between two checkpoints: a
	// window that closes sooner after the last one is not checkpointed
	// (and, reading NATS, its lines are acked with the next checkpoint).
	// At live speed, with slides seconds apart, every slide is; a replay
	// at full speed closes windows milliseconds apart, and saving each
	// would cost more than computing it. 0 checkpoints every window.
	Every time.Duration
}

// checkpointMagic and checkpointLayout start a checkpoint file; a
// checkpoint of another layout is refused.
const (
	checkpointMagic  = "geostream checkpoint"
	checkpointLayout = 3
)

// batchFileUses is how many checkpoints append their new closed batches
// to one batch file before a new one is begun: fewer files made and
// removed, at the cost of a file kept until its last batch has left the
// window.
const batchFileUses = 3

// castagnoli is the CRC-32 a batch's bytes are checked with (computed by
// the CPU's own instruction where it has one).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// batchRef says where a closed batch's points are: in the batch file
// File (a name beside the checkpoint), Len bytes at Off, whose CRC-32C
// is Sum.
type batchRef struct {
	Index    int64
	File     string
	Off, Len int64
	Sum      uint32
}

// batchFiles are the batch files of the checkpoints this run writes.
type batchFiles struct {
	refs  map[int64]batchRef // the closed batches written, by index
	files map[string]bool    // the batch files this run knows of
	cur   string             // the file new batches go to; "" begins one
	size  int64              // cur's length
	uses  int                // checkpoints that appended to cur
	swept bool               // batch and state files of other runs were removed
	// nextState numbers the next state file (statefile.go); 0 before the
	// files beside the checkpoint are listed.
	nextState int64
	// scratch is where writeBatch encodes a chunk of a batch, kept from
	// one checkpoint to the next.
	scratch []byte
}

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
	Open     [][]byte // each batch as writeBatch wrote it
	Ring     []batchRef
	Acks     *savedAcks
	Marks    []int64
	Model    []byte // the rest of the file, as the model wrote it
	Outputs  [][]byte
}

type savedAcks struct {
	First       map[int64]uint64
	Last, Acked uint64
}

// encodeHead appends what comes before the open batches (each as
// writeBatch writes it, after its length), and encodeTail what comes
// after them.
func (st *checkpointState) encodeHead(e *checkpoint.Encoder) {
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
}

func (st *checkpointState) encodeTail(e *checkpoint.Encoder) {
	e.Uint(uint64(len(st.Outputs)))
	for _, b := range st.Outputs {
		e.Bytes(b)
	}
	e.Uint(uint64(len(st.Ring)))
	for _, r := range st.Ring {
		e.Int(r.Index)
		e.String(r.File)
		e.Int(r.Off)
		e.Int(r.Len)
		e.Uint(uint64(r.Sum))
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
	e.B = append(e.B, st.Model...)
}

func (st *checkpointState) decode(d *checkpoint.Decoder) {
	st.Clock = Clock(d.String())
	st.MaxEvent = d.Time()
	st.Seq, st.Lines, st.SawData = d.Uint(), d.Int(), d.Bool()
	st.Checked, st.Windows, st.Batches = int(d.Int()), int(d.Int()), int(d.Int())
	st.Total = decodeCounts(d)
	st.Started, st.Next = d.Bool(), d.Int()
	for _, bs := range []*[][]byte{&st.Open, &st.Outputs} {
		*bs = make([][]byte, d.Len(1))
		for i := range *bs {
			(*bs)[i] = d.Bytes()
		}
	}
	st.Ring = make([]batchRef, d.Len(5))
	for i := range st.Ring {
		st.Ring[i] = batchRef{Index: d.Int(), File: d.String(), Off: d.Int(), Len: d.Int(), Sum: uint32(d.Uint())}
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
	st.Model, d.B = d.B, nil
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

func appendBatchHead(e *checkpoint.Encoder, b *window.Batch[*model.Point]) {
	e.Int(b.Index)
	encodeCounts(e, b.Counts)
	e.Uint(uint64(len(b.Items)))
}

func appendPoint(e *checkpoint.Encoder, pt *model.Point) {
	e.String(pt.ID())
	e.String(pt.Text())
	e.String(pt.Place())
	e.Float64(pt.Lon)
	e.Float64(pt.Lat)
	e.Time(pt.Time())
	e.Int(int64(pt.Located))
	e.Int(int64(pt.Level))
	e.Int(int64(pt.Cluster))
	e.Uint(uint64(pt.NumTokens()))
	for t := range pt.Tokens() {
		e.String(t)
	}
	vec := pt.Vec()
	e.Uint(uint64(len(vec)))
	for _, v := range vec {
		e.Float32(v)
	}
	terms := pt.Terms()
	e.Uint(uint64(len(terms)))
	for _, t := range terms {
		e.Uint(uint64(t.ID))
		e.Float32(t.W)
	}
}

// batchChunk is about how many bytes of a batch writeBatch encodes
// before it writes them.
const batchChunk = 64 << 10

// writeBatch writes to w a batch with its points (appendBatchHead, then
// appendPoint for each), a chunk at a time through scratch (which it
// returns, to be used again), so that a batch of a fast stream, tens of
// MB, is never whole in memory; it says how many bytes it wrote and their
// CRC-32C. A nil w only measures.
func writeBatch(w io.Writer, b *window.Batch[*model.Point], scratch []byte) (n int64, sum uint32, _ []byte, err error) {
	e := checkpoint.Encoder{B: scratch[:0]}
	flush := func() error {
		n += int64(len(e.B))
		if w != nil {
			sum = crc32.Update(sum, castagnoli, e.B)
			if _, err := w.Write(e.B); err != nil {
				return err
			}
		}
		e.B = e.B[:0]
		return nil
	}
	appendBatchHead(&e, b)
	for _, pt := range b.Items {
		appendPoint(&e, pt)
		if len(e.B) >= batchChunk {
			if err := flush(); err != nil {
				return 0, 0, e.B, err
			}
		}
	}
	if err := flush(); err != nil {
		return 0, 0, e.B, err
	}
	return n, sum, e.B, nil
}

// decodeBatch reads a batch writeBatch wrote.
func (p *Pipeline) decodeBatch(b []byte) (*window.Batch[*model.Point], error) {
	d := &checkpoint.Decoder{B: b}
	i := d.Int()
	start := time.Unix(0, i*int64(p.opts.Window.Batch)).UTC()
	out := &window.Batch[*model.Point]{Index: i, Start: start, End: start.Add(p.opts.Window.Batch), Counts: decodeCounts(d)}
	if n := d.Len(30); n > 0 {
		out.Items = make([]*model.Point, n)
		var toks []string
		for j := range out.Items {
			id := d.String()
			pt := &model.Point{}
			pt.SetText(d.String())
			pt.SetPlace(d.String())
			pt.Lon, pt.Lat = d.Float64(), d.Float64()
			pt.SetTime(d.Time())
			pt.Located, pt.Level, pt.Cluster = tweet.GeoSource(d.Int()), tweet.GeoLevel(d.Int()), int(d.Int())
			if n := d.Len(1); n > 0 {
				toks = toks[:0]
				for range n {
					toks = append(toks, d.String())
				}
				pt.SetPacked(model.PackPost(id, toks)) // id and words packed once
			} else {
				pt.SetID(id)
			}
			if n := d.Len(4); n > 0 {
				vec := make([]float32, n)
				for k := range vec {
					vec[k] = d.Float32()
				}
				pt.SetVec(vec)
			}
			if n := d.Len(5); n > 0 {
				terms := make([]model.Term, n)
				for k := range terms {
					terms[k] = model.Term{ID: uint32(d.Uint()), W: d.Float32()}
				}
				pt.SetTerms(terms)
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

// checkpointDue reports whether the window just written is checkpointed:
// the first one is, and then one at least Checkpoint.Every after the
// last.
func (p *Pipeline) checkpointDue() bool {
	now := time.Now()
	if every := p.opts.Checkpoint.Every; every > 0 && !p.lastCheckpoint.IsZero() && now.Sub(p.lastCheckpoint) < every {
		return false
	}
	p.lastCheckpoint = now
	return true
}

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

// saveCheckpoint writes the checkpoint after a window: the closed
// batches not yet in a batch file to one (saveBatches), then the rest,
// which is encoded anew each time, to the checkpoint, which names the
// batch files. Batch files no checkpoint names are removed after it.
func (p *Pipeline) saveCheckpoint() error {
	began := time.Now()
	sl := p.slider.State()
	st := checkpointState{Clock: p.clock, MaxEvent: p.done.maxEvent, Seq: p.done.seq, Lines: p.done.lines,
		SawData: p.sawData, Checked: p.checked, Windows: p.windows, Batches: p.batches, Total: p.total,
		Started: sl.Started, Next: sl.Next}
	ring, batchBytes, err := p.saveBatches(sl.Ring)
	if err != nil {
		return err
	}
	st.Ring = ring
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
	}
	var states []string
	var stateBytes int64
	for i, s := range p.outputStaters() {
		b, n, err := p.saveOutputState(i, s)
		if err != nil {
			return err
		}
		st.Outputs = append(st.Outputs, b)
		stateBytes += n
		if i < len(p.stateFiles) && p.stateFiles[i].name != "" {
			states = append(states, p.stateFiles[i].name)
		}
	}
	ms, err := p.stater()
	if err != nil {
		return err
	}
	co := p.opts.Checkpoint
	e := checkpoint.Encoder{B: p.ckptBuf[:0]}
	e.B = fmt.Appendf(e.B, "%s %d\n%s\n", checkpointMagic, checkpointLayout, strconv.Quote(co.Input))
	for _, s := range co.Settings {
		e.B = append(strconv.AppendQuote(e.B, s), '\n')
	}
	e.B = append(e.B, '\n')
	st.encodeHead(&e)
	e.Uint(uint64(len(sl.Open)))
	head := len(e.B)
	st.encodeTail(&e)
	// The open batches and the model's state go straight to the file, a
	// piece at a time: no copy of them is held.
	var written int64
	err = replace.File(co.Path, func(w io.Writer) error {
		f, ok := w.(interface{ Sync() error })
		if !ok {
			return errors.New("the checkpoint cannot be synced")
		}
		out := &countWriter{w: bufio.NewWriterSize(w, checkpointWriteSize)}
		if _, err := out.Write(e.B[:head]); err != nil {
			return err
		}
		for _, b := range sl.Open {
			var size int64
			var err error
			if size, _, p.ckptFiles.scratch, err = writeBatch(nil, b, p.ckptFiles.scratch); err != nil {
				return err
			}
			if _, err := out.Write(binary.AppendUvarint(nil, uint64(size))); err != nil {
				return err
			}
			if _, _, p.ckptFiles.scratch, err = writeBatch(out, b, p.ckptFiles.scratch); err != nil {
				return err
			}
		}
		if _, err := out.Write(e.B[head:]); err != nil {
			return err
		}
		if ms != nil {
			if err := ms.SaveState(out); err != nil {
				return err
			}
		}
		if err := out.w.Flush(); err != nil {
			return err
		}
		written = out.n
		return f.Sync() // renamed over the last only once it is whole on disk
	})
	p.ckptBuf = keepBuffer(e.B)
	if err != nil {
		return fmt.Errorf("writing the checkpoint: %w", err)
	}
	if err := p.removeBatchFiles(ring, states); err != nil {
		p.log.Warn("removing batch and state files no checkpoint needs", "err", err)
	}
	p.log.Debug("checkpoint", "bytes", written+int64(batchBytes)+stateBytes, "checkpoint_bytes", written, "batch_bytes", batchBytes,
		"state_bytes", stateBytes, "took", time.Since(began).Round(time.Microsecond), "windows", p.windows)
	return nil
}

// checkpointWriteSize is the buffer a checkpoint is written through.
const checkpointWriteSize = 256 << 10

// keptBuffer is the largest buffer a checkpoint keeps for the next: a
// larger one (the open batches of a fast stream, the batches closed at a
// slide) is let go, so that between checkpoints the heap holds none of it.
const keptBuffer = 1 << 20

// keepBuffer returns b emptied, to be used again, if it is small enough
// to keep.
func keepBuffer(b []byte) []byte {
	if cap(b) > keptBuffer {
		return nil
	}
	return b[:0]
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// batchFilePrefix is what the names of the checkpoint's batch files start
// with: Path.batches.<index of the first batch in it>.
func (p *Pipeline) batchFilePrefix() string {
	return filepath.Base(p.opts.Checkpoint.Path) + ".batches."
}

// saveBatches writes the closed batches of the window that no batch file
// holds yet to one, synced, and says where each batch of ring is and how
// many bytes it wrote.
func (p *Pipeline) saveBatches(ring []*window.Batch[*model.Point]) ([]batchRef, int, error) {
	bf := &p.ckptFiles
	if bf.refs == nil {
		bf.refs, bf.files = map[int64]batchRef{}, map[string]bool{}
	}
	refs := make([]batchRef, 0, len(ring))
	var fresh []*window.Batch[*model.Point]
	for _, b := range ring {
		if r, ok := bf.refs[b.Index]; ok {
			refs = append(refs, r)
		} else {
			fresh = append(fresh, b)
		}
	}
	if len(fresh) == 0 {
		return refs, 0, nil
	}
	begin := bf.cur == "" || bf.uses >= batchFileUses
	if begin {
		bf.cur, bf.size, bf.uses = p.batchFilePrefix()+strconv.FormatInt(fresh[0].Index, 10), 0, 0
	}
	dir := filepath.Dir(p.opts.Checkpoint.Path)
	var wrote int64
	err := appendFile(filepath.Join(dir, bf.cur), bf.size, begin, func(w io.Writer) error {
		for _, b := range fresh {
			n, sum, scratch, err := writeBatch(w, b, bf.scratch)
			bf.scratch = scratch
			if err != nil {
				return err
			}
			refs = append(refs, batchRef{Index: b.Index, File: bf.cur, Off: bf.size + wrote, Len: n, Sum: sum})
			wrote += n
		}
		return nil
	})
	if err == nil && begin {
		bf.files[bf.cur] = true
		err = syncDir(dir) // the new file's name is on disk before a checkpoint names it
	}
	if err != nil {
		bf.cur = "" // the next checkpoint begins a new file
		return nil, 0, fmt.Errorf("writing a batch file of the checkpoint: %w", err)
	}
	bf.size += wrote
	bf.uses++
	for _, r := range refs {
		bf.refs[r.Index] = r
	}
	return refs, int(wrote), nil
}

// appendFile writes, through write, at off in the file at path, created
// (or emptied) if create, and syncs it.
func appendFile(path string, off int64, create bool, write func(io.Writer) error) error {
	flag := os.O_WRONLY
	if create {
		flag |= os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flag, 0o666)
	if err != nil {
		return err
	}
	if _, err = f.Seek(off, io.SeekStart); err == nil {
		bw := bufio.NewWriterSize(f, checkpointWriteSize)
		if err = write(bw); err == nil {
			err = bw.Flush()
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes the names created or removed in dir last through a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeBatchFiles removes, once the checkpoint that names ring and the
// state files states is written, the batch and state files it does not
// name: those whose batches have all left the window, the state files
// before a new one, and, at the first checkpoint of a run, those of other
// runs.
func (p *Pipeline) removeBatchFiles(ring []batchRef, states []string) error {
	bf := &p.ckptFiles
	named := map[string]bool{}
	for _, r := range ring {
		named[r.File] = true
	}
	for _, n := range states {
		named[n] = true
	}
	for i := range bf.refs {
		if len(ring) == 0 || i < ring[0].Index {
			delete(bf.refs, i)
		}
	}
	dir := filepath.Dir(p.opts.Checkpoint.Path)
	stale := []string{}
	if !bf.swept {
		all, err := p.listCheckpointFiles()
		if err != nil {
			return err
		}
		for _, n := range all {
			bf.files[n] = true
		}
	}
	for n := range bf.files {
		if !named[n] {
			stale = append(stale, n)
		}
	}
	if len(stale) == 0 {
		bf.swept = true
		return nil
	}
	if err := syncDir(dir); err != nil { // the checkpoint that no longer names them is on disk first
		return err
	}
	var errs []error
	for _, n := range stale {
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		delete(bf.files, n)
		if n == bf.cur {
			bf.cur = ""
		}
	}
	bf.swept = true
	return errors.Join(errs...)
}

// listCheckpointFiles lists the names of the batch and state files beside
// the checkpoint.
func (p *Pipeline) listCheckpointFiles() ([]string, error) {
	entries, err := os.ReadDir(filepath.Dir(p.opts.Checkpoint.Path))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		for _, prefix := range []string{p.batchFilePrefix(), p.stateFilePrefix()} {
			if rest, ok := strings.CutPrefix(e.Name(), prefix); ok {
				if _, err := strconv.ParseInt(rest, 10, 64); err == nil {
					names = append(names, e.Name())
				}
			}
		}
	}
	return names, nil
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
	var open []*window.Batch[*model.Point]
	for _, enc := range st.Open {
		b, err := p.decodeBatch(enc)
		if err != nil {
			return refuse("is damaged: %v", err)
		}
		open = append(open, b)
	}
	ring, err := p.loadBatches(st.Ring, refuse)
	if err != nil {
		return err
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
	for _, o := range p.outputs {
		if r, ok := o.(Resumer); ok {
			resumers = append(resumers, r)
		}
	}
	staters := p.outputStaters()
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
	var stateFiles []string
	for i, s := range staters {
		name, err := p.loadOutputState(s, st.Outputs[i], refuse)
		if err != nil {
			return err
		}
		if name != "" {
			stateFiles = append(stateFiles, name)
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
	p.ckptFiles = batchFiles{refs: map[int64]batchRef{}, files: map[string]bool{}}
	for _, r := range st.Ring {
		p.ckptFiles.refs[r.Index] = r
		p.ckptFiles.files[r.File] = true
	}
	// The run's first checkpoint begins new state files, and removes
	// these.
	for _, n := range stateFiles {
		p.ckptFiles.files[n] = true
	}
	p.resumed = true
	p.publish()
	p.log.Info("resuming from the checkpoint", "path", p.opts.Checkpoint.Path, "windows", p.windows, "lines", st.Lines)
	return nil
}

// loadBatches reads the closed batches refs name from their batch files.
// A batch file that is missing, or a batch that is not there whole, with
// its checksum, refuses the checkpoint.
func (p *Pipeline) loadBatches(refs []batchRef, refuse func(string, ...any) error) ([]*window.Batch[*model.Point], error) {
	files := map[string][]byte{}
	var ring []*window.Batch[*model.Point]
	for _, r := range refs {
		if r.File != filepath.Base(r.File) || !strings.HasPrefix(r.File, p.batchFilePrefix()) {
			return nil, refuse("is damaged: it names %q as a batch file", r.File)
		}
		data, ok := files[r.File]
		if !ok {
			var err error
			data, err = os.ReadFile(filepath.Join(filepath.Dir(p.opts.Checkpoint.Path), r.File))
			if errors.Is(err, fs.ErrNotExist) {
				return nil, refuse("needs the batch file %s, which is missing", r.File)
			}
			if err != nil {
				return nil, fmt.Errorf("reading the checkpoint's batch file: %w", err)
			}
			files[r.File] = data
		}
		if r.Off < 0 || r.Len < 0 || r.Off > int64(len(data)) || r.Len > int64(len(data))-r.Off {
			return nil, refuse("needs batch %d of the batch file %s, which is cut short", r.Index, r.File)
		}
		enc := data[r.Off : r.Off+r.Len]
		if crc32.Checksum(enc, castagnoli) != r.Sum {
			return nil, refuse("needs batch %d of the batch file %s, which is damaged (its checksum differs)", r.Index, r.File)
		}
		b, err := p.decodeBatch(enc)
		if err != nil || b.Index != r.Index {
			return nil, refuse("needs batch %d of the batch file %s, which is damaged", r.Index, r.File)
		}
		ring = append(ring, b)
	}
	return ring, nil
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

// removeCheckpoint removes the checkpoint of a run whose input has ended,
// and its batch files: the next run is a new one.
func (p *Pipeline) removeCheckpoint() error {
	if err := os.Remove(p.opts.Checkpoint.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the checkpoint: %w", err)
	}
	names, err := p.listCheckpointFiles()
	for _, n := range names {
		if rerr := os.Remove(filepath.Join(filepath.Dir(p.opts.Checkpoint.Path), n)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	if err != nil {
		return fmt.Errorf("removing the checkpoint's batch and state files: %w", err)
	}
	return nil
}
