// Package model holds the data types the analyzer's stages share: a
// located tweet as it moves through batches and windows (Point), what the
// clustering says of a window's clusters (ClusterSummary), and everything
// known about one window, handed to the outputs (Result). It depends on no
// stage, so that stages depend on it instead of on the pipeline that wires
// them.
package model

import (
	"encoding/json"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/geostream/geostream/shared/tweet"
)

// Point is a located tweet as it moves through batches and windows. A
// window can hold millions of them, so it keeps inline only what every
// point has, and what few points have (text, place, features a model
// keeps in its points) behind one pointer, nil for most.
type Point struct {
	Lon, Lat float64
	// post is the post's id and then the words of its text (the
	// pipeline's tokenizer fills them), packed in one string, each after
	// its length (a uvarint, one byte below 128; PackPost). That is
	// one small allocation a post, without pointers, where an id string
	// and a []string cost 16 bytes each and a word, and a pointer each for
	// the collector to follow.
	post string
	rare *rare
	// at is the point's time in nanoseconds since 1970 (UTC) with its
	// sign bit flipped, so that the zero value is the zero time.
	at int64
	// Cluster is the point's cluster in the current window (-1: none yet).
	Cluster int
	// Located says how the tweet was located, and Level how precisely.
	Located tweet.GeoSource
	Level   tweet.GeoLevel
	// tokenized says whether the words were set (a post may have none).
	tokenized bool
}

// NewPoint returns a point with this id, as a literal cannot set it.
func NewPoint(id string) *Point {
	p := &Point{Cluster: -1}
	p.SetID(id)
	return p
}

// ID returns the post's id.
func (p *Point) ID() string {
	if p.post == "" {
		return ""
	}
	id, _ := nextWord(p.post)
	return id
}

// SetID sets the post's id.
func (p *Point) SetID(id string) {
	p.post = packPost(id, nil, p.words())
}

// words returns the packed words, after the id.
func (p *Point) words() string {
	if p.post == "" {
		return ""
	}
	_, ws := nextWord(p.post)
	return ws
}

// SetTokens sets the post's words; nil says it is not tokenized yet
// (Tokenized), any other slice, even empty, that it is.
func (p *Point) SetTokens(ws []string) {
	p.post, p.tokenized = packPost(p.ID(), ws, ""), ws != nil
}

// SetPacked sets the post's id and words packed by PackPost, as a reader
// that tokenizes posts passes them on; a post without words is not
// tokenized yet (Tokenized), as with SetTokens of a nil slice.
func (p *Point) SetPacked(post string) {
	p.post = post
	p.tokenized = p.words() != ""
}

// PackPost packs a post's id and words as a Point keeps them: in one
// string, each after its length as a uvarint.
func PackPost(id string, ws []string) string { return packPost(id, ws, "") }

// packPost packs id and ws, or, with ws nil, id and packed words.
func packPost(id string, ws []string, packed string) string {
	n := len(id) + uvarintLen(len(id)) + len(packed)
	for _, w := range ws {
		n += len(w) + uvarintLen(len(w))
	}
	if n == 1 { // no id, no words
		return ""
	}
	var b strings.Builder
	b.Grow(n)
	put(&b, id)
	for _, w := range ws {
		put(&b, w)
	}
	b.WriteString(packed)
	return b.String()
}

// put writes w after its length as a uvarint.
func put(b *strings.Builder, w string) {
	for x := uint(len(w)); ; x >>= 7 {
		if x < 0x80 {
			b.WriteByte(byte(x))
			break
		}
		b.WriteByte(byte(x) | 0x80)
	}
	b.WriteString(w)
}

// uvarintLen is how many bytes n takes as a uvarint.
func uvarintLen(n int) int {
	k := 1
	for ; n >= 0x80; n >>= 7 {
		k++
	}
	return k
}

// nextWord splits the first word off packed words s (not empty).
func nextWord(s string) (word, rest string) {
	if n := int(s[0]); n < 0x80 {
		return s[1 : 1+n], s[1+n:]
	}
	return nextLongWord(s)
}

// nextLongWord is nextWord for a word of 128 bytes or more.
func nextLongWord(s string) (word, rest string) {
	n, k := 0, 1
	for shift := 0; ; shift += 7 {
		c := s[k-1]
		n |= int(c&0x7f) << shift
		if c < 0x80 {
			break
		}
		k++
	}
	return s[k : k+n], s[k+n:]
}

