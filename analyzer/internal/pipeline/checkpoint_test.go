package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
	"github.com/geostream/geostream/analyzer/internal/stream"
	"github.com/geostream/geostream/analyzer/internal/window"
	"github.com/geostream/geostream/shared/tweet"
)

// stateModel is a model whose answers depend on all it was trained on,
// and whose state a checkpoint holds.
type stateModel struct{ trained, forgot, aged int }

func (m *stateModel) Prepare(*model.Point) {}
func (m *stateModel) Train(b []*model.Point, _ time.Time) {
	for _, p := range b {
		m.trained += int(p.Lon)
	}
}
func (m *stateModel) Forget(b []*model.Point) { m.forgot += len(b) }
func (m *stateModel) Decay(n int64)           { m.aged += int(n) }
func (m *stateModel) Assign(pts []*model.Point, _ time.Time) []model.ClusterSummary {
	for i, p := range pts {
		p.Cluster = (m.trained + i) % 7
	}
	return []model.ClusterSummary{{ID: m.trained, Size: m.forgot, Mapped: m.aged}}
}
func (m *stateModel) Stateful() error { return nil }
func (m *stateModel) SaveState(w io.Writer) error {
	_, err := fmt.Fprintln(w, m.trained, m.forgot, m.aged)
	return err
}
func (m *stateModel) LoadState(r io.Reader, held [][]*model.Point) error {
	_, err := fmt.Fscan(r, &m.trained, &m.forgot, &m.aged)
	return err
}

// windowLines is an output that keeps one line a window, and can be
// cut back as a file is. With stop set, it calls it after stopAt windows
// of its run.
type windowLines struct {
	got    []string
	stop   func()
	stopAt int
}

func (l *windowLines) Write(r *model.Result) error {
	var cl []int
	for _, p := range r.Points {
		cl = append(cl, p.Cluster)
	}
	l.got = append(l.got, fmt.Sprintf("%s %+v %v %v %v %+v", r.End.Format("15:04:05"), r.Counts, r.Clusters, cl, r.Partial, r.Events))
	if l.stopAt--; l.stopAt == 0 && l.stop != nil {
		l.stop()
	}
	return nil
}
func (l *windowLines) Close() error         { return nil }
func (l *windowLines) Mark() (int64, error) { return int64(len(l.got)), nil }
func (l *windowLines) Resume(mark int64) error {
	if mark > int64(len(l.got)) {
		return fmt.Errorf("%d windows, fewer than the %d written", len(l.got), mark)
	}
	l.got = l.got[:mark]
	return nil
}

// checkpointInput is ten minutes of tweets, one every 2 s, with a gap,
// on a few topics that shift as it goes, and a burst in one place.
func checkpointInput() string {
	words := []string{"rain storm", "goal match", "vote poll", "fire smoke", "train late", "quake #alert"}
	var b strings.Builder
	for s := 0; s < 600; s += 2 {
		if s >= 200 && s < 330 {
			continue // longer than a window: the window empties
		}
		text := words[(s/2%4+s/120)%len(words)] + " " + words[s%3]
		fmt.Fprintf(&b, `{"id":"%d","created_at":"2026-01-01T00:%02d:%02dZ","lon":%d,"lat":2,"text":"%s"}`+"\n", s, s/60, s%60, s%5, text)
		if s >= 420 && s < 480 { // a burst in one place: an event
			for i := range 3 {
				fmt.Fprintf(&b, `{"id":"b%d-%d","created_at":"2026-01-01T00:%02d:%02dZ","lon":10.2,"lat":20.2,"text":"flood river %s"}`+"\n",
					s, i, s/60, s%60, words[(s/2+i)%len(words)])
			}
		}
		if s%50 == 0 {
			b.WriteString("not json\n")
		}
	}
	return b.String()
}

// checkpointRun runs the pipeline on checkpointInput, stopped after
// stop windows (0: never).
func checkpointRun(t *testing.T, co CheckpointOptions, out *windowLines, stop int) error {
	t.Helper()
	return checkpointRunWith(t, co, &stateModel{}, nil, out, stop)
}

// checkpointRunWith is checkpointRun with a model and a detector of the
// caller's (nil: none).
func checkpointRunWith(t *testing.T, co CheckpointOptions, m Model, events Detector, out *windowLines, stop int) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out.stop, out.stopAt = cancel, stop
	p := New(Options{Source: fileSource(t, strings.NewReader(checkpointInput()), nil), Capture: true, Clock: ClockEvent,
		Lateness: 3 * time.Second, Checkpoint: co, Stream: stream.Options{Chunk: 1}, Events: events,
		Window: window.Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}}, m, out)
	return p.Run(ctx)
}

