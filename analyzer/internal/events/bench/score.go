package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// MatchKm is how near a plant's city an event must be to be its.
const MatchKm = 100

// Event is what Score reads of an events.ndjson line.
type Event struct {
	Kind      string    `json:"kind"`
	ID        int       `json:"id"`
	Lon       float64   `json:"lon"`
	Lat       float64   `json:"lat"`
	Keywords  []string  `json:"keywords"`
	FirstSeen time.Time `json:"first_seen"`
	Posts     int       `json:"posts"`
}

// ReadEvents reads the start lines of an events.ndjson file.
func ReadEvents(r io.Reader) ([]Event, error) {
	var out []Event
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("events line %d: %w", n, err)
		}
		if e.Kind == "start" {
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading events: %w", err)
	}
	return out, nil
}

// Windows are the analyzer's batch and slide, which say by when a burst
// must be flagged.
type Windows struct {
	Batch, Slide, Window time.Duration
}

// Deadline is the end of the window one slide after the first that holds
// the plant's first full batch.
func (w Windows) Deadline(p Planted) time.Time {
	batchEnd := ceil(p.First, w.Batch).Add(w.Batch)
	return ceil(batchEnd, w.Slide).Add(w.Slide)
}

// ceil rounds t up to a multiple of d since the Unix epoch (as the
// analyzer's batches and slides are).
func ceil(t time.Time, d time.Duration) time.Time {
	r := t.Truncate(d)
	if r.Before(t) {
		r = r.Add(d)
	}
	return r
}

// Report is how a run did on a benchmark.
type Report struct {
	Bursts int     `json:"bursts"`
	Found  int     `json:"found"`  // flagged by their deadline
	Late   int     `json:"late"`   // flagged after it
	Missed int     `json:"missed"` // not flagged
	Recall float64 `json:"recall"` // Found / Bursts
	// MedianDelay is from a found burst's first post to the end of the
	// window that flagged it.
	MedianDelay time.Duration `json:"median_delay"`
	// FalseAlarms are the events that are no planted burst's (decoys'
	// included), per hour of the run.
	FalseAlarms  int      `json:"false_alarms"`
	Hours        float64  `json:"hours"`
	PerHour      float64  `json:"false_alarms_per_hour"`
	DecoyFlagged []string `json:"decoys_flagged"`
	// Duplicates are events beyond the first for one burst.
	Duplicates int      `json:"duplicates"`
	Lines      []string `json:"-"` // one per plant and per false alarm
}

// Score matches events to plants: an event is a plant's if it is within
// MatchKm of one of the plant's cities and was first flagged between the
// plant's first post and a window after its last.
func Score(t *Truth, events []Event, w Windows) Report {
	var rep Report
	used := make([]bool, len(events))
	var delays []time.Duration
	for _, p := range t.Plants {
		first, matched := -1, 0
		for i, e := range events {
			if e.FirstSeen.Before(p.First) || e.FirstSeen.After(p.Last.Add(w.Window+w.Slide)) {
				continue
			}
			for _, c := range p.Cities {
				if distKm(c.Lon, c.Lat, e.Lon, e.Lat) <= MatchKm {
					used[i] = true
					matched++
					if first < 0 || e.FirstSeen.Before(events[first].FirstSeen) {
						first = i
					}
					break
				}
			}
		}
		switch {
		case p.Kind != KindBurst:
			state := "not flagged"
			if first >= 0 {
				state = "FLAGGED as " + describe(events[first])
				rep.DecoyFlagged = append(rep.DecoyFlagged, p.Label)
			}
			rep.Lines = append(rep.Lines, fmt.Sprintf("decoy %-28s %-7s %s", p.Label, p.Kind, state))
			continue
		case first < 0:
			rep.Missed++
			rep.Lines = append(rep.Lines, fmt.Sprintf("burst %-28s missed", p.Label))
		default:
			e := events[first]
			delay := e.FirstSeen.Sub(p.First)
			state := "found"
			if e.FirstSeen.After(w.Deadline(p)) {
				rep.Late++
				state = "LATE"
			} else {
				rep.Found++
				delays = append(delays, delay)
			}
			rep.Lines = append(rep.Lines, fmt.Sprintf("burst %-28s %-5s after %5.1fs (deadline %5.1fs) as %s", p.Label, state,
				delay.Seconds(), w.Deadline(p).Sub(p.First).Seconds(), describe(e)))
		}
		rep.Bursts++
		rep.Duplicates += max(0, matched-1)
	}
	for i, e := range events {
		if !used[i] {
			rep.FalseAlarms++
			rep.Lines = append(rep.Lines, "false alarm "+describe(e))
		}
	}
	// Decoys flagged are false alarms too.
	for i, e := range events {
		if used[i] && isDecoyEvent(t, e, w) {
			rep.FalseAlarms++
		}
	}
	if rep.Bursts > 0 {
		rep.Recall = float64(rep.Found) / float64(rep.Bursts)
	}
	if len(delays) > 0 {
		slices.Sort(delays)
		rep.MedianDelay = delays[len(delays)/2]
		if len(delays)%2 == 0 {
			rep.MedianDelay = (delays[len(delays)/2-1] + delays[len(delays)/2]) / 2
		}
	}
	rep.Hours = t.End.Sub(t.Start).Hours()
	if rep.Hours > 0 {
		rep.PerHour = float64(rep.FalseAlarms) / rep.Hours
	}
	return rep
}

// isDecoyEvent says whether e was matched to a decoy and to no burst.
func isDecoyEvent(t *Truth, e Event, w Windows) bool {
	decoy := false
	for _, p := range t.Plants {
		if e.FirstSeen.Before(p.First) || e.FirstSeen.After(p.Last.Add(w.Window+w.Slide)) {
			continue
		}
		for _, c := range p.Cities {
			if distKm(c.Lon, c.Lat, e.Lon, e.Lat) <= MatchKm {
				if p.Kind == KindBurst {
					return false
				}
				decoy = true
			}
		}
	}
	return decoy
}

func describe(e Event) string {
	return fmt.Sprintf("event %d at %s (%.2f, %.2f) %q, %d posts", e.ID, e.FirstSeen.UTC().Format("15:04:05"),
		e.Lon, e.Lat, strings.Join(e.Keywords, " "), e.Posts)
}

// Print writes the report.
func (r Report) Print(w io.Writer) {
	for _, l := range r.Lines {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintf(w, "recall %.0f%% (%d of %d bursts flagged within one slide of their first full batch; %d late, %d missed)\n",
		100*r.Recall, r.Found, r.Bursts, r.Late, r.Missed)
	fmt.Fprintf(w, "median delay %.0fs from a burst's first post\n", r.MedianDelay.Seconds())
	fmt.Fprintf(w, "false alarms %d in %.2f h: %.1f an hour (decoys flagged: %d); %d bursts flagged twice or more\n",
		r.FalseAlarms, r.Hours, r.PerHour, len(r.DecoyFlagged), r.Duplicates)
}

// distKm is the great-circle distance between two places.
func distKm(lon1, lat1, lon2, lat2 float64) float64 {
	φ1, φ2 := lat1*math.Pi/180, lat2*math.Pi/180
	dφ, dλ := φ2-φ1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * 6371 * math.Asin(math.Min(1, math.Sqrt(a)))
}
