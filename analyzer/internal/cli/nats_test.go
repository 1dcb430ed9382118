package cli

import (
	"errors"
	"strings"
	"testing"
	"time"

	natsin "github.com/geostream/geostream/analyzer/internal/input/nats"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
	"github.com/geostream/geostream/shared/cmdhelp"
)

func TestNATSFlags(t *testing.T) {
	o, err := runArgs(t, "--nats", "nats://127.0.0.1:4222", "--nats-durable", "a1", "--once")
	if err != nil {
		t.Fatal(err)
	}
	c := o.NATS.consumer
	if c.Durable != "a1" || c.Start != natsin.StartFirst || !c.Once || c.Subject != "geostream.tweets.>" || c.AckWait != natsin.DefaultAckWait ||
		c.Conn.URL != "nats://127.0.0.1:4222" || c.MaxLine != o.MaxLine {
		t.Fatalf("consumer options %+v", c)
	}
	if o.Pipeline.Clock != pipeline.ClockEvent || o.Pipeline.Capture {
		t.Fatalf("--nats with --clock auto: clock %q, capture %v; want the event clock", o.Pipeline.Clock, o.Pipeline.Capture)
	}
	if o, _ := runArgs(t, "--nats", "nats://h:1", "--clock", "wall"); o.Pipeline.Clock != pipeline.ClockWall {
		t.Fatal("--clock wall was overridden")
	}
	before := time.Now()
	o, _ = runArgs(t, "--nats", "nats://h:1", "--nats-start", "1h")
	if st := o.NATS.consumer; st.Start != natsin.StartTime || st.StartTime.After(before.Add(-time.Hour+time.Minute)) || st.StartTime.Before(before.Add(-time.Hour-time.Minute)) {
		t.Fatalf("--nats-start 1h: %v %v", st.Start, st.StartTime)
	}
	o, _ = runArgs(t, "--nats", "nats://h:1", "--nats-start", "2025-06-01T12:00:00Z", "--nats-subject", "geostream.tweets.*.3")
	if st := o.NATS.consumer; !st.StartTime.Equal(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)) || st.Subject != "geostream.tweets.*.3" {
		t.Fatalf("--nats-start TIME: %+v", st)
	}
	for _, bad := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--nats-durable", "x"}, "--nats-durable needs --nats"},
		{[]string{"--nats", "127.0.0.1:4222"}, "nats://"},
		{[]string{"--nats", "nats://h:1", "--nats-start", "yesterday"}, "--nats-start"},
		{[]string{"--nats", "nats://h:1", "--nats-durable", "a.b"}, "durable"},
		{[]string{"--nats", "nats://h:1", "--input", "x"}, "none of the others"},
		{[]string{"--nats", "nats://h:1", "--nats-tls-cert", "c.pem"}, "key"},
	} {
		_, err := runArgs(t, bad.args...)
		var ue cmdhelp.UsageError
		if err == nil || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%v: %v, want %q", bad.args, err, bad.msg)
		} else if !errors.As(err, &ue) && !strings.Contains(err.Error(), "none of the others") {
			t.Errorf("%v: %v is no usage error", bad.args, err)
		}
	}
}