// TestCheckpointResumes: a run stopped at any line and started again
// from its checkpoint writes, after the cut, the windows a run never
// stopped writes; the windows it flushed when stopped are cut away.
func TestCheckpointResumes(t *testing.T) {
	whole := &windowLines{}
	if err := checkpointRun(t, CheckpointOptions{}, whole, 0); err != nil {
		t.Fatal(err)
	}
	if len(whole.got) < 10 {
		t.Fatalf("only %d windows", len(whole.got))
	}
	for _, stops := range [][]int{{2}, {3, 2}, {4, 1, 5}} {
		co := CheckpointOptions{Path: filepath.Join(t.TempDir(), "checkpoint"), Input: "in", Settings: []string{"--a=1"}}
		out := &windowLines{}
		for _, n := range stops {
			if err := checkpointRun(t, co, out, n); err != nil {
				t.Fatal(err)
			}
		}
		if err := checkpointRun(t, co, out, 0); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out.got, whole.got) {
			t.Fatalf("stopped after %v windows:\n%s\nnever stopped:\n%s", stops, strings.Join(out.got, "\n"), strings.Join(whole.got, "\n"))
		}
		if _, err := os.Stat(co.Path); err == nil {
			t.Error("a run whose input ended left its checkpoint")
		}
	}
}

// TestCheckpointRefused: a checkpoint of other options, of another
// layout or damaged is refused, naming what; one of another input, or
// with Fresh, is not resumed from.
func TestCheckpointRefused(t *testing.T) {
	dir := t.TempDir()
	co := CheckpointOptions{Path: filepath.Join(dir, "checkpoint"), Input: "in", Settings: []string{"--a=1", "--b=2"}}
	if err := checkpointRun(t, co, &windowLines{}, 5); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(co.Path)
	if err != nil {
		t.Fatal(err)
	}
	gobAt := strings.Index(string(saved), "\n\n") + 2
	for name, c := range map[string]struct {
		file []byte
		co   func(CheckpointOptions) CheckpointOptions
		want string // in the error; "" resumes nothing, "resumed" resumes
	}{
		"the same":      {saved, nil, "resumed"},
		"other options": {saved, func(c CheckpointOptions) CheckpointOptions { c.Settings = []string{"--a=1", "--b=3"}; return c }, `--b was "2", now "3"`},
		"a new option":  {saved, func(c CheckpointOptions) CheckpointOptions { c.Settings = append(c.Settings, "--c=0"); return c }, `--c was "", now "0"`},
		"another layout": {[]byte(strings.Replace(string(saved), fmt.Sprint(checkpointMagic, " ", checkpointLayout), checkpointMagic+" 99", 1)), nil,
			"another version of the analyzer (layout 99"},
		"damaged":       {saved[:gobAt+(len(saved)-gobAt)/2], nil, "is damaged"},
		"not one":       {[]byte("PNG\n"), nil, "is not a checkpoint"},
		"another input": {saved, func(c CheckpointOptions) CheckpointOptions { c.Input = "other"; return c }, ""},
		"fresh":         {saved, func(c CheckpointOptions) CheckpointOptions { c.Fresh = true; return c }, ""},
	} {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(co.Path, c.file, 0o644)
			o := co
			if c.co != nil {
				o = c.co(co)
			}
			m := &stateModel{}
			p := New(Options{Source: fileSource(t, strings.NewReader(""), nil), Capture: true, Clock: ClockEvent, Checkpoint: o,
				Window: window.Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}}, m, &windowLines{got: make([]string, 100)})
			err := p.resume()
			var ce *CheckpointError
			switch c.want {
			case "":
				if err != nil || p.resumed {
					t.Fatalf("resumed %v, %v", p.resumed, err)
				}
			case "resumed":
				if err != nil || !p.resumed || m.trained == 0 {
					t.Fatalf("resumed %v (model trained on %d), %v", p.resumed, m.trained, err)
				}
			default:
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("%v, want a CheckpointError saying %q", err, c.want)
				}
				if p.resumed || m.trained != 0 || p.windows != 0 {
					t.Fatal("a refused checkpoint was half loaded")
				}
			}
		})
	}
}

