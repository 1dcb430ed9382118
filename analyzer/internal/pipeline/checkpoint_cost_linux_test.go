package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/events"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/window"
)

// threadCPU is the CPU time, user and system, of the calling thread
// (RUSAGE_THREAD, Linux).
func threadCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCheckpointCost measures, side by side in one run, the CPU a
// slide's checkpoint takes and the CPU the pipeline spends a slide, with
// the default model at 2,000 posts a window and 20 s slides, with the
// event detector (events) and without (events-off). The pipeline's is
// the process's CPU over ten minutes of posts without checkpoints,
// divided by the windows written; a checkpoint's is the CPU of the thread
// that writes it (system time included: the writes, the syncs, the
// renames), after six minutes of posts, each op as at a slide: the two
// batches that closed since the last written anew, and with events the
// detector's state after it has observed one more window. ckpt-cpu-% is
// the one over the other.
func BenchmarkCheckpointCost(b *testing.B) {
	for _, withEvents := range []bool{true, false} {
		name := "events"
		if !withEvents {
			name = "events-off"
		}
		b.Run(name, func(b *testing.B) { checkpointCost(b, withEvents) })
	}
}

func checkpointCost(b *testing.B, withEvents bool) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	newDetector := func() Detector {
		if !withEvents {
			return nil
		}
		wc := window.DefaultConfig()
		d, err := events.New(events.DefaultOptions(wc.Slide, wc.Window))
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	plain := &windowLines{}
	p := New(Options{Source: fileSource(b, strings.NewReader(benchPosts(10)), nil), Capture: true, Clock: ClockEvent,
		Window: window.DefaultConfig(), Lateness: DefaultLateness, Events: newDetector()}, defaultModel(b), plain)
	before := cpuTime()
	if err := p.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	perSlide := float64(cpuTime()-before) / float64(len(plain.got))

	// The windows of minutes 7 to 10, for the detector to observe between
	// checkpoints.
	later := &resultCopies{}
	if withEvents {
		p = New(Options{Source: fileSource(b, strings.NewReader(benchPosts(10)), nil), Capture: true, Clock: ClockEvent,
			Window: window.DefaultConfig(), Lateness: DefaultLateness}, defaultModel(b), later)
		if err := p.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		later.results = later.results[len(later.results)/2:]
	}

	out := &windowLines{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out.stop, out.stopAt = cancel, 12
	detector := newDetector()
	ckpt := filepath.Join(b.TempDir(), "checkpoint")
	p = New(Options{Source: fileSource(b, strings.NewReader(benchPosts(6)), nil), Capture: true, Clock: ClockEvent,
		Window: window.DefaultConfig(), Lateness: DefaultLateness, Events: detector,
		Checkpoint: CheckpointOptions{Path: ckpt, Input: "bench"}}, defaultModel(b), out)
	if err := p.Run(ctx); err != nil {
		b.Fatal(err)
	}
	ring := p.slider.State().Ring
	var spent time.Duration
	b.ResetTimer()
	for i := range b.N {
		for _, bt := range ring[max(len(ring)-2, 0):] {
			delete(p.ckptFiles.refs, bt.Index)
		}
		if withEvents && len(later.results) > 0 {
			detector.Observe(later.results[i%len(later.results)])
		}
		t0 := threadCPU(b)
		if err := p.saveCheckpoint(); err != nil {
			b.Fatal(err)
		}
		spent += threadCPU(b) - t0
	}
	st, err := os.Stat(ckpt)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size()), "ckpt-bytes")
	if withEvents {
		states, _ := filepath.Glob(ckpt + ".state.*")
		var size int64
		for _, n := range states {
			if st, err := os.Stat(n); err == nil {
				size += st.Size()
			}
		}
		b.ReportMetric(float64(size), "state-file-bytes")
	}
	b.ReportMetric(float64(spent)/float64(b.N), "ckpt-cpu-ns/slide")
	b.ReportMetric(perSlide, "pipeline-cpu-ns/slide")
	b.ReportMetric(100*float64(spent)/float64(b.N)/perSlide, "ckpt-cpu-%")
}

// resultCopies keeps a copy of every window written: its posts and
// clusters as they were then.
type resultCopies struct{ results []*model.Result }

func (c *resultCopies) Write(r *model.Result) error {
	cp := *r
	cp.Points = make([]*model.Point, len(r.Points))
	for i, pt := range r.Points {
		v := *pt
		cp.Points[i] = &v
	}
	cp.Clusters = slices.Clone(r.Clusters)
	c.results = append(c.results, &cp)
	return nil
}

func (c *resultCopies) Close() error { return nil }
