package model

import (
	"github.com/geostream/geostream/analyzer/internal/checkpoint"
	"github.com/geostream/geostream/shared/tweet"
)

// EncodeEvent appends an event, whole, to e, for a checkpoint.
func EncodeEvent(e *checkpoint.Encoder, ev *Event) {
	e.Int(int64(ev.ID))
	e.Int(int64(ev.Cluster))
	e.Float64(ev.Lon)
	e.Float64(ev.Lat)
	e.Float64(ev.RadiusKm)
	EncodeStrings(e, ev.Keywords)
	e.Time(ev.FirstSeen)
	e.Int(int64(ev.Posts))
	e.Int(int64(ev.Slide))
	e.Float64(ev.P)
	EncodeStrings(e, ev.FirstPosts)
	e.Uint(uint64(len(ev.Examples)))
	for _, x := range ev.Examples {
		e.String(x.ID)
		e.String(x.Text)
		e.String(x.Place)
		e.Float64(x.Lon)
		e.Float64(x.Lat)
		e.Int(int64(x.Located))
		e.Int(int64(x.Level))
	}
}

// DecodeEvent reads an event EncodeEvent wrote; d.Err says whether it
// could.
func DecodeEvent(d *checkpoint.Decoder) Event {
	ev := Event{ID: int(d.Int()), Cluster: int(d.Int()), Lon: d.Float64(), Lat: d.Float64(), RadiusKm: d.Float64(),
		Keywords: DecodeStrings(d), FirstSeen: d.Time(), Posts: int(d.Int()), Slide: int(d.Int()), P: d.Float64(),
		FirstPosts: DecodeStrings(d)}
	if n := d.Len(21); n > 0 {
		ev.Examples = make([]Example, n)
		for i := range ev.Examples {
			ev.Examples[i] = Example{ID: d.String(), Text: d.String(), Place: d.String(), Lon: d.Float64(), Lat: d.Float64(),
				Located: tweet.GeoSource(d.Int()), Level: tweet.GeoLevel(d.Int())}
		}
	}
	return ev
}

// EncodeStrings appends a list of strings, telling a nil list from an
// empty one (JSON writes null for one and [] for the other).
func EncodeStrings(e *checkpoint.Encoder, ss []string) {
	if ss == nil {
		e.Uint(0)
		return
	}
	e.Uint(uint64(len(ss)) + 1)
	for _, s := range ss {
		e.String(s)
	}
}

// DecodeStrings reads a list EncodeStrings wrote.
func DecodeStrings(d *checkpoint.Decoder) []string {
	n := d.Uint()
	if n == 0 || d.Err != nil || n-1 > uint64(len(d.B)) {
		if n > 0 && d.Err == nil {
			d.Err, d.B = checkpoint.ErrDamaged, nil
		}
		return nil
	}
	ss := make([]string, n-1)
	for i := range ss {
		ss[i] = d.String()
	}
	return ss
}
