package synth

import (
	"strconv"
	"time"

	"github.com/geostream/geostream/shared/tweet"
)

var js = tweet.AppendJSONString

func appendFloat(dst []byte, f float64) []byte { return strconv.AppendFloat(dst, f, 'f', -1, 64) }

func placeID(c City) string {
	h := uint64(14695981039346656037)
	for i := 0; i < len(c.Name); i++ {
		h = (h ^ uint64(c.Name[i])) * 1099511628211
	}
	return strconv.FormatUint(h, 16)
}

// appendV2 writes an X API v2 filtered-stream envelope with the fields and
// expansions geostream asks for, about 1.2 KB.
func (g *Generator) appendV2(dst []byte, d *tweetData) []byte {
	dst = append(dst, `{"data":{"id":`...)
	dst = js(dst, d.id)
	dst = append(dst, `,"text":`...)
	dst = js(dst, d.text)
	dst = append(dst, `,"created_at":"`...)
	dst = g.now.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	dst = append(dst, `","author_id":"`...)
	dst = append(dst, d.userID...)
	dst = append(dst, `","lang":"`...)
	dst = append(dst, d.lang...)
	dst = append(dst, `","conversation_id":`...)
	dst = js(dst, d.id)
	dst = append(dst, `,"edit_history_tweet_ids":[`...)
	dst = js(dst, d.id)
	dst = append(dst, `],"possibly_sensitive":false,"reply_settings":"everyone","source":"Geostream Synth",`...)
	dst = append(dst, `"public_metrics":{"retweet_count":`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(50)), 10)
	dst = append(dst, `,"reply_count":`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(10)), 10)
	dst = append(dst, `,"like_count":`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(300)), 10)
	dst = append(dst, `,"quote_count":0,"bookmark_count":0,"impression_count":`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(9000)), 10)
	dst = append(dst, `}`...)
	if d.rt != nil {
		dst = append(dst, `,"referenced_tweets":[{"type":"retweeted","id":`...)
		dst = js(dst, d.rt.id)
		dst = append(dst, `}]`...)
	}
	if d.geo != tweet.GeoNone {
		dst = append(dst, `,"geo":{`...)
		if d.geo == tweet.GeoPoint {
			dst = append(dst, `"coordinates":{"type":"Point","coordinates":[`...)
			dst = appendFloat(dst, d.lon)
			dst = append(dst, ',')
			dst = appendFloat(dst, d.lat)
			dst = append(dst, `]},`...)
		}
		dst = append(dst, `"place_id":"`...)
		dst = append(dst, placeID(d.city)...)
		dst = append(dst, `"}`...)
	}
	dst = append(dst, `},"includes":{"users":[{"id":"`...)
	dst = append(dst, d.userID...)
	dst = append(dst, `","name":"Synthetic `...)
	dst = append(dst, d.user...)
	dst = append(dst, `","username":"`...)
	dst = append(dst, d.user...)
	dst = append(dst, `","location":`...)
	dst = js(dst, d.city.Name)
	dst = append(dst, `,"verified":false,"created_at":"2015-06-01T12:00:00.000Z","description":"Synthetic account for geostream demos and tests."}]`...)
	if d.geo != tweet.GeoNone {
		dst = append(dst, `,"places":[{"id":"`...)
		dst = append(dst, placeID(d.city)...)
		dst = append(dst, `","full_name":`...)
		dst = js(dst, d.city.Name+", "+d.city.Country)
		dst = append(dst, `,"name":`...)
		dst = js(dst, d.city.Name)
		dst = append(dst, `,"country_code":"`...)
		dst = append(dst, d.city.Country...)
		dst = append(dst, `","place_type":"city","geo":{"type":"Feature","bbox":[`...)
		for i, v := range d.box {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendFloat(dst, v)
		}
		dst = append(dst, `],"properties":{}}}]`...)
	}
	dst = append(dst, `},"matching_rules":[{"id":"1861200000000000001","tag":"geostream:synth"}]}`...)
	return dst
}

// appendV1 writes a v1.1 status with the user object, entities and, for a
// retweet, the retweeted status, about 4–5 KB.
func (g *Generator) appendV1(dst []byte, d *tweetData) []byte {
	if d.rt == nil {
		return g.appendV1Status(dst, d, nil)
	}
	orig := tweetData{id: d.rt.id, text: d.rt.text, user: d.rt.user, userID: "9" + d.rt.id[len(d.rt.id)-6:], geo: tweet.GeoNone, lang: d.lang}
	return g.appendV1Status(dst, d, &orig)
}

