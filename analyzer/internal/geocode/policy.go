package geocode

import (
	"fmt"
	"strings"

	"github.com/geostream/geostream/shared/tweet"
)

// Policy says how a tweet may be located: which methods, tried in the
// order point, place, profile, text, and the coarsest level an inferred
// location (profile or text) may have to count.
type Policy struct {
	Point, Place, Profile, Text bool
	Level                       tweet.GeoLevel
}

// DefaultPolicy uses every method and maps inferences at city level only:
// "Texas" or "UK" on a map would say more than is known.
var DefaultPolicy = Policy{Point: true, Place: true, Profile: true, Text: true, Level: tweet.GeoCity}

// Infers reports whether the policy needs the gazetteer.
func (p Policy) Infers() bool { return p.Profile || p.Text }

// ParsePolicy reads a comma-separated list of methods (point, place,
// profile, text) and a level (city, region, country).
func ParsePolicy(methods, level string) (Policy, error) {
	var p Policy
	for _, m := range strings.Split(methods, ",") {
		switch strings.TrimSpace(m) {
		case "point":
			p.Point = true
		case "place":
			p.Place = true
		case "profile":
			p.Profile = true
		case "text":
			p.Text = true
		case "":
		default:
			return Policy{}, fmt.Errorf("%q is not a way to locate a tweet: want point, place, profile or text", m)
		}
	}
	switch level {
	case "city":
		p.Level = tweet.GeoCity
	case "region":
		p.Level = tweet.GeoRegion
	case "country":
		p.Level = tweet.GeoCountry
	default:
		return Policy{}, fmt.Errorf("level %q: want city, region or country", level)
	}
	return p, nil
}

// Place locates t by the policy: a point or a place the decoder found is
// kept if the policy allows it (and dropped if not); an unlocated tweet is
// then tried by its author's profile location, by what the author's bio
// (UserBio: a Mastodon note, a Bluesky description; the profile still, so
// GeoProfile) says of where they are (LocateBio), by a pin in the
// author's display name (LocateName: never by the name itself), and by place names in its
// text in the post's language (LocateTextLang). It reports whether t ends
// up located, and sets t.Geo, t.Level and the coordinates. gc may be nil when the policy infers nothing.
func (gc *Geocoder) Place(t *tweet.Tweet, p Policy) bool {
	switch {
	case t.Geo == tweet.GeoPoint && p.Point, t.Geo == tweet.GeoPlace && p.Place:
		t.Level = tweet.GeoCity
		return true
	case t.Geo != tweet.GeoNone:
		t.Geo, t.Lon, t.Lat = tweet.GeoNone, 0, 0
	}
	if gc == nil {
		return false
	}
	if p.Profile {
		if r, ok := gc.Locate(t.UserLocation); ok && r.Level <= p.Level && r.Level != tweet.GeoLevelNone {
			t.Geo, t.Lon, t.Lat, t.Level = tweet.GeoProfile, r.Lon, r.Lat, r.Level
			return true
		}
		if r, ok := gc.LocateBio(t.UserBio, t.Lang); ok && r.Level <= p.Level && r.Level != tweet.GeoLevelNone {
			t.Geo, t.Lon, t.Lat, t.Level = tweet.GeoProfile, r.Lon, r.Lat, r.Level
			return true
		}
		if r, ok := gc.LocateName(t.UserName); ok && r.Level <= p.Level && r.Level != tweet.GeoLevelNone {
			t.Geo, t.Lon, t.Lat, t.Level = tweet.GeoProfile, r.Lon, r.Lat, r.Level
			return true
		}
	}
	if p.Text {
		if r, ok := gc.LocateTextLang(t.Text, t.Lang); ok && r.Level <= p.Level && r.Level != tweet.GeoLevelNone {
			t.Geo, t.Lon, t.Lat, t.Level = tweet.GeoText, r.Lon, r.Lat, r.Level
			return true
		}
	}
	return false
}