// Tokenized says whether the post's words were set (SetTokens).
func (p *Point) Tokenized() bool { return p.tokenized }

// Tokens returns the post's words, in order. They share one string: a
// word kept long after the post is gone should be cloned.
func (p *Point) Tokens() iter.Seq[string] {
	return func(yield func(string) bool) {
		for s := p.words(); s != ""; {
			var w string
			if n := int(s[0]); n < 0x80 { // nextWord, by hand: too long to inline
				w, s = s[1:1+n], s[1+n:]
			} else {
				w, s = nextLongWord(s)
			}
			if !yield(w) {
				return
			}
		}
	}
}

// AppendTokens appends the post's words to dst, in order, and returns
// the extended slice: for the callers that need them as a slice, with a
// slice of their own to reuse.
func (p *Point) AppendTokens(dst []string) []string {
	for w := range p.Tokens() {
		dst = append(dst, w)
	}
	return dst
}

// HasToken says whether w is one of the post's words.
func (p *Point) HasToken(w string) bool {
	for x := range p.Tokens() {
		if x == w {
			return true
		}
	}
	return false
}

// NumTokens returns how many words the post has.
func (p *Point) NumTokens() int {
	n := 0
	for range p.Tokens() {
		n++
	}
	return n
}

// rare is what most points leave empty once their batch is closed: the
// features (the sparse ones every post has until the default model takes
// them, the dense ones the k-means models keep and read at every window),
// and behind a second pointer the text and place, which only the live
// page keeps (64 bytes with the features alone, not 80).
type rare struct {
	terms []Term
	vec   []float32
	more  *rarer
}

// rarer is what only the live page keeps.
type rarer struct {
	text, place string
}

// Time returns the point's time, in UTC.
func (p *Point) Time() time.Time {
	if p.at == 0 {
		return time.Time{}
	}
	return time.Unix(0, p.at^math.MinInt64).UTC()
}

// Stamp is a time as a number that orders as the times do, cheaper to
// compare than a time.Time: a point's (Point.Stamp), or any time's
// (StampOf). The zero time is 0, before every other.
type Stamp uint64

// StampOf returns t's Stamp (times outside the years 1678 to 2262 do not
// fit, as in Point.SetTime).
func StampOf(t time.Time) Stamp {
	if t.IsZero() {
		return 0
	}
	return Stamp(uint64(t.UnixNano() ^ math.MinInt64))
}

// Stamp returns the point's time as a Stamp.
func (p *Point) Stamp() Stamp { return Stamp(uint64(p.at)) }

// SetTime sets the point's time, to the nanosecond (times outside the
// years 1678 to 2262 do not fit; a checkpoint keeps a point's time the
// same way).
func (p *Point) SetTime(t time.Time) {
	if t.IsZero() {
		p.at = 0
		return
	}
	p.at = t.UnixNano() ^ math.MinInt64
}

// Text returns the tweet's text: kept only with pipeline.Options.KeepText,
// or until the model has the text's tokens.
func (p *Point) Text() string {
	if p.rare == nil || p.rare.more == nil {
		return ""
	}
	return p.rare.more.text
}

// SetText sets the tweet's text.
func (p *Point) SetText(s string) {
	if r := p.rarer(s != ""); r != nil {
		r.text = s
		p.trim()
	}
}

// Place returns the name of the tweet's tagged place, if any; like Text
// it is kept only with pipeline.Options.KeepText.
func (p *Point) Place() string {
	if p.rare == nil || p.rare.more == nil {
		return ""
	}
	return p.rare.more.place
}

// SetPlace sets the name of the tweet's tagged place.
func (p *Point) SetPlace(s string) {
	if r := p.rarer(s != ""); r != nil {
		r.place = s
		p.trim()
	}
}

// Vec returns the point's dense features, as float32 (a window can hold
// millions of points); nil for a model without them.
func (p *Point) Vec() []float32 {
	if p.rare == nil {
		return nil
	}
	return p.rare.vec
}

// SetVec sets the point's dense features.
func (p *Point) SetVec(v []float32) {
	if r := p.more(v != nil); r != nil {
		r.vec = v
		p.trim()
	}
}

// Terms returns the point's sparse features, which the model's Featurize
// fills (with Vec, its dense ones, if the model has any).
func (p *Point) Terms() []Term {
	if p.rare == nil {
		return nil
	}
	return p.rare.terms
}

