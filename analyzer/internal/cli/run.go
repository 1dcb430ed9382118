package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/geostream/geostream/analyzer/internal/cluster"
	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/geo"
	"github.com/geostream/geostream/analyzer/internal/heap"
	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/analyzer/internal/output"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
	"github.com/geostream/geostream/analyzer/internal/render"
	"github.com/geostream/geostream/analyzer/internal/window"
	"github.com/geostream/geostream/shared/bbox"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/metrics"
	"github.com/geostream/geostream/shared/wire"
)

// RunOptions are the run command's settings.
type RunOptions struct {
	Pipeline      pipeline.Options
	Input         string // a capture, or "" to connect
	Socket        input.SocketOptions
	stdin         io.Reader
	Connect       string
	Token         string
	TLSCA         string
	TLSServerName string
	Once          bool
	Clock         string
	Out           string
	Assignments   string
	MaxLine       int
	Model         modelOptions
	Locate        locateOptions
	model         *cluster.Model
	Maps          bool
	Region        string
	SizeBy        string
	BBox          string
	Width, Height int
	Keep          int
	KeepRuns      int
	Fresh         bool
	// CheckpointEvery is the least wall-clock time between checkpoints.
	CheckpointEvery time.Duration
	mapOpts         output.MapsOptions
	MetricsAddr     string
	// HeapHeadroom is how many MB the heap may grow past what it holds
	// before the collector runs (heap.Governor); 0 leaves Go's default.
	HeapHeadroom int
	Live         liveOptions
	NATS         natsOptions // --nats and its --nats-* flags
	Events       eventOptions
}

