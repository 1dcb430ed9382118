package geocode

import (
	"testing"

	"github.com/geostream/geostream/shared/tweet"
)

// TestPlaceReadsTheBio: a profile location comes first, then a city named
// in the bio (a Mastodon note), then one in the text; the bio counts as
// the profile.
func TestPlaceReadsTheBio(t *testing.T) {
	gc := newTest(t)
	const lisbonLon, lisbonLat, berlinLon, berlinLat = -9.14, 38.72, 13.40, 52.52
	bio := "Fotografia e café. Living in Lisbon since 2019."
	tests := []struct {
		name     string
		tw       tweet.Tweet
		policy   string
		want     tweet.GeoSource
		lon, lat float64
	}{
		{"the bio when the profile names no place", tweet.Tweet{UserLocation: "in your heart", UserBio: bio, Text: "Snow again in Chicago tonight"},
			"profile,text", tweet.GeoProfile, lisbonLon, lisbonLat},
		{"the profile location before the bio", tweet.Tweet{UserLocation: "Berlin, Germany", UserBio: bio}, "profile", tweet.GeoProfile, berlinLon, berlinLat},
		{"a bio without a place leaves the text", tweet.Tweet{UserBio: "I bake bread.", Text: "Morning in Lisbon"}, "profile,text", tweet.GeoText, lisbonLon, lisbonLat},
		{"the bio is not read without profile", tweet.Tweet{UserBio: bio}, "point,place,text", tweet.GeoNone, 0, 0},
		{"a pin in the display name", tweet.Tweet{UserName: "Ana 📍 Lisbon", Text: "good morning"}, "profile", tweet.GeoProfile, lisbonLon, lisbonLat},
		{"a display name that is a person's name places nobody", tweet.Tweet{UserName: "Adam Berlin", Text: "good morning"}, "profile,text", tweet.GeoNone, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePolicy(tc.policy, "city")
			if err != nil {
				t.Fatal(err)
			}
			tw := tc.tw
			gc.Place(&tw, p)
			if tw.Geo != tc.want {
				t.Fatalf("located by %v, want %v", tw.Geo, tc.want)
			}
			if tc.want != tweet.GeoNone && km(tw.Lon, tw.Lat, tc.lon, tc.lat) > 25 {
				t.Fatalf("placed at %.2f,%.2f, %.0f km from %.2f,%.2f", tw.Lon, tw.Lat, km(tw.Lon, tw.Lat, tc.lon, tc.lat), tc.lon, tc.lat)
			}
		})
	}
}
