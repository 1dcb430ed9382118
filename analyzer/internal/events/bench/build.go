package bench

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/geostream/geostream/shared/tweet"
	"github.com/geostream/geostream/shared/wire"
)

// DefaultSpreadKm is how far a plant's GPS points spread around its city
// when the spec says nothing.
const DefaultSpreadKm = 5

// Truth is what Build planted, written beside the capture for Score.
type Truth struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Background is how many background posts the capture holds.
	Background int       `json:"background"`
	Plants     []Planted `json:"plants"`
}

// Planted is one plant as built.
type Planted struct {
	Label string `json:"label"`
	Kind  string `json:"kind"`
	// First and Last are its first and last post's times.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	Posts int       `json:"posts"`
	// City, Lon and Lat are its (first) city's; Cities all of them.
	City   string  `json:"city"`
	Lon    float64 `json:"lon"`
	Lat    float64 `json:"lat"`
	Cities []City  `json:"cities"`
	// Point and Profile count its posts given a GPS point and a profile
	// location.
	Point   int `json:"point"`
	Profile int `json:"profile"`
}

// post is one line of the capture to be.
type post struct {
	tw    tweet.Tweet
	label string
}

// Build makes the benchmark of spec, reading the files it names under
// data: it writes the capture (compact records in time order) to capture
// and "id<TAB>label" lines to labels, and returns what it planted.
func Build(spec *Spec, data string, capture, labels io.Writer) (*Truth, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(spec.Seed, 0x5eed))
	start := spec.Start.UTC()
	end := start.Add(time.Duration(spec.Duration))
	truth := &Truth{Start: start, End: end}
	var posts []post
	if b := spec.Background; len(b.Files) > 0 {
		var pool []tweet.Tweet
		seen := map[string]bool{}
		for _, f := range b.Files {
			tws, err := readPosts(filepath.Join(data, f))
			if err != nil {
				return nil, err
			}
			for _, tw := range tws {
				if !seen[tw.ID] {
					seen[tw.ID] = true
					pool = append(pool, tw)
				}
			}
		}
		if len(pool) == 0 {
			return nil, fmt.Errorf("the background files hold no post with words")
		}
		round, next := 0, len(pool)
		for t := start; ; {
			t = t.Add(time.Duration(rng.ExpFloat64() / b.Rate * float64(time.Second)))
			if !t.Before(end) {
				break
			}
			if next == len(pool) {
				rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
				round, next = round+1, 0
			}
			tw := pool[next]
			next++
			if round > 1 {
				tw.ID += "~" + strconv.Itoa(round)
			}
			tw.CreatedAt = t
			if (tw.Geo == tweet.GeoPoint || tw.Geo == tweet.GeoPlace) && rng.Float64() >= b.KeepPlace {
				tw.Geo, tw.Lon, tw.Lat, tw.Place = tweet.GeoNone, 0, 0, ""
			}
			if tw.UserLocation != "" && rng.Float64() >= b.KeepProfile {
				tw.UserLocation = ""
			}
			posts = append(posts, post{tw: tw, label: BackgroundLabel})
		}
		truth.Background = len(posts)
	}
	for _, p := range spec.Plants {
		made, pl, err := plant(rng, p, data, start, end)
		if err != nil {
			return nil, fmt.Errorf("plant %s: %w", p.Label, err)
		}
		posts = append(posts, made...)
		truth.Plants = append(truth.Plants, pl)
	}
	slices.SortStableFunc(posts, func(a, b post) int { return a.tw.CreatedAt.Compare(b.tw.CreatedAt) })
	cw, lw := bufio.NewWriter(capture), bufio.NewWriter(labels)
	var line []byte
	for i := range posts {
		line = tweet.AppendCompact(line[:0], &posts[i].tw)
		cw.Write(append(line, '\n'))
		lw.WriteString(posts[i].tw.ID + "\t" + posts[i].label + "\n")
	}
	if err := cw.Flush(); err != nil {
		return nil, fmt.Errorf("writing the capture: %w", err)
	}
	if err := lw.Flush(); err != nil {
		return nil, fmt.Errorf("writing the labels: %w", err)
	}
	return truth, nil
}

