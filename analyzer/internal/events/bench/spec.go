// Package bench builds the event detector's benchmark and scores a run on
// it. Build lays posts read from capture files (any format the analyzer
// reads) out as a background stream at a steady rate, plants posts on one
// topic at known times and places — bursts to find, and decoys: a steady
// local topic, a worldwide surge — and writes a capture of compact records,
// a labels file and the truth (what was planted where and when). Score
// reads the analyzer's events.ndjson against the truth: recall within one
// slide of a burst's first full batch, the delay, false alarms per hour.
//
// The posts come from files the spec names, relative to a data directory:
// real posts are measured on, never committed; a spec may instead give a
// plant words of its own, from which its posts are made up.
package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/geostream/geostream/shared/field"
	"github.com/geostream/geostream/shared/tweet"
)

// Kinds of plant.
const (
	// KindBurst is an event to find: posts on one topic from one city
	// within a minute or so.
	KindBurst = "burst"
	// KindSteady is a decoy: a local topic at a steady rate over the whole
	// run, never an event after it is first seen.
	KindSteady = "steady"
	// KindWide is a decoy: a surge on one topic from cities all over the
	// world, not a one-place event.
	KindWide = "wide"
)

// BackgroundLabel is the label of background posts in the labels file.
const BackgroundLabel = "background"

// Duration is a time.Duration written as a string ("90s") in JSON.
type Duration time.Duration

// UnmarshalJSON reads "90s" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if err := json.Unmarshal(b, &secs); err != nil {
			return fmt.Errorf("a duration is a string such as \"90s\" or a number of seconds, not %s", b)
		}
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// City is where posts are planted.
type City struct {
	Name string  `json:"name"`
	Lon  float64 `json:"lon"`
	Lat  float64 `json:"lat"`
}

// Background is the stream the plants go into.
type Background struct {
	// Files are captures (relative to the data directory), read whole and
	// shuffled; a run longer than they last takes them again, reshuffled.
	Files []string `json:"files"`
	// Rate is posts per second of event time.
	Rate float64 `json:"rate"`
	// KeepPlace is the share of the posts with a point or a tagged place
	// that keep it (the rest lose it): captures made with a place filter
	// are all placed, a sample stream about 2%.
	KeepPlace float64 `json:"keep_place"`
	// KeepProfile is the share of the posts with a profile location that
	// keep it.
	KeepProfile float64 `json:"keep_profile"`
}

// Plant is one planted topic.
type Plant struct {
	// Label names it in the labels file and the truth.
	Label string `json:"label"`
	// Kind is KindBurst, KindSteady or KindWide.
	Kind string `json:"kind"`
	// At is when its first post comes, after the start; Over how long its
	// posts take (a steady topic: to the end of the run if zero).
	At   Duration `json:"at"`
	Over Duration `json:"over"`
	// Posts is how many posts it has.
	Posts int `json:"posts"`
	// File and Labels (relative to the data directory) hold the posts it
	// takes, those labelled Topic; or Words, from which posts of 4 to 8
	// words are made up.
	File   string   `json:"file,omitempty"`
	Labels string   `json:"labels,omitempty"`
	Topic  string   `json:"topic,omitempty"`
	Words  []string `json:"words,omitempty"`
	// Cities: a burst or a steady topic is in the first; a wide surge's
	// posts go round all of them.
	Cities []City `json:"cities"`
	// Point is the share of its posts with a GPS point, within SpreadKm
	// of the city (a normal spread); Profile the share with the city's
	// name as the author's profile location (placed by the analyzer's
	// gazetteer). The rest have no place.
	Point    float64 `json:"point"`
	Profile  float64 `json:"profile"`
	SpreadKm float64 `json:"spread_km"`
}

// Spec says what to build.
type Spec struct {
	Seed       uint64     `json:"seed"`
	Start      time.Time  `json:"start"`
	Duration   Duration   `json:"duration"`
	Background Background `json:"background"`
	Plants     []Plant    `json:"plants"`
}

// LoadSpec reads and checks a spec file.
func LoadSpec(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the spec: %w", err)
	}
	var s Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("reading the spec %s: %w", path, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("spec %s: %w", path, err)
	}
	return &s, nil
}

func share(p float64) bool { return p >= 0 && p <= 1 }

// Validate checks the spec.
func (s *Spec) Validate() error {
	if s.Start.IsZero() {
		return field.Errorf("Start", "is needed")
	}
	if s.Duration <= 0 {
		return field.Errorf("Duration", "must be positive")
	}
	b := s.Background
	if len(b.Files) > 0 && !(b.Rate > 0) || math.IsInf(b.Rate, 0) {
		return field.Errorf("Background.Rate", "must be positive")
	}
	if !share(b.KeepPlace) || !share(b.KeepProfile) {
		return field.Errorf("Background", "keep_place and keep_profile are shares between 0 and 1")
	}
	labels := map[string]bool{BackgroundLabel: true}
	for i, p := range s.Plants {
		at := fmt.Sprintf("Plants[%d]", i)
		switch {
		case p.Label == "" || labels[p.Label]:
			return field.Errorf(at, "needs a label of its own, not %q", p.Label)
		case p.Kind != KindBurst && p.Kind != KindSteady && p.Kind != KindWide:
			return field.Errorf(at, "kind must be burst, steady or wide, not %q", p.Kind)
		case p.Posts <= 0:
			return field.Errorf(at, "needs posts")
		case p.At < 0 || p.Over < 0 || time.Duration(p.At+p.Over) > time.Duration(s.Duration):
			return field.Errorf(at, "must lie within the run")
		case p.Kind != KindSteady && p.Over <= 0:
			return field.Errorf(at, "needs a duration (over)")
		case (p.File == "") == (len(p.Words) == 0):
			return field.Errorf(at, "takes its posts from a file or makes them of words: one of the two")
		case p.File != "" && (p.Labels == "" || p.Topic == ""):
			return field.Errorf(at, "a file of posts needs its labels and a topic")
		case len(p.Cities) == 0:
			return field.Errorf(at, "needs a city")
		case !share(p.Point) || !share(p.Profile) || p.Point+p.Profile > 1:
			return field.Errorf(at, "point and profile are shares that add up to 1 at most")
		case p.SpreadKm < 0:
			return field.Errorf(at, "spread_km must not be negative")
		}
		for _, c := range p.Cities {
			if !tweet.ValidLonLat(c.Lon, c.Lat) || c.Name == "" {
				return field.Errorf(at, "city %q needs a name and a valid lon, lat", c.Name)
			}
		}
		labels[p.Label] = true
	}
	if len(b.Files) == 0 && len(s.Plants) == 0 {
		return errors.New("nothing to build: no background and no plants")
	}
	return nil
}