// TestCheckpointBatchFiles: the closed batches are written once, to batch
// files beside the checkpoint, which names them; a file no checkpoint
// names is removed (so are those of other runs); a checkpoint whose batch
// file is missing, cut short or damaged is refused whole, naming the file;
// a run whose input ends leaves none.
func TestCheckpointBatchFiles(t *testing.T) {
	dir := t.TempDir()
	co := CheckpointOptions{Path: filepath.Join(dir, "checkpoint"), Input: "in"}
	other := filepath.Join(dir, "checkpoint.batches.7") // another run's
	if err := os.WriteFile(other, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkpointRun(t, co, &windowLines{}, 9); err != nil {
		t.Fatal(err)
	}
	batchFiles := func() map[string][]byte {
		files := map[string][]byte{}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "checkpoint.batches.") {
				b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
				files[e.Name()] = b
			}
		}
		return files
	}
	files := batchFiles()
	saved, _ := os.ReadFile(co.Path)
	if _, ok := files["checkpoint.batches.7"]; ok || len(files) == 0 || len(files) > 3 {
		t.Fatalf("batch files %v after nine windows: want at most 3, none of another run's", slices.Sorted(maps.Keys(files)))
	}
	size := 0
	for n, b := range files {
		size += len(b)
		if !strings.Contains(string(saved), n) {
			t.Errorf("%s is left though the checkpoint does not name it", n)
		}
	}
	resume := func() (*stateModel, *Pipeline, error) {
		m := &stateModel{}
		p := New(Options{Source: fileSource(t, strings.NewReader(""), nil), Capture: true, Clock: ClockEvent, Checkpoint: co,
			Window: window.Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}}, m, &windowLines{got: make([]string, 100)})
		return m, p, p.resume()
	}
	if _, p, err := resume(); err != nil || !p.resumed {
		t.Fatalf("resumed %v, %v", p.resumed, err)
	}
	name := slices.Sorted(maps.Keys(files))[0]
	path := filepath.Join(dir, name)
	for what, c := range map[string]struct {
		file []byte // nil: removed
		want string
	}{
		"missing":   {nil, "needs the batch file " + name + ", which is missing"},
		"cut short": {files[name][:len(files[name])/2], "of the batch file " + name + ", which is cut short"},
		"damaged":   {append([]byte{files[name][0] ^ 1}, files[name][1:]...), "of the batch file " + name + ", which is damaged"},
	} {
		os.Remove(path)
		if c.file != nil {
			os.WriteFile(path, c.file, 0o644)
		}
		m, p, err := resume()
		var ce *CheckpointError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a CheckpointError saying %q", what, err, c.want)
		}
		if p.resumed || m.trained != 0 || p.windows != 0 {
			t.Errorf("%s: a refused checkpoint was half loaded", what)
		}
	}
	os.WriteFile(path, files[name], 0o644)
	if err := checkpointRun(t, co, &windowLines{got: make([]string, 100)}, 0); err != nil {
		t.Fatal(err)
	}
	if left := batchFiles(); len(left) != 0 {
		t.Errorf("a run whose input ended left batch files %v", slices.Sorted(maps.Keys(left)))
	}
}