func newRunCmd(d Deps, lo *logOptions, runF func(context.Context, *RunOptions) error) *cobra.Command {
	o := &RunOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Read a scraper's stream (or a capture) and write windows and maps",
		Example: `  analyzer run                                   # the scraper on this machine
  analyzer run --connect server.example:9999     # a scraper elsewhere
  analyzer run --input capture.jsonl.gz           # offline, reproducible
  analyzer run --region europe --k 10             # a map of Europe, ten clusters in colour`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := lo.logger(d.Stderr)
			if err != nil {
				return err
			}
			o.Pipeline.Logger = log
			if err := o.complete(d, cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runRun(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	po := &o.Pipeline
	f.StringVar(&o.Connect, "connect", "127.0.0.1:9999", "scraper address host:port")
	f.StringVar(&o.Input, "input", "", "read this capture (.jsonl, .gz, .bz2, - for stdin) instead of connecting")
	f.StringVar(&o.Token, "token", "", "shared secret to send as 'AUTH <token>'; unset, $GEOSTREAM_TOKEN")
	f.StringVar(&o.TLSCA, "tls-ca", "", "connect with TLS, trusting this CA certificate (PEM)")
	f.StringVar(&o.TLSServerName, "tls-server-name", "", "name to verify in the scraper's TLS certificate; unset, the --connect host")
	f.BoolVar(&o.Once, "once", false, "exit when the scraper ends the stream instead of reconnecting; unset, the analyzer exits when the scraper says its stream ends (a replay), and --once=false never")
	f.StringVar(&o.Clock, "clock", "auto", "batch by arrival time (wall, as Spark) or by created_at (event, reproducible); auto: event for a capture or a replay, wall for a live stream")
	addTimeFlags(f, po)
	f.StringVar(&o.Out, "out", "out", "directory for windows.ndjson and maps")
	f.StringVar(&o.Assignments, "assignments", "", "write window_end,id,lon,lat,cluster,located,level for every post of every window to this CSV (lon,lat empty where unplaced, cluster -1 where unclustered)")
	f.IntVar(&o.MaxLine, "max-line", wire.DefaultMaxLine, "longest line in bytes; longer lines are skipped and counted")
	f.DurationVar(&po.StatsInterval, "stats-interval", pipeline.DefaultStatsInterval, "how often to log stats")
	f.BoolVar(&o.Maps, "maps", true, "draw a map per window (--maps=false: numbers only)")
	md := output.DefaultMapsOptions()
	f.StringVar(&o.Region, "region", md.Region, "map region: auto (where each window's posts are; the world when they are everywhere), "+strings.Join(geo.RegionNames(), ", "))
	f.StringVar(&o.BBox, "bbox", "", "map extent w,s,e,n in degrees (instead of --region)")
	f.IntVar(&o.Width, "width", md.Width, "map width in pixels (at least 400)")
	f.IntVar(&o.Height, "height", md.Height, "map height in pixels (at least 300)")
	f.IntVar(&o.Keep, "keep", md.Keep, "how many map-*.png files to keep (0: all)")
	f.IntVar(&o.KeepRuns, "keep-runs", output.KeepRuns, "how many earlier runs to keep in --out/runs (0: all)")
	f.BoolVar(&o.Fresh, "fresh", false, "start a new run even if --out holds a checkpoint of this input to resume from")
	f.DurationVar(&o.CheckpointEvery, "checkpoint-every", 2*time.Second, "least wall-clock time between two checkpoints (0: after every window); a live run's slides are further apart, so each is checkpointed")
	f.StringVar(&o.SizeBy, "size-by", render.SizeByCount, "markers: count (a disc per cluster and place, its area by the number of posts) or none (a small dot per post)")
	f.StringVar(&o.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address, e.g. 127.0.0.1:9101")
	f.IntVar(&o.HeapHeadroom, "heap-headroom", DefaultHeapHeadroom, "MB the heap may grow past what the window holds before the garbage is collected; a large window then takes that much more memory, not twice as much, for more of the collector's CPU (0: Go's default, twice; GOGC or GOMEMLIMIT, if set, wins)")
	addModelFlags(f, &o.Model)
	addLocateFlags(f, &o.Locate)
	addLiveFlags(f, &o.Live)
	addNATSFlags(f, &o.NATS)
	addEventFlags(f, &o.Events)
	cmd.MarkFlagsMutuallyExclusive("connect", "input", "nats")
	cmd.MarkFlagsMutuallyExclusive("decay", "half-life")
	cmdhelp.Apply(cmd, []cmdhelp.Group{inputFlags, connectionFlags, natsFlags, timeFlags, locateFlags, modelFlags,
		keywordFlags, vectorFlags, eventFlags, mapFlags, outputFlags})
	return cmd
}

// complete validates flags and fills derived options.
func (o *RunOptions) complete(d Deps, cmd *cobra.Command) error {
	po := &o.Pipeline
	po.Clock = pipeline.Clock(o.Clock)
	o.stdin = d.Stdin
	pol, err := o.Locate.policy()
	if err != nil {
		return err
	}
	po.Locate = pol
	if err := po.Validate(); err != nil {
		return flagError(err)
	}
	if o.MaxLine <= 0 {
		return cmdhelp.Usagef("--max-line must be positive")
	}
	if po.StatsInterval <= 0 {
		return cmdhelp.Usagef("--stats-interval must be positive")
	}
	if err := o.NATS.complete(d, cmd, po, o.Once, o.MaxLine, time.Now()); err != nil {
		return err
	}
	if err := o.Events.complete(po); err != nil {
		return err
	}
	if o.Token == "" && d.Getenv != nil {
		o.Token = d.Getenv("GEOSTREAM_TOKEN")
	}
	if o.Input == "" && o.NATS.URL == "" {
		if err := input.CheckAddr(o.Connect); err != nil {
			return cmdhelp.UsageError{Err: err} // before anything in --out moves
		}
	}
	o.Socket = input.SocketOptions{Addr: o.Connect, Token: o.Token, Once: o.Once, MaxLine: o.MaxLine,
		OnceIfFinite: !cmd.Flags().Changed("once"), Logger: po.Logger}
	po.Capture = o.Input != ""
	if o.Input != "" && o.Input != "-" {
		if st, err := os.Stat(o.Input); err != nil {
			return cmdhelp.Usagef("--input: %v", err)
		} else if st.IsDir() {
			return cmdhelp.Usagef("--input %s is a directory", o.Input)
		}
	}
	if o.TLSCA != "" {
		pem, err := os.ReadFile(o.TLSCA)
		if err != nil {
			return cmdhelp.Usagef("--tls-ca: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return cmdhelp.Usagef("--tls-ca %s holds no PEM certificate", o.TLSCA)
		}
		o.Socket.TLS = &tls.Config{RootCAs: pool, ServerName: o.TLSServerName, MinVersion: tls.VersionTLS12}
	}
	if err := o.completeLive(cmd.Flags()); err != nil {
		return err
	}
	o.Model.log = po.Logger
	m, err := o.Model.build(cmd.Flags())
	if err != nil {
		return err
	}
	o.model = m
	box, ok := geo.Regions[o.Region]
	follow := o.Region == "auto"
	if follow {
		box, ok = geo.World, true
	}
	if !ok {
		return cmdhelp.Usagef("--region %q: want auto or one of %s", o.Region, strings.Join(geo.RegionNames(), ", "))
	}
	if o.BBox != "" {
		if box, err = bbox.Parse(o.BBox); err != nil {
			return cmdhelp.Usagef("--bbox: %v", err)
		}
		o.Region, follow = "bbox", false
	}
	if o.Width < render.MinWidth || o.Height < render.MinHeight || o.Width > 10000 || o.Height > 10000 {
		return cmdhelp.Usagef("--width and --height must be between %dx%d and 10000x10000", render.MinWidth, render.MinHeight)
	}
	if o.Keep < 0 {
		return cmdhelp.Usagef("--keep must not be negative")
	}
	if o.KeepRuns < 0 {
		return cmdhelp.Usagef("--keep-runs must not be negative")
	}
	if o.HeapHeadroom < 0 {
		return cmdhelp.Usagef("--heap-headroom must not be negative")
	}
	if dir := filepath.Dir(o.Assignments); o.Assignments != "" && filepath.Clean(dir) != filepath.Clean(o.Out) {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return cmdhelp.Usagef("--assignments %s: no directory %s to write it in", o.Assignments, dir)
		}
	}
	if o.SizeBy != render.SizeByNone && o.SizeBy != render.SizeByCount {
		return cmdhelp.Usagef("--size-by %q: want none or count", o.SizeBy)
	}
	po.Checkpoint = o.checkpoint(cmd.Flags())
	o.mapOpts = output.MapsOptions{Dir: o.Out, Region: o.Region, Box: box, Follow: follow, Width: o.Width, Height: o.Height,
		Keep: o.Keep, Lossless: po.Clock == pipeline.ClockEvent, Compression: png.BestSpeed, SizeBy: o.SizeBy,
		MaxColored: o.Model.show}
	return nil
}

// checkpointSettings are the flags a checkpoint must have been made with
// for a run to resume from it: those that shape the windows and the
// files it appends to.
var checkpointSettings = slices.Concat(timeFlags.Flags, locateFlags.Flags, modelFlags.Flags, keywordFlags.Flags,
	vectorFlags.Flags, eventFlags.Flags, []string{"max-line", "assignments"})

// checkpoint says where the run keeps its checkpoint, of which input and
// with which settings; a run that reads stdin keeps none.
func (o *RunOptions) checkpoint(f *pflag.FlagSet) pipeline.CheckpointOptions {
	co := pipeline.CheckpointOptions{Path: filepath.Join(o.Out, "checkpoint"), Fresh: o.Fresh, Every: o.CheckpointEvery}
	switch {
	case o.NATS.URL != "":
		co.Input = fmt.Sprintf("nats %s subject %s durable %s", o.NATS.URL, o.NATS.Subject, o.NATS.Durable)
	case o.Input == "-":
		co.Path = "" // another run's stdin is another input, which nothing tells
	case o.Input != "":
		abs, err := filepath.Abs(o.Input)
		if err != nil {
			abs = o.Input
		}
		co.Input = "capture " + abs
	default:
		co.Input = "scraper " + o.Connect
	}
	for _, name := range checkpointSettings {
		if fl := f.Lookup(name); fl != nil && name != "embeddings-save" && name != "nats-events" {
			co.Settings = append(co.Settings, "--"+name+"="+fl.Value.String())
		}
	}
	return co
}

// source opens the input: the capture, the NATS stream, or the scraper's
// socket.
func (o *RunOptions) source(ctx context.Context) (input.Source, error) {
	if o.NATS.URL != "" {
		return o.NATS.source(ctx)
	}
	if o.Input != "" {
		src, err := input.OpenFile(o.Input, o.stdin, o.MaxLine, nil)
		if err != nil {
			return nil, fmt.Errorf("--input: %w", err)
		}
		return src, nil
	}
	return input.Dial(o.Socket), nil
}

// DefaultHeapHeadroom is --heap-headroom's default, in MB.
const DefaultHeapHeadroom = 64

// governHeap sets the collector's percent for this headroom, starts a
// heap.Governor that keeps it set as the heap grows, and returns what
// stops it and sets the percent back.
func governHeap(ctx context.Context, headroom uint64) func() error {
	ctx, stop := context.WithCancel(ctx)
	tick := time.NewTicker(heap.Every)
	done := make(chan struct{})
	g := &heap.Governor{Headroom: headroom}
	g.Step()
	go func() {
		defer close(done)
		g.Run(ctx, tick.C)
	}()
	return func() error {
		stop()
		tick.Stop()
		<-done
		return nil
	}
}

func runRun(ctx context.Context, o *RunOptions) (err error) {
	log := o.Pipeline.Logger
	var undo cleanup
	defer func() { err = errors.Join(err, undo.run()) }()
	lock, err := output.LockDir(o.Out)
	if err != nil {
		return err
	}
	undo.push(lock.Unlock)
	if o.HeapHeadroom > 0 && os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		undo.push(governHeap(ctx, uint64(o.HeapHeadroom)<<20))
	}
	// Nothing in --out moves and no file is created before the first
	// window: Rotate archives the earlier run then, and the files after it
	// are created on their first write.
	outs := []pipeline.Output{&output.Rotate{Dir: o.Out, Keep: o.KeepRuns, Log: log},
		output.NewWindows(filepath.Join(o.Out, "windows.ndjson")), output.Table{Log: log}}
	if ev := o.Events.file(o.Out); ev != nil {
		outs = append(outs, ev)
	}
	if o.Assignments != "" {
		outs = append(outs, output.NewAssignments(o.Assignments))
	}
	ran := false // Run closes the outputs
	undo.push(func() error {
		if ran {
			return nil
		}
		var errs []error
		for _, out := range outs {
			errs = append(errs, out.Close())
		}
		return errors.Join(errs...)
	})
	var maps *output.Maps
	if o.Maps {
		o.mapOpts.Logger, o.mapOpts.OnMap = log, o.Live.onMap()
		if maps, err = output.NewMaps(o.mapOpts); err != nil {
			return flagError(err)
		}
		outs = append(outs, maps)
	}
	var page *live
	if o.Live.addr != "" {
		if page, err = startLive(o); err != nil {
			return err
		}
		undo.push(func() error {
			if !ran {
				return page.srv.Close()
			}
			return nil
		})
		outs = append(outs, page.out)
	}
	var connects atomic.Int64
	o.Socket.Connects = &connects
	src, err := o.source(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil // interrupted while waiting for the stream
		}
		return err
	}
	undo.push(func() error { return o.NATS.disconnect(log) })
	if o.NATS.open != nil {
		if pub := o.Events.publisher(o.NATS.open.Conn()); pub != nil {
			outs = append(outs, pub)
		}
	}
	o.Pipeline.Source = src
	undo.push(func() error {
		if !ran {
			return src.Close()
		}
		return nil
	})
	o.Pipeline.ExtraStats = func() []any {
		extra := append([]any{"connects", connects.Load()}, o.NATS.stats()...)
		extra = append(extra, o.Events.stats()...)
		if maps != nil {
			ms := maps.Stats()
			extra = append(extra, "maps", ms.Rendered, "maps_skipped", ms.Skipped, "maps_failed", ms.Failed)
		}
		if on := onlineVectors(o.model); on != nil {
			st := on.Stats()
			extra = append(extra, "embed_batches", st.Batches, "embed_waited", st.Waited.Round(time.Millisecond), "vocab", st.Vocab)
		}
		return extra
	}
	p := pipeline.New(o.Pipeline, o.model, outs...)
	if o.MetricsAddr != "" {
		ms, err := metrics.Listen(o.MetricsAddr, func() []metrics.Metric {
			return analyzerMetrics(p.Stats(), maps, onlineVectors(o.model), connects.Load())
		})
		if err != nil {
			return err
		}
		undo.push(ms.Close)
		log.Info("serving metrics", "addr", ms.Addr())
	}
	ran = true
	err = inputError(p.Run(ctx), o.Input)
	if page != nil {
		page.end(ctx)
	}
	return err
}

// cleanup is a stack of undo steps: run does them last first, whatever
// step a function returned from.
type cleanup []func() error

func (c *cleanup) push(f func() error) { *c = append(*c, f) }

func (c *cleanup) run() error {
	var errs []error
	for i := len(*c) - 1; i >= 0; i-- {
		errs = append(errs, (*c)[i]())
	}
	*c = nil
	return errors.Join(errs...)
}

// inputError names the --input file in an error about its content: a
// file that is empty or no capture is a usage error (exit 2), as a bad
// flag is, and so is a checkpoint the run cannot resume from.
func inputError(err error, path string) error {
	var nc *pipeline.NotCaptureError
	if errors.As(err, &nc) && path != "" {
		return cmdhelp.UsageError{Err: fmt.Errorf("--input %s: %w", path, err)}
	}
	var ce *pipeline.CheckpointError
	if errors.As(err, &ce) {
		return cmdhelp.UsageError{Err: fmt.Errorf("%w: give this run the options of the one it resumes, or --fresh to start a new run", err)}
	}
	return err
}

func analyzerMetrics(st pipeline.Stats, maps *output.Maps, on *embed.Online, connects int64) []metrics.Metric {
	c := func(name, help string, v int) metrics.Metric {
		return metrics.Metric{Name: "geostream_analyzer_" + name, Help: help, Type: "counter", Value: float64(v)}
	}
	t := st.Counts
	out := []metrics.Metric{
		c("tweets_total", "Tweets read.", t.Tweets),
		c("located_total", "Tweets with a usable location.", t.Located),
		c("unlocated_total", "Tweets without a usable location.", t.Unlocated),
		c("bad_geo_total", "Tweets with invalid coordinates (ignored).", t.BadGeo),
		c("notices_total", "Stream notices.", t.Notices),
		c("malformed_total", "Malformed lines.", t.Malformed),
		c("too_long_total", "Lines over --max-line.", t.TooLong),
		c("late_total", "Tweets later than --lateness.", t.Late),
		c("batches_total", "Batches trained on.", st.Batches),
		c("windows_total", "Windows written.", st.Windows),
		c("connects_total", "Connections made to the scraper.", int(connects)),
	}
	if maps != nil {
		ms := maps.Stats()
		out = append(out, c("maps_total", "Maps written.", int(ms.Rendered)),
			c("maps_skipped_total", "Maps skipped because the renderer was busy.", int(ms.Skipped)),
			c("maps_failed_total", "Maps that could not be drawn or written.", int(ms.Failed)))
	}
	if on != nil {
		st := on.Stats()
		out = append(out, c("embed_batches_total", "Batches the online embeddings trained on.", int(st.Batches)),
			metrics.Metric{Name: "geostream_analyzer_embed_wait_seconds_total", Help: "Time the pipeline waited for online embedding training.", Type: "counter", Value: st.Waited.Seconds()},
			metrics.Metric{Name: "geostream_analyzer_embed_vocabulary", Help: "Words with a learnt vector.", Type: "gauge", Value: float64(st.Vocab)})
	}
	return append(out, metrics.Runtime("geostream_analyzer")...)
}

// addTimeFlags adds the batch, window and lateness flags run and eval
// share, with the packages' defaults.
func addTimeFlags(f *pflag.FlagSet, po *pipeline.Options) {
	w := window.DefaultConfig()
	f.DurationVar(&po.Lateness, "lateness", pipeline.DefaultLateness, "event clock: how long a batch waits for late posts")
	f.DurationVar(&po.Window.Batch, "batch", w.Batch, "batch interval: the model trains once per batch")
	f.DurationVar(&po.Window.Window, "window", w.Window, "window length (a multiple of --batch)")
	f.DurationVar(&po.Window.Slide, "slide", w.Slide, "slide interval: a window is written this often (a multiple of --batch)")
}