// SetTerms sets the point's sparse features.
func (p *Point) SetTerms(ts []Term) {
	if r := p.more(ts != nil); r != nil {
		r.terms = ts
		p.trim()
	}
}

// more returns the point's rare fields, made if need be; nil if there are
// none and none are needed.
func (p *Point) more(need bool) *rare {
	if p.rare == nil && need {
		p.rare = &rare{}
	}
	return p.rare
}

// rarer returns the point's rarer fields, made if need be; nil if there
// are none and none are needed.
func (p *Point) rarer(need bool) *rarer {
	r := p.more(need)
	if r == nil {
		return nil
	}
	if r.more == nil && need {
		r.more = &rarer{}
	}
	return r.more
}

// trim drops the rare fields that are all empty.
func (p *Point) trim() {
	r := p.rare
	if m := r.more; m != nil && m.text == "" && m.place == "" {
		r.more = nil
	}
	if r.terms == nil && r.vec == nil && r.more == nil {
		p.rare = nil
	}
}

// ClusterSummary describes one non-empty cluster of a window.
type ClusterSummary struct {
	// ID lasts as long as the cluster: a later window's cluster with the
	// same id is the same cluster.
	ID int `json:"id"`
	// Size is the window's posts in the cluster, and Mapped how many of
	// them are on the map (have a place).
	Size   int `json:"size"`
	Mapped int `json:"mapped"`
	// Lon and Lat are the centre of its mapped posts (written as null
	// when none is mapped).
	Lon      float64  `json:"lon"`
	Lat      float64  `json:"lat"`
	Keywords []string `json:"keywords"`
	// Born is the end of the batch in which the model opened the cluster,
	// and From the clusters it was split or merged from, if any.
	Born time.Time `json:"born"`
	From []int     `json:"from,omitempty"`
	// Examples are a few of the cluster's most typical posts, best first,
	// if the model was asked for them. They are other people's words:
	// windows.ndjson does not carry them.
	Examples []Example `json:"-"`
}

// MarshalJSON writes a cluster with no post on the map with a null centre.
func (c ClusterSummary) MarshalJSON() ([]byte, error) {
	type plain ClusterSummary
	out := struct {
		plain
		Lon *float64 `json:"lon"`
		Lat *float64 `json:"lat"`
	}{plain: plain(c)}
	if c.Mapped > 0 {
		out.Lon, out.Lat = &c.Lon, &c.Lat
	}
	return json.Marshal(out)
}

// Example is one tweet shown for its cluster.
type Example struct {
	ID, Text, Place string
	Lon, Lat        float64
	Located         tweet.GeoSource
	Level           tweet.GeoLevel
}

// Result is everything known about one window, handed to the outputs.
type Result struct {
	Start, End time.Time
	Counts     Counts // the whole window
	Fresh      Counts // its newest slide only
	Points     []*Point
	Clusters   []ClusterSummary
	// Partial is a window written at the end of the input or at shutdown
	// before its span was over: it holds less than a full window would.
	Partial bool
	// Events are the events active in the window (package events), in the
	// order they were first flagged; nil when detection is off.
	Events []Event
	// Colours are the palette indexes (render.Palette) the map gives the
	// window's coloured clusters, by cluster id; the others are grey. The
	// map output (output.Maps) sets them in its Write, so the outputs
	// after it (the live page) show the same colours.
	Colours map[int]int
}

// Event is something that just happened in one place: a cluster, or a
// part of one, whose posts in one place grew far faster than their recent
// history (package events says how it is found).
type Event struct {
	// ID lasts while the event lives, even if its posts move to another
	// cluster; ids are not used again in a run.
	ID int `json:"id"`
	// Cluster is the cluster that holds most of its posts in the window.
	Cluster int `json:"cluster"`
	// Lon, Lat and RadiusKm are the centre of its posts on the map and
	// their root-mean-square distance from it.
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	RadiusKm float64 `json:"radius_km"`
	// Keywords are the words most of its posts share.
	Keywords []string `json:"keywords"`
	// FirstSeen is the end of the window in which it was first flagged.
	FirstSeen time.Time `json:"first_seen"`
	// Posts counts its posts so far: those of the window in which it was
	// first flagged, and those of each later window's newest slide.
	Posts int `json:"posts"`
	// Slide is how many of its posts the window's newest slide holds:
	// its growth, window after window.
	Slide int `json:"slide"`
	// P is how unlikely it was when first flagged: the chance, at the rate
	// expected of its words in its place, of a slide with as many posts.
	P float64 `json:"p"`
	// FirstPosts are the ids of its first posts, oldest first.
	FirstPosts []string `json:"first_posts"`
	// Examples are its first posts with their text, if the points keep
	// their text (pipeline.Options.KeepText): other people's words, which
	// windows.ndjson and events.ndjson do not carry.
	Examples []Example `json:"-"`
}

