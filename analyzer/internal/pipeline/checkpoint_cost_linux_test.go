package pipeline

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/cluster"
	"github.com/geostream/geostream/analyzer/internal/dmm"
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
// the default model at 2,000 posts a window and 20 s slides. The pipeline's
// is the process's CPU over ten minutes of posts without checkpoints,
// divided by the windows written; a checkpoint's is the CPU of the thread
// that writes it (system time included: the writes, the syncs, the
// renames), after six minutes of posts, each op as at a slide: the two
// batches that closed since the last written anew. ckpt-cpu-% is the one
// over the other.
func BenchmarkCheckpointCost(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	newModel := func() *cluster.Model {
		m, err := dmm.New(dmm.DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		cm, err := cluster.New(m, cluster.DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		return cm
	}
	plain := &windowLines{}
	p := New(Options{Source: fileSource(b, strings.NewReader(benchPosts(10)), nil), Capture: true, Clock: ClockEvent,
		Window: window.DefaultConfig(), Lateness: DefaultLateness}, newModel(), plain)
	before := cpuTime()
	if err := p.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	perSlide := float64(cpuTime()-before) / float64(len(plain.got))

	out := &windowLines{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out.stop, out.stopAt = cancel, 12
	p = New(Options{Source: fileSource(b, strings.NewReader(benchPosts(6)), nil), Capture: true, Clock: ClockEvent,
		Window: window.DefaultConfig(), Lateness: DefaultLateness,
		Checkpoint: CheckpointOptions{Path: filepath.Join(b.TempDir(), "checkpoint"), Input: "bench"}}, newModel(), out)
	if err := p.Run(ctx); err != nil {
		b.Fatal(err)
	}
	ring := p.slider.State().Ring
	var spent time.Duration
	b.ResetTimer()
	for range b.N {
		for _, bt := range ring[max(len(ring)-2, 0):] {
			delete(p.ckptFiles.refs, bt.Index)
		}
		t0 := threadCPU(b)
		if err := p.saveCheckpoint(); err != nil {
			b.Fatal(err)
		}
		spent += threadCPU(b) - t0
	}
	b.ReportMetric(float64(spent)/float64(b.N), "ckpt-cpu-ns/slide")
	b.ReportMetric(perSlide, "pipeline-cpu-ns/slide")
	b.ReportMetric(100*float64(spent)/float64(b.N)/perSlide, "ckpt-cpu-%")
}
