package pipeline

import (
	"fmt"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/stream"
	"github.com/geostream/geostream/shared/tweet"
)

// checkLines is how many of a capture's first lines may pass without a
// tweet or a notice before it is refused.
const checkLines = 100

// NotCaptureError is an input whose first lines hold no tweet and no
// stream notice (an image, a log, the wrong file), or no line at all.
type NotCaptureError struct{ Lines int }

func (e *NotCaptureError) Error() string {
	if e.Lines == 0 {
		return "the capture is empty"
	}
	return fmt.Sprintf("this does not look like a capture: its first %d lines hold no tweet or stream notice", e.Lines)
}

// check looks at a capture's first lines.
func (p *Pipeline) check(c stream.Chunk) error {
	for i := range c.Lines {
		if c.Lines[i].Kind != tweet.KindMalformed {
			p.sawData = true
			return nil
		}
		if p.checked++; p.checked >= checkLines {
			return &NotCaptureError{Lines: p.checked}
		}
	}
	return nil
}

// chunk feeds one chunk into the slider, line by line in input order;
// a resumed run skips the lines its checkpoint holds.
func (p *Pipeline) chunk(c stream.Chunk) {
	event := p.clock == ClockEvent
	for i := range c.Lines {
		var seq uint64
		if i < len(c.Seqs) {
			seq = c.Seqs[i]
		}
		if p.skip(seq) {
			continue
		}
		p.line(&c, i, event)
		p.done = doneLines{seq: max(p.done.seq, seq), lines: p.done.lines + 1, maxEvent: p.maxEvent}
	}
	if !event {
		p.slider.Advance(p.opts.Now(), p)
	}
}

// line feeds line i of c into the slider.
func (p *Pipeline) line(c *stream.Chunk, i int, event bool) {
	tw := &c.Lines[i]
	t := c.Arrival
	var cnt model.Counts
	switch {
	case tw.Kind == tweet.KindNotice:
		cnt.Notices = 1
	case tw.Kind == tweet.KindMalformed && tw.Notice == stream.TooLong:
		cnt.TooLong = 1
	case tw.Kind == tweet.KindMalformed:
		cnt.Malformed = 1
	default:
		cnt.Tweets = 1
		if tw.BadGeo {
			cnt.BadGeo = 1
		}
		if tw.ClockSkew {
			cnt.ClockSkew = 1
		}
	}
	if event {
		dated := tw.Kind == tweet.KindTweet && !tw.CreatedAt.IsZero()
		switch {
		case dated:
			t = tw.CreatedAt
		case !p.maxEvent.IsZero():
			t = p.maxEvent // notices and undated lines belong to "now"
		case cnt.Tweets == 0 && len(p.early) < maxEarly:
			e := earlyLine{arrival: c.Arrival, cnt: cnt}
			if i < len(c.Seqs) {
				e.seq = c.Seqs[i]
			}
			p.early = append(p.early, e)
			return
		}
		if t.After(p.maxEvent) {
			p.maxEvent = t
			p.placeEarly(t)
			// Close batches line by line, not per chunk: the model a
			// tweet is featurized with must not depend on where the
			// network happened to cut the input.
			p.slider.Advance(p.maxEvent.Add(-p.opts.Lateness), p)
		}
	}
	if p.acks != nil && i < len(c.Seqs) {
		p.acks.enter(p.slider.Index(t), c.Seqs[i])
	}
	var words string // the id and words, packed (model.PackPost); "": none
	if i < len(c.Words) {
		words = c.Words[i]
	}
	if cnt.Tweets == 1 && !tw.Located() {
		cnt.Unlocated = 1
		if p.tokenize != nil && words == "" {
			cnt.Wordless = 1 // nothing to cluster it by
		}
	}
	if cnt.Tweets == 0 || !tw.Located() && words == "" {
		p.total.Add(cnt)
		p.slider.AddCounts(t, cnt)
		return
	}
	switch tw.Geo {
	case tweet.GeoPoint:
		cnt.Located, cnt.ByPoint = 1, 1
	case tweet.GeoPlace:
		cnt.Located, cnt.ByPlace = 1, 1
	case tweet.GeoProfile:
		cnt.Located, cnt.ByProfile = 1, 1
	case tweet.GeoText:
		cnt.Located, cnt.ByText = 1, 1
	}
	level := tw.Level
	if level == tweet.GeoLevelNone && tw.Located() {
		level = tweet.GeoCity // a decoder's point or place
	}
	pt := &model.Point{Lon: tw.Lon, Lat: tw.Lat, Cluster: -1, Located: tw.Geo, Level: level}
	if words != "" {
		pt.SetPacked(words)
	} else {
		pt.SetID(tw.ID)
	}
	pt.SetTime(t)
	if p.opts.KeepText || p.model == nil || words == "" {
		pt.SetText(tw.Text) // a model without tokens tokenizes it
	}
	if p.opts.KeepText {
		pt.SetPlace(tw.Place)
	}
	if p.model != nil {
		p.model.Prepare(pt)
		if !p.opts.KeepText {
			pt.SetText("") // the tokens hold what is needed; free the rest
		}
	}
	if p.slider.Add(t, pt, cnt) {
		cnt.Late = 1
	}
	p.total.Add(cnt)
}