// BySize returns a copy of cs, largest first (ties: the lower id first),
// the order legends and logs list clusters in.
func BySize(cs []ClusterSummary) []ClusterSummary {
	out := slices.Clone(cs)
	slices.SortStableFunc(out, func(a, b ClusterSummary) int {
		if a.Size != b.Size {
			return b.Size - a.Size
		}
		return a.ID - b.ID
	})
	return out
}

// Counts are the per-batch tallies that end up in every window line.
type Counts struct {
	Tweets  int `json:"tweets"`
	Located int `json:"located"`
	// ByPoint, ByPlace, ByProfile and ByText split Located by how each
	// tweet was located.
	ByPoint   int `json:"by_point"`
	ByPlace   int `json:"by_place"`
	ByProfile int `json:"by_profile"`
	ByText    int `json:"by_text"`
	Unlocated int `json:"unlocated"`
	// Wordless counts the unlocated posts with no word either: nothing to
	// cluster them by.
	Wordless int `json:"wordless"`
	BadGeo   int `json:"bad_geo"`
	// ClockSkew counts posts whose own date was far from the time the
	// network received them (a Bluesky createdAt minutes from Jetstream's
	// time_us): they are batched by the network's time.
	ClockSkew int `json:"clock_skew"`
	Notices   int `json:"notices"`
	Malformed int `json:"malformed"`
	TooLong   int `json:"too_long"`
	Late      int `json:"late"`
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Tweets += o.Tweets
	c.Located += o.Located
	c.ByPoint += o.ByPoint
	c.ByPlace += o.ByPlace
	c.ByProfile += o.ByProfile
	c.ByText += o.ByText
	c.Unlocated += o.Unlocated
	c.Wordless += o.Wordless
	c.BadGeo += o.BadGeo
	c.ClockSkew += o.ClockSkew
	c.Notices += o.Notices
	c.Malformed += o.Malformed
	c.TooLong += o.TooLong
	c.Late += o.Late
}

// Term is one feature of a sparse vector: an id (a hashed word, a place
// cell) and its weight.
type Term struct {
	ID uint32
	W  float32
}

// Lineage says where a cluster came from: From lists the clusters it was
// split from or merged from, and is empty for a cluster that started anew.
type Lineage struct {
	ID   int
	From []int
}

// Slots gives lasting cluster ids to a model that keeps its clusters in a
// fixed number of slots (k-means): a slot seeded afresh holds a new
// cluster, with a new id.
type Slots struct {
	ids  []int
	gens []uint32
	from [][]int
	next int
}

// NewSlots returns the ids of k slots, none seeded yet.
func NewSlots(k int) Slots {
	return Slots{ids: make([]int, k), gens: make([]uint32, k), from: make([][]int, k)}
}

// Generations is what Slots needs of a model: each slot's generation,
// which changes whenever the slot is seeded afresh (0: never), and the
// slot it was split from then (-1: none).
type Generations interface {
	Slot(j int) (gen uint32, from int)
}

// Update gives a new id to every slot seeded afresh since the last call.
func (s *Slots) Update(m Generations) {
	var old []int
	for j := range s.ids {
		gen, from := m.Slot(j)
		if gen == s.gens[j] {
			continue
		}
		if old == nil {
			old = append([]int(nil), s.ids...)
		}
		s.from[j] = nil
		if from >= 0 && s.gens[from] != 0 {
			s.from[j] = []int{old[from]}
		}
		s.gens[j] = gen
		s.ids[j] = s.next
		s.next++
	}
}

// ID is slot j's cluster id.
func (s *Slots) ID(j int) int { return s.ids[j] }

// List returns the seeded slots' clusters.
func (s *Slots) List() []Lineage {
	out := make([]Lineage, 0, len(s.ids))
	for j, id := range s.ids {
		if s.gens[j] != 0 {
			out = append(out, Lineage{ID: id, From: s.from[j]})
		}
	}
	return out
}
