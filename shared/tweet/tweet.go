package tweet

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// Kind says what a decoded line was.
type Kind uint8

const (
	// KindTweet is a status that may be clustered.
	KindTweet Kind = iota
	// KindNotice is a stream notice (delete, limit, scrub_geo, disconnect,
	// warning, v2 errors line): counted, never clustered.
	KindNotice
	// KindMalformed is a line that could not be understood.
	KindMalformed
)

func (k Kind) String() string {
	switch k {
	case KindTweet:
		return "tweet"
	case KindNotice:
		return "notice"
	default:
		return "malformed"
	}
}

// GeoSource says where a tweet's location came from.
type GeoSource uint8

const (
	// GeoNone means the tweet has no usable location.
	GeoNone GeoSource = iota
	// GeoPoint is an exact point (v2 geo.coordinates, v1.1 coordinates or geo).
	GeoPoint
	// GeoPlace is the centre of the tagged place's bounding box.
	GeoPlace
	// GeoProfile is inferred from the author's profile location by a
	// gazetteer ("Brooklyn, NY"); the decoders never set it.
	GeoProfile
	// GeoText is inferred from a place name in the tweet's text; the decoders
	// never set it.
	GeoText
)

// String returns the source's name as written in outputs: "point", "place", ...
func (s GeoSource) String() string {
	switch s {
	case GeoNone:
		return "none"
	case GeoPoint:
		return "point"
	case GeoPlace:
		return "place"
	case GeoProfile:
		return "profile"
	case GeoText:
		return "text"
	}
	return "GeoSource(" + strconv.Itoa(int(s)) + ")"
}

// GeoLevel says how precise a location is. Exact points and tagged places
// count as GeoCity: a place is a neighbourhood or a city far more often than
// a whole region, and neither the v1.1 nor the v2 decoder keeps its type.
type GeoLevel uint8

const (
	// GeoLevelNone means no location.
	GeoLevelNone GeoLevel = iota
	// GeoCity is a town or city, or anything finer.
	GeoCity
	// GeoRegion is a state, province or county ("Texas", "Kent").
	GeoRegion
	// GeoCountry is a whole country.
	GeoCountry
)

// String returns the level's name as written in outputs: "city", "region", ...
func (l GeoLevel) String() string {
	switch l {
	case GeoLevelNone:
		return "none"
	case GeoCity:
		return "city"
	case GeoRegion:
		return "region"
	case GeoCountry:
		return "country"
	}
	return "GeoLevel(" + strconv.Itoa(int(l)) + ")"
}

// Tweet is one decoded line. Only ID, Text and the location are needed for
// clustering; the rest is carried for outputs and the compact wire record.
type Tweet struct {
	Kind Kind
	// Notice names the notice type ("delete", "limit", "errors", ...) for KindNotice.
	Notice string
	// ID is kept as a string: tweet ids exceed 2^53.
	ID        string
	CreatedAt time.Time // zero when the line had none or it did not parse
	Lon, Lat  float64   // valid only when Geo != GeoNone
	Geo       GeoSource
	// Level is how precise an inferred location is (GeoProfile, GeoText);
	// the decoders leave it zero, and points and places count as GeoCity.
	Level GeoLevel
	// BadGeo is set when the line carried coordinates that were not finite or
	// out of range; they were ignored.
	BadGeo bool
	// ClockSkew is set when the time the author's client wrote on a post
	// (a Bluesky record's createdAt) is more than MaxClockSkew from the
	// time the service received it (Jetstream's time_us), which CreatedAt
	// holds: a wrong clock on the author's device, or a post imported with
	// an old date. The client's time is never used.
	ClockSkew bool
	Text      string
	Lang      string
	User      string
	Place     string
	// UserLocation is the author's free-text profile location (v1.1
	// user.location, v2 includes.users[].location of the author), as typed.
	UserLocation string
	// UserBio is the author's profile description as plain text (a Mastodon
	// account's note, a Bluesky profile's description), in which a gazetteer
	// may find a place name when the profile names none; the X decoders
	// leave it empty.
	UserBio string
	// UserName is the author's display name as typed ("Anna 📍 Lisboa",
	// "Marie Test"): a person's name far more often than a place, so it
	// locates nothing by itself; the decoders copy a place cue in it (the
	// text after "📍") into UserLocation when the profile has no location.
	UserName string
	Retweet  bool
	// Entities are the parts of Text that the source marked as links,
	// mentions or hashtags (Bluesky's facets, X's entities, Mastodon's
	// links), in order; nil when it marked none or the decoder does not
	// read them.
	Entities []Entity
}

// EntityKind says what an Entity marks.
type EntityKind uint8

const (
	// EntityLink is a link, whether or not Text shows its scheme
	// ("nytimes.com/2024/…").
	EntityLink EntityKind = iota + 1
	// EntityMention is a mention of an account ("@alice.bsky.social").
	EntityMention
	// EntityTag is a hashtag.
	EntityTag
)

// Entity is a marked part of a post's Text: Text[Start:End], in bytes.
// Value is what it stands for: the full URL of a link, the account of a
// mention (a handle or an id), the tag without '#'.
type Entity struct {
	Kind       EntityKind
	Start, End int
	Value      string
}

// Located reports whether the tweet has a usable location.
func (t *Tweet) Located() bool { return t.Geo != GeoNone }

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("tweet: malformed line")

// ValidLonLat reports whether lon/lat is a finite point on the globe.
func ValidLonLat(lon, lat float64) bool {
	return !math.IsNaN(lon) && !math.IsNaN(lat) &&
		lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// BoxCentre returns the centre of the box spanned by the given corners' min and
// max, the rule for place bounding boxes. Degenerate boxes (a point, a line)
// are fine. ok is false if there are no corners or any corner is invalid.
func BoxCentre(lons, lats []float64) (lon, lat float64, ok bool) {
	if len(lons) == 0 || len(lons) != len(lats) {
		return 0, 0, false
	}
	minLon, maxLon := math.Inf(1), math.Inf(-1)
	minLat, maxLat := math.Inf(1), math.Inf(-1)
	for i := range lons {
		if !ValidLonLat(lons[i], lats[i]) {
			return 0, 0, false
		}
		minLon, maxLon = math.Min(minLon, lons[i]), math.Max(maxLon, lons[i])
		minLat, maxLat = math.Min(minLat, lats[i]), math.Max(maxLat, lats[i])
	}
	return (minLon + maxLon) / 2, (minLat + maxLat) / 2, true
}
