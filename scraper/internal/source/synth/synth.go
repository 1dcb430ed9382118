// Package synth is the synthetic tweet source: topics with their own words
// and hashtags around real cities, bursts that rise and fade, filler chatter,
// retweets, tweets without location, stream notices and, on request,
// malformed lines. Output is X API v2 envelopes or v1.1 statuses, and the
// same options always give the same bytes.
package synth

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/field"
	"github.com/geostream/geostream/shared/tweet"
)

// DefaultStart is where event time begins unless Options.Start says otherwise.
var DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// FillerLabel is the label of off-topic tweets in the labels file.
const FillerLabel = "filler"

// Options configures a Generator. Zero values take the defaults in brackets.
type Options struct {
	Seed   uint64
	Start  time.Time // first event time [DefaultStart]
	Rate   float64   // tweets per second of event time [50]
	Count  int       // stop after this many tweets (0: endless)
	Topics int       // how many topics are live [10]
	API    string    // "v2" or "v1" [v2]
	// Cities per topic [3].
	CitiesPerTopic int
	// Probabilities per tweet or line, taken as given (0: none); the
	// Default* constants are the command's defaults.
	Filler, NoGeo, PlaceOnly, Retweet, Notice, Malformed float64
	// Labels, if set, receives "id<TAB>topic" for every tweet.
	Labels io.Writer
	// Hard makes the hard case: short texts from one Zipf vocabulary shared
	// by every topic, several languages, template bots posting from cities
	// everywhere, and a trending hashtag in every topic (see hard.go). The
	// synth command pairs it with HardFiller off-topic tweets.
	Hard bool
}

// Defaults for Options.
const (
	DefaultRate      = 50
	DefaultTopics    = 10
	DefaultCities    = 3
	DefaultFiller    = 0.15
	DefaultNoGeo     = 0.1
	DefaultPlaceOnly = 0.3
	DefaultRetweet   = 0.1
	DefaultNotice    = 0.01
)

// Validate checks the options.
func (o *Options) Validate() error {
	switch o.API {
	case "", "v1", "v2":
	default:
		return field.Errorf("API", "must be v1 or v2, not %q", o.API)
	}
	if o.Topics < 0 || o.Topics > len(Topics) {
		return field.Errorf("Topics", "must be between 1 and %d", len(Topics))
	}
	if o.Rate < 0 || math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0) {
		return field.Errorf("Rate", "must be a positive number")
	}
	if o.Count < 0 {
		return field.Errorf("Count", "must not be negative")
	}
	shares := map[string]float64{"Filler": o.Filler, "NoGeo": o.NoGeo, "PlaceOnly": o.PlaceOnly,
		"Retweet": o.Retweet, "Notice": o.Notice, "Malformed": o.Malformed}
	for _, name := range []string{"Filler", "NoGeo", "PlaceOnly", "Retweet", "Notice", "Malformed"} {
		if p := shares[name]; p < 0 || p > 1 || math.IsNaN(p) {
			return field.Errorf(name, "must be a share between 0 and 1")
		}
	}
	return nil
}

type burst struct {
	start, end time.Time
	peak       float64
	city       int // index into the topic's cities
}

type liveTopic struct {
	Topic
	cities []City
	burst  burst
}

type recent struct {
	id, user, text string
	topic          int // -1 for filler
	lang           string
}

// Stats counts what a Generator has produced.
type Stats struct {
	Tweets, Located, Retweets, Notices, Malformed int
}

// Generator produces the synthetic stream. It is not safe for concurrent use.
type Generator struct {
	opts   Options
	rng    *rand.Rand
	topics []liveTopic
	now    time.Time
	seq    uint64
	recent []recent
	buf    []byte
	stats  Stats
}

