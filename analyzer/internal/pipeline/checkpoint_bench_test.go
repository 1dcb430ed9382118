package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/cluster"
	"github.com/geostream/geostream/analyzer/internal/dmm"
	"github.com/geostream/geostream/analyzer/internal/window"
)

// benchPosts is minutes of made-up posts, 2,000 a 60 s window, each of
// eight words of a Zipf vocabulary of 20,000 and half of them with a
// place.
func benchPosts(minutes int) string { return postsAt(minutes, 2000) }

// postsAt is benchPosts at perMinute posts a minute.
func postsAt(minutes, perMinute int) string {
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 2, 19999)
	var b strings.Builder
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := minutes * perMinute
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Minute / time.Duration(perMinute))
		words := make([]string, 8)
		for j := range words {
			words[j] = fmt.Sprintf("w%d", zipf.Uint64())
		}
		geo := ""
		if i%2 == 0 {
			geo = fmt.Sprintf(`,"lon":%.3f,"lat":%.3f`, rng.Float64()*360-180, rng.Float64()*160-80)
		}
		fmt.Fprintf(&b, `{"id":"%d","created_at":"%s","text":"%s"%s}`+"\n", i, at.Format(time.RFC3339Nano), strings.Join(words, " "), geo)
	}
	return b.String()
}

// ckptLog keeps what the checkpoint debug lines say: how many, the most
// bytes one wrote and the bytes all wrote.
type ckptLog struct {
	n, bytes, sum int64
}

func (l *ckptLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *ckptLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "checkpoint" {
		l.n++
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "bytes" {
				l.bytes = max(l.bytes, a.Value.Int64())
				l.sum += a.Value.Int64()
			}
			return true
		})
	}
	return nil
}
func (l *ckptLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *ckptLog) WithGroup(string) slog.Handler      { return l }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCheckpoint runs the default model over ten minutes of posts
// (2,000 a window, 20 s slides) with and without a checkpoint after every
// window: cpu-ns/op is the process's CPU time a run, ckpt-cpu-%
// the share of the pipeline's CPU the checkpoints add (measured side by
// side), ckpt-bytes the largest checkpoint.
func BenchmarkCheckpoint(b *testing.B) {
	in := benchPosts(10)
	run := func(b *testing.B, path string, log *ckptLog) time.Duration {
		cm := defaultModel(b)
		src := fileSource(b, strings.NewReader(in), nil)
		p := New(Options{Source: src, Capture: true, Clock: ClockEvent, Window: window.DefaultConfig(), Lateness: DefaultLateness,
			Checkpoint: CheckpointOptions{Path: path, Input: "bench"}, Logger: slog.New(log)}, cm, &windowLines{})
		p.opts.Checkpoint.Fresh = true
		before := cpuTime()
		if err := p.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		return cpuTime() - before
	}
	var plain, with time.Duration
	log := &ckptLog{}
	dir := b.TempDir()
	b.ResetTimer()
	for range b.N {
		plain += run(b, "", &ckptLog{})
		with += run(b, filepath.Join(dir, "checkpoint"), log)
	}
	b.ReportMetric(float64(with)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(100*float64(with-plain)/float64(plain), "ckpt-cpu-%")
	b.ReportMetric(float64(with-plain)/float64(max(log.n, 1)), "cpu-ns/ckpt")
	b.ReportMetric(float64(log.bytes), "ckpt-bytes")
	b.ReportMetric(float64(log.sum)/float64(max(log.n, 1)), "ckpt-bytes/slide")
}

// BenchmarkSaveCheckpoint writes the checkpoint of a window of 2,000
// posts of the default model again and again: cached, with the closed
// batches already in batch files, as at most slides but the two new
// batches; cold, with every closed batch written again. bytes is what the
// checkpoint file holds, disk-bytes what it and its batch files do.
func BenchmarkSaveCheckpoint(b *testing.B) {
	m, _ := dmm.New(dmm.DefaultOptions())
	cm, _ := cluster.New(m, cluster.DefaultOptions())
	out := &windowLines{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out.stop, out.stopAt = cancel, 12
	path := filepath.Join(b.TempDir(), "checkpoint")
	p := New(Options{Source: fileSource(b, strings.NewReader(benchPosts(6)), nil), Capture: true, Clock: ClockEvent,
		Window: window.DefaultConfig(), Lateness: DefaultLateness, Checkpoint: CheckpointOptions{Path: path, Input: "bench"}}, cm, out)
	if err := p.Run(ctx); err != nil {
		b.Fatal(err)
	}
	for _, cold := range []bool{false, true} {
		b.Run(fmt.Sprintf("cold=%v", cold), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if cold {
					p.ckptFiles = batchFiles{}
				}
				if err := p.saveCheckpoint(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(p.ckptBuf)), "bytes")
			var disk int64
			entries, _ := os.ReadDir(filepath.Dir(path))
			for _, e := range entries {
				if fi, err := e.Info(); err == nil && !e.IsDir() {
					disk += fi.Size()
				}
			}
			b.ReportMetric(float64(disk), "disk-bytes")
		})
	}
}

// defaultModel is the default model, as analyzer run makes it.
func defaultModel(t testing.TB) *cluster.Model {
	c, err := dmm.New(dmm.DefaultOptions())
	return clustered(t, c, err)
}

// clustered is the model of a clusterer, failing t on either error.
func clustered(t testing.TB, c cluster.Clusterer, err error) *cluster.Model {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	m, err := cluster.New(c, cluster.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return m
}