// plant makes one plant's posts.
func plant(rng *rand.Rand, p Plant, data string, start, end time.Time) ([]post, Planted, error) {
	var texts []tweet.Tweet
	if p.File != "" {
		all, err := readPosts(filepath.Join(data, p.File))
		if err != nil {
			return nil, Planted{}, err
		}
		topic, err := readLabels(filepath.Join(data, p.Labels))
		if err != nil {
			return nil, Planted{}, err
		}
		for _, tw := range all {
			if topic[tw.ID] == p.Topic {
				texts = append(texts, tw)
			}
		}
		if len(texts) == 0 {
			return nil, Planted{}, fmt.Errorf("no post of %s is labelled %q", p.File, p.Topic)
		}
		rng.Shuffle(len(texts), func(i, j int) { texts[i], texts[j] = texts[j], texts[i] })
	}
	from := start.Add(time.Duration(p.At))
	over := time.Duration(p.Over)
	if over == 0 {
		over = end.Sub(from)
	}
	times := make([]time.Time, p.Posts)
	for i := range times {
		var at float64
		if p.Kind == KindSteady { // evenly spaced, jittered
			at = (float64(i) + rng.Float64()) / float64(p.Posts)
		} else {
			at = rng.Float64()
		}
		times[i] = from.Add(time.Duration(at * float64(over)))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	spread := cmp.Or(p.SpreadKm, DefaultSpreadKm)
	pl := Planted{Label: p.Label, Kind: p.Kind, First: times[0], Last: times[len(times)-1], Posts: p.Posts,
		City: p.Cities[0].Name, Lon: p.Cities[0].Lon, Lat: p.Cities[0].Lat, Cities: p.Cities}
	out := make([]post, p.Posts)
	for i, t := range times {
		tw := tweet.Tweet{ID: p.Label + "-" + strconv.Itoa(i+1), CreatedAt: t, Lang: "en",
			User: p.Label + "-user" + strconv.Itoa(rng.IntN(1_000_000))}
		if texts != nil {
			src := texts[i%len(texts)]
			tw.Text, tw.Lang = src.Text, cmp.Or(src.Lang, "en")
		} else {
			tw.Text = madeUp(rng, p.Words)
		}
		c := p.Cities[i%len(p.Cities)]
		switch r := rng.Float64(); {
		case r < p.Point:
			dlat := rng.NormFloat64() * spread / 111.2
			dlon := rng.NormFloat64() * spread / (111.2 * math.Max(0.2, math.Cos(c.Lat*math.Pi/180)))
			tw.Geo = tweet.GeoPoint
			tw.Lat = math.Max(-89.9, math.Min(89.9, round6(c.Lat+dlat)))
			tw.Lon = round6(math.Remainder(c.Lon+dlon, 360))
			pl.Point++
		case r < p.Point+p.Profile:
			tw.UserLocation = c.Name
			pl.Profile++
		}
		out[i] = post{tw: tw, label: p.Label}
	}
	return out, pl, nil
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// madeUp is a post of 4 to 8 of words, the first ones likelier, as real
// vocabularies are skewed.
func madeUp(rng *rand.Rand, words []string) string {
	n := 4 + rng.IntN(5)
	out := make([]string, n)
	for i := range out {
		out[i] = words[min(int(float64(len(words))*math.Pow(rng.Float64(), 1.6)), len(words)-1)]
	}
	return strings.Join(out, " ")
}

// readPosts reads the posts with words of a capture in any format the
// analyzer reads (gzip and bzip2 too).
func readPosts(path string) ([]tweet.Tweet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading posts: %w", err)
	}
	defer f.Close()
	r, err := wire.Decompress(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var dec tweet.Decoder
	var out []tweet.Tweet
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, wire.DefaultMaxLine)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		tw, err := dec.Decode(line)
		if err != nil || tw.Kind != tweet.KindTweet || strings.TrimSpace(tw.Text) == "" || tw.ID == "" {
			continue
		}
		tw.Entities = nil // offsets into the text; the compact record drops them
		out = append(out, tw)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return out, nil
}

// readLabels reads "id<TAB>label" lines.
func readLabels(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading labels: %w", err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		id, label, ok := strings.Cut(strings.TrimRight(line, "\r"), "\t")
		if ok {
			out[id] = label
		}
	}
	return out, nil
}
