package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/dmm"
	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/features"
	"github.com/geostream/geostream/analyzer/internal/geocode"
	"github.com/geostream/geostream/analyzer/internal/heap"
	"github.com/geostream/geostream/analyzer/internal/kmeans"
	"github.com/geostream/geostream/analyzer/internal/lloyd"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
	"github.com/geostream/geostream/analyzer/internal/spherical"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/logs"
)

func runArgs(t *testing.T, args ...string) (*RunOptions, error) {
	t.Helper()
	var got *RunOptions
	var out, errb bytes.Buffer
	d := Deps{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		if k == "GEOSTREAM_TOKEN" {
			return "from-env"
		}
		return ""
	}}
	cmd := newRunCmd(d, &logOptions{Flags: logs.Flags{Format: "text", Level: "error"}}, func(_ context.Context, o *RunOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetFlagErrorFunc(cmdhelp.FlagError)
	return got, cmd.ExecuteContext(context.Background())
}

func sphericalOf(t *testing.T, o *RunOptions) (spherical.Settings, *spherical.Clusterer) {
	t.Helper()
	c, ok := o.model.Clusterer().(*spherical.Clusterer)
	if !ok {
		t.Fatalf("the model is %T, not spherical", o.model.Clusterer())
	}
	return c.Settings(), c
}

func sparkOf(t *testing.T, o *RunOptions) (kmeans.Settings, *kmeans.Clusterer) {
	t.Helper()
	c, ok := o.model.Clusterer().(*kmeans.Clusterer)
	if !ok {
		t.Fatalf("the model is %T, not spark", o.model.Clusterer())
	}
	return c.Settings(), c
}

func TestRunFlags(t *testing.T) {
	o, err := runArgs(t, "--clock", "event", "--region", "usa", "--k", "7", "--size-by", "count", "--model", "spherical")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := sphericalOf(t, o); o.Pipeline.Clock != pipeline.ClockEvent || o.mapOpts.Region != "usa" || !o.mapOpts.Lossless || s.K != 7 ||
		o.mapOpts.SizeBy != "count" || o.mapOpts.MaxColored != 7 {
		t.Fatalf("options %+v", o)
	}
	if l := o.Pipeline.Locate; l == nil || *l != geocode.DefaultPolicy {
		t.Fatalf("default --locate: %+v", l)
	}
	if o.Socket.Token != "from-env" {
		t.Fatal("token not taken from GEOSTREAM_TOKEN")
	}
	if d, err := runArgs(t); err != nil || d.Pipeline.Clock != pipeline.ClockAuto || !d.Socket.OnceIfFinite || d.Socket.Once || d.Pipeline.Capture {
		t.Fatalf("defaults: clock %q, once %v/%v, capture %v, err %v", d.Pipeline.Clock, d.Socket.Once, d.Socket.OnceIfFinite, d.Pipeline.Capture, err)
	}
	if d, err := runArgs(t, "--once=false"); err != nil || d.Socket.OnceIfFinite || d.Socket.Once {
		t.Fatalf("--once=false: once %v/%v, err %v", d.Socket.Once, d.Socket.OnceIfFinite, err)
	}
	if d, err := runArgs(t, "--input", "-"); err != nil || !d.Pipeline.Capture {
		t.Fatalf("--input -: capture %v, err %v", d.Pipeline.Capture, err)
	}
	if s, _ := sphericalOf(t, o); onlineVectors(o.model) != nil || s.IDF || s.Dense != 0 || s.Text != 1 ||
		s.Geo != spherical.DefaultGeoWeight || s.Hashtag != spherical.DefaultHashtagWeight {
		t.Fatalf("default model: %+v, online %v", s, onlineVectors(o.model) != nil)
	}
	d, err := runArgs(t, "--alpha", "0.5", "--k", "9")
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := d.model.Clusterer().(*dmm.Model); !ok || m.Options().Alpha != 0.5 || d.mapOpts.MaxColored != 9 {
		t.Fatalf("the default model: %T, --k %d", d.model.Clusterer(), d.mapOpts.MaxColored)
	}
	for _, args := range [][]string{{"--kmeans", "spark"}, {"--model", "spark"}} {
		o, err = runArgs(t, args...)
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := sparkOf(t, o); onlineVectors(o.model) == nil || !s.IDF || s.GeoWeight != features.DefaultGeoWeight || s.Init != kmeans.InitKMeansPP {
			t.Fatalf("%v: online %v settings %+v", args, onlineVectors(o.model) != nil, s)
		}
	}
	o, err = runArgs(t, "--model", "spherical", "--vector-weight", "0.5", "--geo-weight", "3", "--iterations", "2", "--idf")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := sphericalOf(t, o); onlineVectors(o.model) == nil || s.Dense != 0.5 || s.Geo != 3 || s.Iterations != 2 || !s.IDF {
		t.Fatalf("spherical flags did not reach the model: %+v", s)
	}
	o, err = runArgs(t, "--kmeans", "spark", "--embed-window", "5", "--embed-negative", "7", "--embed-alpha", "0.05", "--embed-sample", "0",
		"--embed-count-decay", "0.9", "--vocab-max", "500", "--embed-batch-max", "40")
	if err != nil {
		t.Fatal(err)
	}
	if on := onlineVectors(o.model).Options(); on.Window != 5 || on.Negative != 7 || on.LR != 0.05 || on.Subsample >= 0 ||
		on.CountDecay != 0.9 || on.VocabMax != 500 || on.MaxPerBatch != 40 {
		t.Fatalf("online embedding flags did not reach the model: %+v", on)
	}
	o, err = runArgs(t, "--profile", "seed")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := sparkOf(t, o); onlineVectors(o.model) != nil || s.Init != kmeans.InitRandom || s.Profile != "seed" {
		t.Fatalf("--profile seed: online %v settings %+v", onlineVectors(o.model) != nil, s)
	}
	o, err = runArgs(t, "--model", "lloyd", "--passes", "5")
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := o.model.Clusterer().(*lloyd.Clusterer); !ok || c.Settings().Passes != 5 {
		t.Fatalf("--model lloyd: %T", o.model.Clusterer())
	}
}

// The map's defaults: discs sized by count, the --k largest clusters in
// colour; --size-by none gives a dot per tweet.
func TestRunMapFlags(t *testing.T) {
	o, err := runArgs(t)
	if err != nil {
		t.Fatal(err)
	}
	if o.mapOpts.SizeBy != "count" || o.mapOpts.MaxColored != o.Model.show || o.mapOpts.Width != 1600 || o.mapOpts.Height != 900 {
		t.Fatalf("map defaults %+v", o.mapOpts)
	}
	if o, err = runArgs(t, "--size-by", "none", "--bbox", "-10,35,30,60", "--width", "400", "--height", "300"); err != nil {
		t.Fatal(err)
	}
	if o.mapOpts.SizeBy != "none" || o.mapOpts.Region != "bbox" || o.mapOpts.Box.W != -10 || o.mapOpts.Width != 400 {
		t.Fatalf("map flags %+v", o.mapOpts)
	}
}

func TestRunBadFlags(t *testing.T) {
	tests := [][]string{
		{"--window", "65s"},
		{"--clock", "lunar"},
		{"--region", "mars"},
		{"--bbox", "1,2,3"},
		{"--k", "0"},
		{"--width", "10"},
		{"--height", "299"},
		{"--model", "spherical", "--decay", "2"},
		{"--profile", "fancy"},
		{"--input", "/does/not/exist"},
		{"--model", "spark", "--embeddings-save", "x.bin", "--embeddings-online=false"},
		{"--size-by", "area"},
		{"--model", "spark", "--embed-window", "0"},
		{"--model", "spark", "--embed-negative", "-2"},
		{"--model", "spark", "--embed-alpha", "0"},
		{"--model", "spark", "--embed-sample", "-0.1"},
		{"--model", "spark", "--embed-count-decay", "1.5"},
		{"--tls-ca", "/does/not/exist"},
		{"--model", "lloyd", "--iterations", "2"},
		{"--model", "nonsense"},
		{"--model", "spark", "--kmeans", "spherical"},
		{"--kmeans", "spherical", "--profile", "seed"},
		{"--model", "spherical", "--embeddings", "x.bin"},
		{"--seed", "many"},
		{"--model", "spherical", "--init", "random"},
		{"--model", "spherical", "--time-unit", "points"},
		{"--model", "spark", "--time-unit", "fortnights"},
		{"--model", "spherical", "--vector-weight", "-1"},
		{"--vector-weight", "1"}, // not a setting of dmm
		{"--alpha", "0"},
		{"--model", "spherical", "--text-weight", "0", "--geo-weight", "0"},
		{"--geo-weight", "-1"},
		{"--sweeps", "1000"},
		{"--model", "spherical", "--max-share", "2"},
		{"--locate", "gps"},
		{"--locate", ""},
		{"--locate-level", "street"},
		{"--connect", "127.0.0.1"},
		{"--connect", "127.0.0.1:99999"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			_, err := runArgs(t, args...)
			var ue cmdhelp.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want a usage error", err)
			}
		})
	}
}

