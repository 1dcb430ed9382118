package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/geostream/geostream/analyzer/internal/input"
	natsin "github.com/geostream/geostream/analyzer/internal/input/nats"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/cmdhelp"
)

// natsOptions are the flags of --nats: reading the scrapers' JetStream
// stream. Secrets come from the environment (NATS_USER and NATS_PASSWORD,
// or NATS_TOKEN), never from flags.
type natsOptions struct {
	URL     string
	Durable string
	Start   string
	Subject string
	AckWait time.Duration
	Conn    bus.Options // credentials and TLS; URL set from URL

	consumer natsin.Options
	open     *natsin.Consumer // while running
	// reading is open, for the live page's rebuilds of the history
	// (another goroutine): where the run stands in the stream.
	reading atomic.Pointer[natsin.Consumer]
}

func addNATSFlags(f *pflag.FlagSet, o *natsOptions) {
	f.StringVar(&o.URL, "nats", "", "read the scrapers' NATS JetStream stream at this URL (nats://HOST:PORT) instead of connecting to one scraper")
	f.StringVar(&o.Durable, "nats-durable", "", "name the consumer: the server keeps it, and the next run under this name resumes where this one stopped; one analyzer at a time reads a name")
	f.StringVar(&o.Start, "nats-start", natsin.StartFirst, "where a new consumer begins: first (the oldest line kept), new, a time (RFC 3339) or a duration ago (1h)")
	f.StringVar(&o.Subject, "nats-subject", bus.Subjects, "the subjects to read (one partition: "+bus.SubjectPrefix+".*.3)")
	f.DurationVar(&o.AckWait, "nats-ack-wait", natsin.DefaultAckWait, "how long the server waits for a line's ack (lines are acked once their window is written) before it sends it again")
	bus.AddFlags(f, &o.Conn)
}

// complete checks the --nats flags and settles what they imply: a stream
// keeps history, so --clock auto batches by created_at.
func (o *natsOptions) complete(d Deps, cmd *cobra.Command, po *pipeline.Options, once bool, maxLine int, now time.Time) error {
	f := cmd.Flags()
	if o.URL == "" {
		var set string
		f.Visit(func(fl *pflag.Flag) {
			if strings.HasPrefix(fl.Name, "nats-") && set == "" {
				set = "--" + fl.Name
			}
		})
		if set != "" {
			return cmdhelp.Usagef("%s needs --nats", set)
		}
		return nil
	}
	o.Conn.Logger = po.Logger
	if err := o.Conn.Complete(o.URL, "geostream analyzer", d.Getenv); err != nil {
		return cmdhelp.Usagef("--nats: %v", err)
	}
	co := natsin.Options{Conn: o.Conn, Subject: o.Subject, Durable: o.Durable, AckWait: o.AckWait,
		Once: once, MaxLine: maxLine, Logger: po.Logger}
	switch o.Start {
	case natsin.StartFirst, natsin.StartNew:
		co.Start = o.Start
	default:
		t, err := time.Parse(time.RFC3339, o.Start)
		if err != nil {
			ago, derr := time.ParseDuration(strings.TrimPrefix(o.Start, "-"))
			if derr != nil || ago <= 0 {
				return cmdhelp.Usagef("--nats-start %q: want first, new, a time such as 2025-06-01T12:00:00Z or a duration ago such as 1h", o.Start)
			}
			t = now.Add(-ago)
		}
		co.Start, co.StartTime = natsin.StartTime, t
	}
	if err := co.Validate(); err != nil {
		return cmdhelp.Usagef("--nats: %v", err)
	}
	o.consumer = co
	if po.Clock == pipeline.ClockAuto {
		po.Clock = pipeline.ClockEvent
		po.Logger.Info("a NATS stream keeps what was said: batching by created_at (--clock wall to batch by arrival)")
	}
	return nil
}

// source connects the consumer.
func (o *natsOptions) source(ctx context.Context) (input.Source, error) {
	c, err := natsin.Consume(ctx, o.consumer)
	if err != nil {
		return nil, fmt.Errorf("--nats: %w", err)
	}
	o.open = c
	o.reading.Store(c)
	return c, nil
}

// disconnect closes the consumer's connection once the pipeline's last
// acks are out.
func (o *natsOptions) disconnect(log *slog.Logger) error {
	if o.open == nil {
		return nil
	}
	c := o.open
	o.open = nil
	st := c.Stats()
	log.Info("NATS consumer closed", "consumer", c.Name(), "taken", st.Taken, "acked_through", st.Acked,
		"dropped_redeliveries", st.Dropped, "rewinds", st.Rewinds)
	if err := c.Disconnect(context.Background()); err != nil {
		return fmt.Errorf("--nats: %w", err)
	}
	return nil
}

// stats are the consumer's figures for the periodic stats line.
func (o *natsOptions) stats() []any {
	if o.open == nil {
		return nil
	}
	st := o.open.Stats()
	return []any{"nats_taken", st.Taken, "nats_acked", st.Acked, "nats_rewinds", st.Rewinds}
}
