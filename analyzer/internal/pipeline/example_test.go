package pipeline_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
	"github.com/geostream/geostream/analyzer/internal/window"
)

// printer is an Output that prints each window's counts.
type printer struct{}

func (printer) Write(r *model.Result) error {
	fmt.Printf("%s–%s: %d tweets, %d new\n", r.Start.Format("15:04:05"), r.End.Format("15:04:05"), r.Counts.Tweets, r.Fresh.Tweets)
	return nil
}
func (printer) Close() error { return nil }

// A capture read by the event clock, in 10 s batches and 20 s windows
// sliding every 10 s, with no model: the pipeline counts.
func Example() {
	capture := strings.Join([]string{
		`{"id":"1","created_at":"2026-01-01T00:00:01Z","lon":2.35,"lat":48.85,"text":"rain"}`,
		`{"id":"2","created_at":"2026-01-01T00:00:12Z","lon":2.35,"lat":48.85,"text":"rain"}`,
		`{"id":"3","created_at":"2026-01-01T00:00:25Z","lon":2.35,"lat":48.85,"text":"sun"}`,
	}, "\n")
	src, err := input.OpenFile("-", strings.NewReader(capture), 0, nil)
	if err != nil {
		panic(err)
	}
	p := pipeline.New(pipeline.Options{Source: src, Capture: true, Clock: pipeline.ClockAuto,
		Window: window.Config{Batch: 10e9, Window: 20e9, Slide: 10e9}}, nil, printer{})
	if err := p.Run(context.Background()); err != nil {
		panic(err)
	}
	// Output:
	// 23:59:50–00:00:10: 1 tweets, 1 new
	// 00:00:00–00:00:20: 2 tweets, 1 new
	// 00:00:10–00:00:30: 2 tweets, 1 new
}