// TestEvalCountsEveryLabelledTweetOnce: with any --slide, the summary
// counts each labelled, clustered post once; labels of another capture
// are refused.
func TestEvalCountsEveryLabelledTweetOnce(t *testing.T) {
	dir := t.TempDir()
	var capture, labels strings.Builder
	for i := 0; i < 300; i++ {
		id := fmt.Sprint(1000 + i)
		topic, lon := "a", 2.35
		if i%2 == 1 {
			topic, lon = "b", 139.7
		}
		fmt.Fprintf(&capture, `{"id":"%s","created_at":"2026-01-01T00:%02d:%02dZ","lon":%g,"lat":40,"text":"%s words here"}`+"\n",
			id, i/60, i%60, lon, topic)
		fmt.Fprintf(&labels, "%s\t%s\n", id, topic)
	}
	in, lab := filepath.Join(dir, "c.jsonl"), filepath.Join(dir, "l.tsv")
	os.WriteFile(in, []byte(capture.String()), 0o644)
	os.WriteFile(lab, []byte(labels.String()), 0o644)
	for _, slide := range []string{"20s", "30s"} {
		var out bytes.Buffer
		d := Deps{Stdin: strings.NewReader(""), Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
		cmd := newEvalCmd(d, &logOptions{Flags: logs.Flags{Format: "text", Level: "error"}})
		cmd.SetArgs([]string{"--input", in, "--labels", lab, "--quiet", "--k", "2", "--slide", slide})
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "(300 of 300 clustered posts labelled)") {
			t.Fatalf("--slide %s: %s", slide, out.String())
		}
	}
	other := filepath.Join(dir, "other.tsv")
	os.WriteFile(other, []byte("1000\ta\n1001\tb\n1002\ta\n5\tb\n"), 0o644)
	d := Deps{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	cmd := newEvalCmd(d, &logOptions{Flags: logs.Flags{Format: "text", Level: "error"}})
	cmd.SetArgs([]string{"--input", in, "--labels", other, "--quiet", "--k", "2"})
	if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "only 3 of 300") {
		t.Fatalf("labels of another capture: %v", err)
	}
}