// New returns a Generator for opts (validated, defaults filled in).
func New(opts Options) (*Generator, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Start.IsZero() {
		opts.Start = DefaultStart
	}
	if opts.Rate == 0 {
		opts.Rate = DefaultRate
	}
	if opts.Topics == 0 {
		opts.Topics = DefaultTopics
	}
	if opts.API == "" {
		opts.API = "v2"
	}
	if opts.CitiesPerTopic <= 0 {
		opts.CitiesPerTopic = DefaultCities
	}
	g := &Generator{opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)), now: opts.Start}
	order := g.rng.Perm(len(Topics))
	for _, i := range order[:opts.Topics] {
		t := liveTopic{Topic: Topics[i]}
		var pool []City
		for _, c := range Cities {
			switch {
			case opts.Hard && c.Region == hardRegion,
				!opts.Hard && (t.Region == "" || c.Region == t.Region):
				pool = append(pool, c)
			}
		}
		for _, j := range g.rng.Perm(len(pool))[:min(opts.CitiesPerTopic, len(pool))] {
			t.cities = append(t.cities, pool[j])
		}
		t.burst = g.newBurst(opts.Start.Add(-time.Duration(g.rng.Float64()*float64(30*time.Minute))), len(t.cities))
		g.topics = append(g.topics, t)
	}
	return g, nil
}

// Stats returns what has been produced so far.
func (g *Generator) Stats() Stats { return g.stats }

// newBurst schedules a burst starting after an exponential wait from after.
func (g *Generator) newBurst(after time.Time, cities int) burst {
	wait := time.Duration(g.rng.ExpFloat64() * float64(10*time.Minute))
	start := after.Add(wait)
	return burst{
		start: start,
		end:   start.Add(20 * time.Minute),
		peak:  2 + 6*g.rng.Float64(),
		city:  g.rng.IntN(cities),
	}
}

// intensity is a burst's extra weight at t: a one-minute rise, then an
// exponential fade with a four-minute time constant.
func (b *burst) intensity(t time.Time) float64 {
	d := t.Sub(b.start)
	switch {
	case d < 0:
		return 0
	case d < time.Minute:
		return b.peak * d.Seconds() / 60
	default:
		return b.peak * math.Exp(-(d-time.Minute).Seconds()/240)
	}
}

// Next returns the next line. It never blocks; pacing is the caller's. After
// Count tweets it returns source.ErrEndOfInput.
func (g *Generator) Next(ctx context.Context) (source.Line, error) {
	if err := ctx.Err(); err != nil {
		return source.Line{}, err
	}
	if g.opts.Count > 0 && g.stats.Tweets >= g.opts.Count {
		return source.Line{}, source.ErrEndOfInput
	}
	g.now = g.now.Add(time.Duration(g.rng.ExpFloat64() / g.opts.Rate * float64(time.Second)))
	g.buf = g.buf[:0]
	switch r := g.rng.Float64(); {
	case r < g.opts.Malformed:
		g.stats.Malformed++
		g.buf = g.malformed(g.buf)
	case r < g.opts.Malformed+g.opts.Notice:
		g.stats.Notices++
		g.buf = g.notice(g.buf)
	default:
		var err error
		if g.buf, err = g.tweet(g.buf); err != nil {
			return source.Line{}, err
		}
	}
	return source.Line{Data: append([]byte(nil), g.buf...), Time: g.now}, nil
}

// Close does nothing; the generator holds no resources.
func (g *Generator) Close() error { return nil }

func (g *Generator) pickTopic() int {
	if g.rng.Float64() < g.opts.Filler {
		return -1
	}
	total := 0.0
	w := make([]float64, len(g.topics))
	for i := range g.topics {
		t := &g.topics[i]
		if g.now.After(t.burst.end) {
			t.burst = g.newBurst(g.now, len(t.cities))
		}
		w[i] = 1 + t.burst.intensity(g.now)
		total += w[i]
	}
	x := g.rng.Float64() * total
	for i, wi := range w {
		if x < wi {
			return i
		}
		x -= wi
	}
	return len(w) - 1
}