// TestCheckpointNeedsAStater: a model that cannot save its state keeps
// no checkpoint.
func TestCheckpointNeedsAStater(t *testing.T) {
	co := CheckpointOptions{Path: filepath.Join(t.TempDir(), "checkpoint"), Input: "in"}
	p := New(Options{Source: fileSource(t, strings.NewReader(checkpointInput()), nil), Capture: true, Clock: ClockEvent, Checkpoint: co,
		Window: window.Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}}, &textModel{}, &windowLines{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.outputs[0].(*windowLines).stop, p.outputs[0].(*windowLines).stopAt = cancel, 3
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(co.Path); err == nil {
		t.Fatal("a model with no state left a checkpoint")
	}
}

// countingDetector flags nothing but counts the windows it saw, a state
// a checkpoint holds.
type countingDetector struct{ seen int }

func (d *countingDetector) Observe(r *model.Result) []model.Event {
	d.seen++
	return []model.Event{{ID: d.seen}}
}
func (d *countingDetector) SaveState(w io.Writer) error {
	_, err := fmt.Fprintln(w, d.seen)
	return err
}
func (d *countingDetector) LoadState(r io.Reader) error { _, err := fmt.Fscan(r, &d.seen); return err }

// detectorRun runs checkpointInput with the stateModel and det, stopped
// after stop windows (0: never), and returns the windows out holds.
func detectorRun(t *testing.T, co CheckpointOptions, det Detector, out *windowLines, stop int) []string {
	t.Helper()
	if err := checkpointRunWith(t, co, &stateModel{}, det, out, stop); err != nil {
		t.Fatal(err)
	}
	return out.got
}

// TestCheckpointHoldsTheDetector: the detector's state is saved and given
// back; a detector with no state keeps the run from checkpoints.
func TestCheckpointHoldsTheDetector(t *testing.T) {
	run := func(co CheckpointOptions, det Detector, out *windowLines, stop int) []string {
		return detectorRun(t, co, det, out, stop)
	}
	co := CheckpointOptions{Path: filepath.Join(t.TempDir(), "checkpoint"), Input: "in"}
	out := &windowLines{}
	run(co, &countingDetector{}, out, 4)
	det := &countingDetector{}
	got := run(co, det, out, 0)
	whole := &countingDetector{}
	want := run(CheckpointOptions{}, whole, &windowLines{}, 0)
	if det.seen != whole.seen || det.seen < 10 || !slices.Equal(got, want) {
		t.Fatalf("the resumed detector saw %d windows in all, the whole run's %d", det.seen, whole.seen)
	}
	co.Path = filepath.Join(t.TempDir(), "checkpoint")
	run(co, detectorFunc(func(*model.Result) []model.Event { return nil }), &windowLines{}, 4)
	if _, err := os.Stat(co.Path); err == nil {
		t.Fatal("a run whose detector keeps no state left a checkpoint")
	}
}

// FuzzCheckpointState: whatever a checkpoint's body holds, decoding it
// never panics; one that decodes whole, encoded again, decodes to the
// same state.
func FuzzCheckpointState(f *testing.F) {
	st := checkpointState{Clock: ClockEvent, MaxEvent: time.Unix(60, 0).UTC(), Seq: 9, Lines: 40, Windows: 3, Started: true, Next: 7,
		Open: [][]byte{{1, 2}}, Ring: []batchRef{{Index: 5, File: "checkpoint.batches.5", Off: 0, Len: 30, Sum: 99}},
		Acks: &savedAcks{First: map[int64]uint64{5: 3}, Last: 9, Acked: 4}, Marks: []int64{120}, Model: []byte("model")}
	var e checkpoint.Encoder
	st.encode(&e)
	f.Add(e.B)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var st checkpointState
		d := &checkpoint.Decoder{B: b}
		if st.decode(d); d.Err != nil || len(d.B) != 0 {
			return
		}
		var e checkpoint.Encoder
		st.encode(&e)
		var again checkpointState
		ad := &checkpoint.Decoder{B: e.B}
		if again.decode(ad); ad.Err != nil || !reflect.DeepEqual(again, st) {
			t.Fatalf("decoded %+v, encoded and decoded again %+v (%v)", st, again, ad.Err)
		}
	})
}

// loadSpy is a countingDetector that remembers what it was given back.
type loadSpy struct {
	countingDetector
	loaded int
}

func (d *loadSpy) LoadState(r io.Reader) error {
	err := d.countingDetector.LoadState(r)
	d.loaded = d.seen
	return err
}

