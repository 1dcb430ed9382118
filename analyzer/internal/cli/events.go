package cli

import (
	"fmt"
	"path/filepath"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/spf13/pflag"

	"github.com/geostream/geostream/analyzer/internal/events"
	"github.com/geostream/geostream/analyzer/internal/output"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/field"
)

// eventOptions are the flags of event detection.
type eventOptions struct {
	On          bool
	MinPosts    int
	Sensitivity float64
	HalfLife    time.Duration
	Subject     string // --nats-events

	detector *events.Detector
}

var eventFlags = cmdhelp.Group{Title: "Event flags", Flags: []string{"events", "event-min-posts",
	"event-sensitivity", "event-half-life", "nats-events"}}

func addEventFlags(f *pflag.FlagSet, o *eventOptions) {
	f.BoolVar(&o.On, "events", true, "find events: posts on one topic in one place coming far faster than before (events.ndjson, and events in windows.ndjson)")
	f.IntVar(&o.MinPosts, "event-min-posts", events.DefaultMinPosts, "the fewest posts an event is flagged with")
	f.Float64Var(&o.Sensitivity, "event-sensitivity", events.DefaultSensitivity,
		"how unlikely a slide must be to be flagged: the chance, at the rate expected of its topic and place, of a slide with as many posts (lower: fewer events)")
	f.DurationVar(&o.HalfLife, "event-half-life", events.DefaultHalfLife, "how fast the expected rates forget: a slide counts half as much this much later")
	f.StringVar(&o.Subject, "nats-events", bus.EventSubject, "with --nats: publish the events.ndjson lines on this NATS subject too (empty: not)")
}

// complete checks the flags and builds the detector, for the windows of po.
func (o *eventOptions) complete(po *pipeline.Options) error {
	if !o.On {
		return nil
	}
	eo := events.DefaultOptions(po.Window.Slide, po.Window.Window)
	eo.MinPosts, eo.Sensitivity, eo.HalfLife, eo.Logger = o.MinPosts, o.Sensitivity, o.HalfLife, po.Logger
	d, err := events.New(eo)
	if err != nil {
		return cmdhelp.UsageError{Err: field.Rename(err, eventFlagOf)}
	}
	o.detector = d
	po.Events = d
	return nil
}

// eventFlagOf names the flags of events.Options' fields.
var eventFlagOf = map[string]string{"MinPosts": "--event-min-posts", "Sensitivity": "--event-sensitivity",
	"HalfLife": "--event-half-life", "Slide": "--slide"}

// file returns the events file in dir, or nothing when detection is off;
// the file is created with the run's first window.
func (o *eventOptions) file(dir string) pipeline.Output {
	if !o.On {
		return nil
	}
	return output.NewEventsFile(filepath.Join(dir, "events.ndjson"))
}

// publisher returns the output that publishes events on NATS, if the
// analyzer reads from NATS and detection is on.
func (o *eventOptions) publisher(nc *natsio.Conn) pipeline.Output {
	if !o.On || nc == nil || o.Subject == "" {
		return nil
	}
	subject := o.Subject
	return output.NewEvents(func(line []byte) error {
		if err := nc.Publish(subject, line[:len(line)-1]); err != nil {
			return fmt.Errorf("publishing an event: %w", err)
		}
		return nil
	}, nil)
}

// stats are the detector's figures for the periodic stats line.
func (o *eventOptions) stats() []any {
	if o.detector == nil {
		return nil
	}
	st := o.detector.Stats()
	return []any{"events", st.Flagged, "events_active", st.Active, "surges_elsewhere", st.Wide}
}