// where returns a location for a tweet of topic ti (-1: filler, anywhere).
func (g *Generator) where(ti int) City {
	if ti < 0 && g.opts.Hard {
		return hardCities[g.rng.IntN(len(hardCities))]
	}
	if ti < 0 {
		return Cities[g.rng.IntN(len(Cities))]
	}
	t := &g.topics[ti]
	if b := t.burst.intensity(g.now); b > 0 && g.rng.Float64() < b/(1+b) {
		return t.cities[t.burst.city]
	}
	return t.cities[g.rng.IntN(len(t.cities))]
}

func (g *Generator) text(ti int) string {
	var words []string
	pick := func(list []string, n int) {
		for range n {
			// Favour the first words of a list, as real vocabularies are skewed.
			i := int(float64(len(list)) * math.Pow(g.rng.Float64(), 1.6))
			words = append(words, list[min(i, len(list)-1)])
		}
	}
	if ti >= 0 {
		t := &g.topics[ti]
		pick(t.Words, 3+g.rng.IntN(4))
		pick(t.Hashtags, g.rng.IntN(3))
		pick(chatter, 1+g.rng.IntN(3))
	} else {
		pick(chatter, 4+g.rng.IntN(5))
		if g.rng.Float64() < 0.1 {
			tt := Topics[g.rng.IntN(len(Topics))]
			pick(tt.Words, 1)
		}
	}
	pick(stopFill, 1+g.rng.IntN(4))
	g.rng.Shuffle(len(words), func(i, j int) { words[i], words[j] = words[j], words[i] })
	if len(words[0]) > 1 && words[0][0] != '#' {
		words[0] = strings.ToUpper(words[0][:1]) + words[0][1:]
	}
	s := strings.Join(words, " ")
	if g.rng.Float64() < 0.25 {
		s = "@user" + strconv.Itoa(g.rng.IntN(5000)) + " " + s
	}
	if g.rng.Float64() < 0.3 {
		s += " https://t.co/" + strconv.FormatUint(g.rng.Uint64()%(1<<40), 36)
	}
	if g.rng.Float64() < 0.2 {
		s += "!"
	}
	return s
}

func (g *Generator) nextID() string {
	ms := uint64(g.now.UnixMilli() - 1288834974657)
	g.seq++
	return strconv.FormatUint(ms<<22|(g.seq&0x3fffff), 10)
}

// tweetData is what both output formats are built from.
type tweetData struct {
	id, text, user, userID string
	lang                   string
	bot                    string // the bot's label, "" for people
	topic                  int
	lon, lat               float64
	geo                    tweet.GeoSource
	city                   City
	box                    [4]float64 // w s e n of the place
	rt                     *recent
}