// TestCheckpointEvery: with Every longer than the run, only the first
// window is checkpointed, and a run stopped later resumes from it to the
// windows of one never stopped.
func TestCheckpointEvery(t *testing.T) {
	run := func(co CheckpointOptions, det Detector, out *windowLines, stop int) []string {
		return detectorRun(t, co, det, out, stop)
	}
	want := run(CheckpointOptions{}, &countingDetector{}, &windowLines{}, 0)
	for _, tc := range []struct {
		every  time.Duration
		loaded int
	}{{time.Hour, 1}, {0, 5}} {
		co := CheckpointOptions{Path: filepath.Join(t.TempDir(), "checkpoint"), Input: "in", Every: tc.every}
		out := &windowLines{}
		run(co, &countingDetector{}, out, 5)
		spy := &loadSpy{}
		got := run(co, spy, out, 0)
		if spy.loaded != tc.loaded {
			t.Errorf("every %v: the resumed run was given the state of window %d, want %d", tc.every, spy.loaded, tc.loaded)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("every %v: resumed:\n%s\nnever stopped:\n%s", tc.every, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestCheckpointHoldsNoLargeBuffer: between checkpoints of a fast stream
// (20,000 posts a minute, a checkpoint of megabytes) the pipeline holds
// neither the checkpoint's bytes nor the batches it wrote, and what it
// wrote resumes.
func TestCheckpointHoldsNoLargeBuffer(t *testing.T) {
	co := CheckpointOptions{Path: filepath.Join(t.TempDir(), "checkpoint"), Input: "fast"}
	out := &windowLines{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out.stop, out.stopAt = cancel, 4
	p := New(Options{Source: fileSource(t, strings.NewReader(postsAt(2, 20000)), nil), Capture: true, Clock: ClockEvent,
		Window: window.DefaultConfig(), Lateness: DefaultLateness, Checkpoint: co}, defaultModel(t), out)
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(co.Path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() <= keptBuffer {
		t.Fatalf("a checkpoint of %d bytes: the stream is too slow to test", st.Size())
	}
	if c := cap(p.ckptBuf); c > keptBuffer {
		t.Errorf("between checkpoints the pipeline holds a buffer of %d bytes", c)
	}
	if c := cap(p.ckptFiles.scratch); c > keptBuffer {
		t.Errorf("between checkpoints the pipeline holds the batches it wrote, %d bytes", c)
	}
	r := New(Options{Source: fileSource(t, strings.NewReader(""), nil), Capture: true, Clock: ClockEvent,
		Window: window.DefaultConfig(), Lateness: DefaultLateness, Checkpoint: co}, defaultModel(t), &windowLines{got: make([]string, 100)})
	// The fifth window is the partial one flushed at the stop, after the
	// last checkpoint.
	if err := r.resume(); err != nil || !r.resumed || r.windows != 4 {
		t.Fatalf("resuming: %v (resumed %v, %d windows, want 4)", err, r.resumed, r.windows)
	}
}

// TestWriteBatchIsAppendBatch: a batch written a chunk at a time is, byte
// for byte, the batch appendBatch encodes whole, with its length and
// CRC-32C, across many chunks, and an empty batch too; a failing writer's
// error comes back.
func TestWriteBatchIsAppendBatch(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	big := &window.Batch[*model.Point]{Index: 7, Counts: model.Counts{Tweets: 3000, Located: 2000, Late: 4}}
	for i := range 3000 {
		pt := modeltest.WithID(&model.Point{Lon: float64(i%360) - 180, Lat: float64(i%160) - 80, Cluster: i % 17,
			Located: tweet.GeoSource(i % 4)}, fmt.Sprint(i))
		pt.SetTokens(strings.Fields(strings.Repeat("storm rain lyon ", 1+i%5)))
		pt.SetTime(t0.Add(time.Duration(i) * time.Millisecond))
		if i%3 == 0 {
			pt.SetText(strings.Repeat("texte ", i%40))
			pt.SetPlace("Lyon")
		}
		if i%5 == 0 {
			pt.SetVec([]float32{float32(i), -1, 0.5})
			pt.SetTerms([]model.Term{{ID: uint32(i), W: 0.25}})
		}
		big.Items = append(big.Items, pt)
	}
	for name, b := range map[string]*window.Batch[*model.Point]{"big": big, "empty": {Index: 9}} {
		want := appendBatch(nil, b)
		var got bytes.Buffer
		n, sum, _, err := writeBatch(&got, b, nil)
		if err != nil || !bytes.Equal(got.Bytes(), want) || n != int64(len(want)) || sum != crc32.Checksum(want, castagnoli) {
			t.Fatalf("%s: wrote %d bytes (said %d, CRC %x), appendBatch %d (CRC %x), err %v", name, got.Len(), n, sum,
				len(want), crc32.Checksum(want, castagnoli), err)
		}
		if m, _, _, err := writeBatch(nil, b, nil); m != n || err != nil {
			t.Fatalf("%s: measured %d bytes, wrote %d (%v)", name, m, n, err)
		}
	}
	if len(appendBatch(nil, big)) < 4*batchChunk {
		t.Fatalf("the big batch is %d bytes, fewer than four chunks", len(appendBatch(nil, big)))
	}
	if _, _, _, err := writeBatch(failWriter{}, big, nil); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("a failing writer: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrShortWrite }

// encode appends the whole state, the open batches as they are, as a
// checkpoint holds it after its header.
func (st *checkpointState) encode(e *checkpoint.Encoder) {
	st.encodeHead(e)
	e.Uint(uint64(len(st.Open)))
	for _, b := range st.Open {
		e.Bytes(b)
	}
	st.encodeTail(e)
}

// appendBatch appends a batch with its points to dst, whole: what
// writeBatch writes a chunk at a time.
func appendBatch(dst []byte, b *window.Batch[*model.Point]) []byte {
	e := checkpoint.Encoder{B: dst}
	appendBatchHead(&e, b)
	for _, pt := range b.Items {
		appendPoint(&e, pt)
	}
	return e.B
}
