package tweet

import (
	"encoding/json"
	"time"
)

// refDecode is a second, independent implementation of the decoding rules on
// encoding/json. Tests check Decoder against it on every fixture, and the
// benchmarks compare their speed.
func refDecode(line []byte) (Tweet, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(line, &m) != nil {
		return Tweet{Kind: KindMalformed}, false
	}
	if raw, ok := m["data"]; ok {
		var env struct {
			Data struct {
				ID        string `json:"id"`
				Text      string `json:"text"`
				CreatedAt string `json:"created_at"`
				Lang      string `json:"lang"`
				AuthorID  string `json:"author_id"`
				NoteTweet struct {
					Text string `json:"text"`
				} `json:"note_tweet"`
				Referenced []struct {
					Type string `json:"type"`
				} `json:"referenced_tweets"`
				Geo struct {
					Coordinates *struct {
						Coordinates []float64 `json:"coordinates"`
					} `json:"coordinates"`
					PlaceID string `json:"place_id"`
				} `json:"geo"`
			} `json:"data"`
			Includes struct {
				Users []struct {
					ID       string `json:"id"`
					Name     string `json:"name"`
					Username string `json:"username"`
					Location string `json:"location"`
				} `json:"users"`
				Places []struct {
					ID       string `json:"id"`
					FullName string `json:"full_name"`
					Geo      struct {
						BBox []float64 `json:"bbox"`
					} `json:"geo"`
				} `json:"places"`
			} `json:"includes"`
		}
		_ = raw
		if json.Unmarshal(line, &env) != nil || env.Data.ID == "" {
			return Tweet{Kind: KindMalformed}, false
		}
		d := env.Data
		t := Tweet{ID: d.ID, Text: d.Text, Lang: d.Lang, User: d.AuthorID}
		if d.NoteTweet.Text != "" {
			t.Text = d.NoteTweet.Text
		}
		if c, err := time.Parse(time.RFC3339, d.CreatedAt); err == nil {
			t.CreatedAt = c.UTC()
		}
		for _, r := range d.Referenced {
			t.Retweet = t.Retweet || r.Type == "retweeted"
		}
		for _, u := range env.Includes.Users {
			if d.AuthorID != "" && u.ID == d.AuthorID {
				t.User, t.UserLocation, t.UserName = u.Username, u.Location, u.Name
			}
		}
		if c := d.Geo.Coordinates; c != nil && len(c.Coordinates) >= 2 {
			t.setPoint(c.Coordinates[0], c.Coordinates[1])
		}
		for _, p := range env.Includes.Places {
			if d.Geo.PlaceID == "" || p.ID != d.Geo.PlaceID {
				continue
			}
			t.Place = p.FullName
			if t.Geo == GeoNone && len(p.Geo.BBox) == 4 {
				b := p.Geo.BBox
				t.setPlace([]float64{b[0], b[2]}, []float64{b[1], b[3]})
			}
			break
		}
		return t, true
	}
	for _, k := range append([]string{"errors"}, noticeKeys...) {
		if _, ok := m[k]; ok {
			return Tweet{Kind: KindNotice, Notice: k}, true
		}
	}
	if _, ok := m["id_str"]; ok {
		type status struct {
			IDStr         string `json:"id_str"`
			CreatedAt     string `json:"created_at"`
			Text          string `json:"text"`
			FullText      string `json:"full_text"`
			Lang          string `json:"lang"`
			ExtendedTweet struct {
				FullText string `json:"full_text"`
			} `json:"extended_tweet"`
			User struct {
				Name       string `json:"name"`
				ScreenName string `json:"screen_name"`
				Location   string `json:"location"`
			} `json:"user"`
			Coordinates *struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"coordinates"`
			Geo *struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geo"`
			Place *struct {
				FullName    string `json:"full_name"`
				BoundingBox struct {
					Coordinates [][][]float64 `json:"coordinates"`
				} `json:"bounding_box"`
			} `json:"place"`
			Retweeted *struct {
				Text          string `json:"text"`
				FullText      string `json:"full_text"`
				ExtendedTweet struct {
					FullText string `json:"full_text"`
				} `json:"extended_tweet"`
			} `json:"retweeted_status"`
		}
		var s status
		if json.Unmarshal(line, &s) != nil {
			return Tweet{Kind: KindMalformed}, false
		}
		t := Tweet{ID: s.IDStr, Lang: s.Lang, User: s.User.ScreenName, UserLocation: s.User.Location, UserName: s.User.Name}
		if c, err := time.Parse(RubyDate, s.CreatedAt); err == nil {
			t.CreatedAt = c.UTC()
		}
		text := []string{s.ExtendedTweet.FullText, s.FullText, s.Text}
		if r := s.Retweeted; r != nil {
			t.Retweet = true
			text = []string{r.ExtendedTweet.FullText, r.FullText, r.Text}
		}
		for _, x := range text {
			if x != "" {
				t.Text = x
				break
			}
		}
		if s.Coordinates != nil && len(s.Coordinates.Coordinates) >= 2 {
			t.setPoint(s.Coordinates.Coordinates[0], s.Coordinates.Coordinates[1])
		}
		if t.Geo == GeoNone && s.Geo != nil && len(s.Geo.Coordinates) >= 2 {
			t.setPoint(s.Geo.Coordinates[1], s.Geo.Coordinates[0])
		}
		if s.Place != nil {
			t.Place = s.Place.FullName
			if t.Geo == GeoNone {
				var lons, lats []float64
				for _, ring := range s.Place.BoundingBox.Coordinates {
					for _, c := range ring {
						lons, lats = append(lons, c[0]), append(lats, c[1])
					}
				}
				if len(lons) > 0 {
					t.setPlace(lons, lats)
				}
			}
		}
		return t, true
	}
	var c struct {
		ID        string   `json:"id"`
		CreatedAt string   `json:"created_at"`
		Lon       *float64 `json:"lon"`
		Lat       *float64 `json:"lat"`
		Text      string   `json:"text"`
		Lang      string   `json:"lang"`
		User      string   `json:"user"`
		Place     string   `json:"place"`
		UserLoc   string   `json:"user_location"`
		RT        bool     `json:"rt"`
		Approx    bool     `json:"approx"`
	}
	if json.Unmarshal(line, &c) != nil || c.ID == "" {
		return Tweet{Kind: KindMalformed}, false
	}
	t := Tweet{ID: c.ID, Text: c.Text, Lang: c.Lang, User: c.User, Place: c.Place, UserLocation: c.UserLoc, Retweet: c.RT}
	if ts, err := time.Parse(time.RFC3339, c.CreatedAt); err == nil {
		t.CreatedAt = ts.UTC()
	}
	if c.Lon != nil && c.Lat != nil {
		t.setPoint(*c.Lon, *c.Lat)
		if c.Approx && t.Geo == GeoPoint {
			t.Geo = GeoPlace
		}
	}
	return t, true
}