func (g *Generator) tweet(dst []byte) ([]byte, error) {
	d := tweetData{lang: "en"}
	switch {
	case len(g.recent) > 0 && g.rng.Float64() < g.opts.Retweet:
		d.rt = &g.recent[g.rng.IntN(len(g.recent))]
		d.topic, d.lang = d.rt.topic, d.rt.lang
		d.text = "RT @" + d.rt.user + ": " + d.rt.text
	case g.opts.Hard:
		if d.bot = g.pickBot(); d.bot != "" {
			d.topic = -1
			break
		}
		d.topic = g.pickTopic()
		d.text, d.lang = g.hardText(d.topic)
	default:
		d.topic = g.pickTopic()
		d.text = g.text(d.topic)
	}
	uid := g.rng.IntN(20000)
	d.user, d.userID = "user"+strconv.Itoa(uid), strconv.Itoa(1000000+uid)
	d.id = g.nextID()
	d.city = g.where(d.topic)
	// A city's tweets spread over ~15 km, more in the far tails; in the
	// hard case, off-topic tweets come from the towns around the cities
	// too, over ~150 km.
	spread := 0.12
	if g.opts.Hard && d.topic < 0 && d.bot == "" {
		spread = 1.2
	}
	lat := d.city.Lat + g.rng.NormFloat64()*spread
	lon := d.city.Lon + g.rng.NormFloat64()*spread/math.Max(0.2, math.Cos(d.city.Lat*math.Pi/180))
	lat = math.Max(-89.9, math.Min(89.9, lat))
	lon = math.Remainder(lon, 360)
	if lon == -180 {
		lon = 180
	}
	half := 0.1 + 0.1*g.rng.Float64()
	d.box = [4]float64{round6(d.city.Lon - half), round6(d.city.Lat - half*0.7), round6(d.city.Lon + half), round6(d.city.Lat + half*0.7)}
	switch r := g.rng.Float64(); {
	case d.bot != "":
		// A bot posts from its city's centre, always with the point.
		d.user, d.userID = d.bot, strconv.Itoa(100+len(d.bot))
		d.text = g.botText(d.bot, d.city)
		d.geo, d.lon, d.lat = tweet.GeoPoint, d.city.Lon, d.city.Lat
	case r < g.opts.NoGeo:
		d.geo = tweet.GeoNone
	case r < g.opts.NoGeo+(1-g.opts.NoGeo)*g.opts.PlaceOnly:
		d.geo = tweet.GeoPlace
	default:
		d.geo, d.lon, d.lat = tweet.GeoPoint, round6(lon), round6(lat)
	}
	g.stats.Tweets++
	if d.geo != tweet.GeoNone {
		g.stats.Located++
	}
	if d.rt != nil {
		g.stats.Retweets++
	} else if d.bot == "" {
		r := recent{id: d.id, user: d.user, text: d.text, topic: d.topic, lang: d.lang}
		if len(g.recent) < 256 {
			g.recent = append(g.recent, r)
		} else {
			g.recent[g.rng.IntN(len(g.recent))] = r
		}
	}
	if g.opts.Labels != nil {
		label := FillerLabel
		switch {
		case d.bot != "":
			label = d.bot
		case d.topic >= 0:
			label = g.topics[d.topic].Name
		}
		if _, err := fmt.Fprintf(g.opts.Labels, "%s\t%s\n", d.id, label); err != nil {
			return dst, fmt.Errorf("synth: writing labels: %w", err)
		}
	}
	if g.opts.API == "v1" {
		return g.appendV1(dst, &d), nil
	}
	return g.appendV2(dst, &d), nil
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func (g *Generator) notice(dst []byte) []byte {
	if g.opts.API == "v2" {
		return append(dst, `{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect","detail":"This stream has been disconnected upstream for operational reasons.","type":"https://api.x.com/2/problems/operational-disconnect"}]}`...)
	}
	switch g.rng.IntN(3) {
	case 0:
		id := strconv.FormatUint(g.rng.Uint64()>>2, 10)
		return append(dst, `{"delete":{"status":{"id":`+id+`,"id_str":"`+id+`","user_id":3,"user_id_str":"3"}}}`...)
	case 1:
		return append(dst, `{"limit":{"track":`+strconv.Itoa(1+g.rng.IntN(500))+`,"timestamp_ms":"`+strconv.FormatInt(g.now.UnixMilli(), 10)+`"}}`...)
	default:
		return append(dst, `{"scrub_geo":{"user_id":14090452,"user_id_str":"14090452","up_to_status_id":23260136625,"up_to_status_id_str":"23260136625"}}`...)
	}
}

func (g *Generator) malformed(dst []byte) []byte {
	switch g.rng.IntN(4) {
	case 0: // a tweet cut off mid-line
		d := tweetData{id: "1", text: "cut short", userID: "1", user: "u", geo: tweet.GeoPoint, lon: 1, lat: 2}
		full := g.appendV2(nil, &d)
		return append(dst, full[:len(full)/2]...)
	case 1: // binary junk (never a newline)
		for range 16 + g.rng.IntN(64) {
			b := byte(g.rng.IntN(256))
			if b == '\n' || b == '\r' {
				b = 0
			}
			dst = append(dst, b)
		}
		return dst
	case 2:
		return append(dst, "HTTP/1.1 503 Service Unavailable"...)
	default:
		return append(dst, `[{"not":"a tweet"}]`...)
	}
}