func TestMetricsReportOnlineEmbeddings(t *testing.T) {
	on := embed.NewOnline(embed.OnlineOptions{Seed: 1})
	on.Start([][]string{{"storm", "flood", "rain"}, {"storm", "wind"}})
	on.Wait()
	got := map[string]float64{}
	for _, m := range analyzerMetrics(pipeline.Stats{}, nil, on, 0) {
		got[m.Name] = m.Value
	}
	if got["geostream_analyzer_embed_batches_total"] != 1 || got["geostream_analyzer_embed_vocabulary"] != 4 {
		t.Fatalf("embedding metrics %v", got)
	}
	if _, ok := got["geostream_analyzer_embed_wait_seconds_total"]; !ok {
		t.Fatal("no embedding wait metric")
	}
	for _, m := range analyzerMetrics(pipeline.Stats{}, nil, nil, 0) {
		if strings.HasPrefix(m.Name, "geostream_analyzer_embed") {
			t.Fatalf("%s reported without online embeddings", m.Name)
		}
	}
}

// embed train writes a model that loads with the corpus's words, in every
// mode, and embed neighbours reads it back; bad flags are usage errors.
func TestEmbedTrainAndNeighbours(t *testing.T) {
	dir := t.TempDir()
	var corpus strings.Builder
	for i := range 3000 {
		if i%2 == 0 {
			corpus.WriteString("storm flood rain wind storm flood\n")
		} else {
			corpus.WriteString("game bowl score team game bowl\n")
		}
	}
	in := filepath.Join(dir, "corpus.txt")
	os.WriteFile(in, []byte(corpus.String()), 0o644)
	run := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		d := Deps{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		root := NewRootCmd(d)
		root.SetArgs(args)
		err := root.ExecuteContext(context.Background())
		return out.String(), errb.String(), err
	}
	for i, mode := range [][]string{nil, {"--per-pair-negatives"}, {"--in-memory", "--text"}} {
		model := filepath.Join(dir, fmt.Sprintf("m%d.bin", i))
		args := append([]string{"embed", "train", "--corpus", in, "--out", model, "--dim", "16", "--epochs", "3",
			"--threads", "1", "--min-count", "1", "--sample", "-1"}, mode...)
		out, stderr, err := run(args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", mode, err, stderr)
		}
		if !strings.Contains(out, "8 words × 16 dimensions") || !strings.Contains(stderr, "trained on 54000 words") {
			t.Fatalf("%v: stdout %q stderr %q", mode, out, stderr)
		}
		tb, err := embed.Load(model)
		if err != nil || len(tb.Vectors) != 8 || tb.D != 16 {
			t.Fatalf("%v: model %v, %v", mode, tb, err)
		}
		out, _, err = run("embed", "neighbours", "--n", "3", model, "storm")
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"flood", "rain", "wind"} {
			if !strings.Contains(out, w) {
				t.Fatalf("%v: storm's neighbours %q lack %s", mode, out, w)
			}
		}
	}
	for _, bad := range [][]string{
		{"embed", "train", "--out", filepath.Join(dir, "x.bin")},
		{"embed", "train", "--corpus", filepath.Join(dir, "missing.txt"), "--out", filepath.Join(dir, "x.bin")},
		{"embed", "train", "--corpus", in, "--out", filepath.Join(dir, "x.bin"), "--dim", "-3"},
	} {
		var ue cmdhelp.UsageError
		if _, _, err := run(bad...); !errors.As(err, &ue) {
			t.Fatalf("%v: got %v, want a usage error", bad, err)
		}
	}
}