func (g *Generator) appendV1Status(dst []byte, d *tweetData, rt *tweetData) []byte {
	text := d.text
	dst = append(dst, `{"created_at":"`...)
	dst = g.now.UTC().AppendFormat(dst, tweet.RubyDate)
	dst = append(dst, `","id":`...)
	dst = append(dst, d.id...)
	dst = append(dst, `,"id_str":"`...)
	dst = append(dst, d.id...)
	dst = append(dst, `","text":`...)
	if len(text) > 140 {
		dst = js(dst, text[:140])
	} else {
		dst = js(dst, text)
	}
	dst = append(dst, `,"source":"\u003ca href=\"https://example.org\" rel=\"nofollow\"\u003eGeostream Synth\u003c/a\u003e","truncated":`...)
	dst = strconv.AppendBool(dst, len(text) > 140)
	dst = append(dst, `,"in_reply_to_status_id":null,"in_reply_to_status_id_str":null,"in_reply_to_user_id":null,"in_reply_to_user_id_str":null,"in_reply_to_screen_name":null,"user":`...)
	dst = appendV1User(dst, d.user, d.userID, d.city.Name)
	switch d.geo {
	case tweet.GeoPoint:
		dst = append(dst, `,"geo":{"type":"Point","coordinates":[`...)
		dst = appendFloat(dst, d.lat)
		dst = append(dst, ',')
		dst = appendFloat(dst, d.lon)
		dst = append(dst, `]},"coordinates":{"type":"Point","coordinates":[`...)
		dst = appendFloat(dst, d.lon)
		dst = append(dst, ',')
		dst = appendFloat(dst, d.lat)
		dst = append(dst, `]}`...)
	default:
		dst = append(dst, `,"geo":null,"coordinates":null`...)
	}
	if d.geo != tweet.GeoNone {
		w, s, e, n := d.box[0], d.box[1], d.box[2], d.box[3]
		dst = append(dst, `,"place":{"id":"`...)
		dst = append(dst, placeID(d.city)...)
		dst = append(dst, `","url":"https://api.example.org/1.1/geo/id/`...)
		dst = append(dst, placeID(d.city)...)
		dst = append(dst, `.json","place_type":"city","name":`...)
		dst = js(dst, d.city.Name)
		dst = append(dst, `,"full_name":`...)
		dst = js(dst, d.city.Name+", "+d.city.Country)
		dst = append(dst, `,"country_code":"`...)
		dst = append(dst, d.city.Country...)
		dst = append(dst, `","country":"","bounding_box":{"type":"Polygon","coordinates":[[`...)
		for i, c := range [][2]float64{{w, s}, {w, n}, {e, n}, {e, s}} {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '[')
			dst = appendFloat(dst, c[0])
			dst = append(dst, ',')
			dst = appendFloat(dst, c[1])
			dst = append(dst, ']')
		}
		dst = append(dst, `]]},"attributes":{}}`...)
	} else {
		dst = append(dst, `,"place":null`...)
	}
	dst = append(dst, `,"contributors":null`...)
	if rt != nil {
		dst = append(dst, `,"retweeted_status":`...)
		saved := g.now
		g.now = g.now.Add(-time.Duration(g.rng.IntN(3600)) * time.Second)
		dst = g.appendV1Status(dst, rt, nil)
		g.now = saved
	}
	if len(text) > 140 {
		dst = append(dst, `,"extended_tweet":{"full_text":`...)
		dst = js(dst, text)
		dst = append(dst, `,"display_text_range":[0,`...)
		dst = strconv.AppendInt(dst, int64(len(text)), 10)
		dst = append(dst, `]}`...)
	}
	dst = append(dst, `,"is_quote_status":false,"quote_count":0,"reply_count":`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(10)), 10)
	dst = append(dst, `,"retweet_count":`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(50)), 10)
	dst = append(dst, `,"favorite_count":`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(300)), 10)
	dst = append(dst, `,"entities":{"hashtags":[],"urls":[{"url":"https://t.co/xYz123AbC","expanded_url":"https://example.org/story/42","display_url":"example.org/story/42","indices":[60,83]}],"user_mentions":[],"symbols":[]},"favorited":false,"retweeted":false,"filter_level":"low","lang":"`...)
	dst = append(dst, d.lang...)
	dst = append(dst, `","timestamp_ms":"`...)
	dst = strconv.AppendInt(dst, g.now.UnixMilli(), 10)
	return append(dst, `"}`...)
}

func appendV1User(dst []byte, name, id, city string) []byte {
	dst = append(dst, `{"id":`...)
	dst = append(dst, id...)
	dst = append(dst, `,"id_str":"`...)
	dst = append(dst, id...)
	dst = append(dst, `","name":"Synthetic `...)
	dst = append(dst, name...)
	dst = append(dst, `","screen_name":"`...)
	dst = append(dst, name...)
	dst = append(dst, `","location":`...)
	dst = js(dst, city)
	dst = append(dst, `,"url":null,"description":"Synthetic account for geostream demos and tests; posts about sport, weather, music and whatever is trending nearby.","translator_type":"none","protected":false,"verified":false,"followers_count":1234,"friends_count":321,"listed_count":7,"favourites_count":9876,"statuses_count":45678,"created_at":"Tue Mar 05 11:22:33 +0000 2013","utc_offset":null,"time_zone":null,"geo_enabled":true,"lang":null,"contributors_enabled":false,"is_translator":false,"profile_background_color":"C0DEED","profile_background_image_url":"http://example.org/images/themes/theme1/bg.png","profile_background_image_url_https":"https://example.org/images/themes/theme1/bg.png","profile_background_tile":false,"profile_link_color":"1DA1F2","profile_sidebar_border_color":"C0DEED","profile_sidebar_fill_color":"DDEEF6","profile_text_color":"333333","profile_use_background_image":true,"profile_image_url":"http://example.org/profile_images/`...)
	dst = append(dst, id...)
	dst = append(dst, `/normal.jpg","profile_image_url_https":"https://example.org/profile_images/`...)
	dst = append(dst, id...)
	dst = append(dst, `/normal.jpg","profile_banner_url":"https://example.org/profile_banners/`...)
	dst = append(dst, id...)
	dst = append(dst, `/1500000000","default_profile":true,"default_profile_image":false,"following":null,"follow_request_sent":null,"notifications":null}`...)
	return dst
}