// TestHelpGroupsFlags: run's help shows its flags by purpose, each once,
// with no flag that states its default twice.
func TestHelpGroupsFlags(t *testing.T) {
	for _, sub := range []string{"run", "eval"} {
		var out bytes.Buffer
		root := NewRootCmd(Deps{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }})
		root.SetArgs([]string{sub, "--help"})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		help := out.String()
		for _, g := range []string{"Input flags:", "Time flags:", "Model flags:", "Location flags:"} {
			if !strings.Contains(help, g) {
				t.Errorf("%s --help has no %q:\n%s", sub, g, help)
			}
		}
		for _, l := range strings.Split(help, "\n") {
			if strings.Count(l, "(default") > 1 {
				t.Errorf("%s --help states a default twice: %s", sub, strings.TrimSpace(l))
			}
		}
		if strings.Count(help, "--k int") != 1 {
			t.Errorf("%s --help shows --k %d times", sub, strings.Count(help, "--k int"))
		}
	}
}

// TestRunCheckpointOptions: where the checkpoint goes, which input it
// names and which settings it must match; stdin keeps none.
func TestRunCheckpointOptions(t *testing.T) {
	o, err := runArgs(t, "--out", "o", "--alpha", "0.5")
	if err != nil {
		t.Fatal(err)
	}
	co := o.Pipeline.Checkpoint
	if co.Path != filepath.Join("o", "checkpoint") || co.Input != "scraper 127.0.0.1:9999" || co.Fresh ||
		!slices.Contains(co.Settings, "--alpha=0.5") || !slices.Contains(co.Settings, "--window=1m0s") ||
		!slices.Contains(co.Settings, "--assignments=") || slices.Contains(co.Settings, "--out=o") {
		t.Fatalf("checkpoint options %+v", co)
	}
	if o, err := runArgs(t, "--input", "-", "--fresh"); err != nil || o.Pipeline.Checkpoint.Path != "" || !o.Pipeline.Checkpoint.Fresh {
		t.Fatalf("stdin: %+v, %v", o.Pipeline.Checkpoint, err)
	}
	if _, err := runArgs(t, "--keep-runs", "-1"); err == nil || !strings.Contains(err.Error(), "--keep-runs") {
		t.Fatalf("--keep-runs -1: %v", err)
	}
	if _, err := runArgs(t, "--heap-headroom", "-1"); err == nil || !strings.Contains(err.Error(), "--heap-headroom") {
		t.Fatalf("--heap-headroom -1: %v", err)
	}
	if o, err := runArgs(t); err != nil || o.HeapHeadroom != DefaultHeapHeadroom {
		t.Fatalf("--heap-headroom by default: %d, %v", o.HeapHeadroom, err)
	}
	if _, err := runArgs(t, "--assignments", filepath.Join(t.TempDir(), "no", "a.csv")); err == nil || !strings.Contains(err.Error(), "--assignments") {
		t.Fatalf("--assignments in no directory: %v", err)
	}
}

// TestHeapHeadroomGovernsTheCollector: what run starts for --heap-headroom
// sets the collector's percent and the memory limit before it returns (a
// heap far over a headroom of one byte: the floor, and a limit), and sets
// them back when stopped.
func TestHeapHeadroomGovernsTheCollector(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	beforeLimit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(beforeLimit)
	runtime.GC() // the live heap is known after a collection: 0 before the first
	stop := governHeap(context.Background(), 1)
	got, gotLimit := debug.SetGCPercent(heap.MinPercent), debug.SetMemoryLimit(-1)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if after := debug.SetGCPercent(100); got != heap.MinPercent || after != 100 {
		t.Fatalf("percent %d while governed, %d after (want %d, 100)", got, after, heap.MinPercent)
	}
	if after := debug.SetMemoryLimit(-1); gotLimit == math.MaxInt64 || after != math.MaxInt64 {
		t.Fatalf("memory limit %d while governed, %d after", gotLimit, after)
	}
}
