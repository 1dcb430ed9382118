package tweet

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendCompact appends t as the compact wire record
// {"id","created_at","lon","lat","text","lang","user","place"} without a
// newline, plus when they apply "rt" for retweets, "approx" for a place
// centre, "clock_skew" (see Tweet.ClockSkew), "user_location", "user_bio"
// and "user_name" for the author's profile, and "entities": an array of
// [kind, start, end, value], kind "link", "mention" or "tag", start and
// end byte offsets into text. Unlocated tweets carry null lon/lat.
func AppendCompact(dst []byte, t *Tweet) []byte {
	dst = append(dst, `{"id":`...)
	dst = AppendJSONString(dst, t.ID)
	if !t.CreatedAt.IsZero() {
		dst = append(dst, `,"created_at":"`...)
		dst = t.CreatedAt.UTC().AppendFormat(dst, time.RFC3339)
		dst = append(dst, '"')
	}
	if t.Located() {
		dst = append(dst, `,"lon":`...)
		dst = strconv.AppendFloat(dst, t.Lon, 'f', -1, 64)
		dst = append(dst, `,"lat":`...)
		dst = strconv.AppendFloat(dst, t.Lat, 'f', -1, 64)
		if t.Geo == GeoPlace {
			dst = append(dst, `,"approx":true`...)
		}
	} else {
		dst = append(dst, `,"lon":null,"lat":null`...)
	}
	dst = append(dst, `,"text":`...)
	dst = AppendJSONString(dst, t.Text)
	dst = append(dst, `,"lang":`...)
	dst = AppendJSONString(dst, t.Lang)
	dst = append(dst, `,"user":`...)
	dst = AppendJSONString(dst, t.User)
	dst = append(dst, `,"place":`...)
	dst = AppendJSONString(dst, t.Place)
	if t.UserLocation != "" {
		dst = append(dst, `,"user_location":`...)
		dst = AppendJSONString(dst, t.UserLocation)
	}
	if t.UserBio != "" {
		dst = append(dst, `,"user_bio":`...)
		dst = AppendJSONString(dst, t.UserBio)
	}
	if t.UserName != "" {
		dst = append(dst, `,"user_name":`...)
		dst = AppendJSONString(dst, t.UserName)
	}
	if t.Retweet {
		dst = append(dst, `,"rt":true`...)
	}
	if t.ClockSkew {
		dst = append(dst, `,"clock_skew":true`...)
	}
	if len(t.Entities) > 0 && utf8.ValidString(t.Text) { // offsets into text as written, U+FFFD and all
		dst = append(dst, `,"entities":[`...)
		for i, e := range t.Entities {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `["`...)
			dst = append(dst, e.Kind.String()...)
			dst = append(dst, `",`...)
			dst = strconv.AppendInt(dst, int64(e.Start), 10)
			dst = append(dst, ',')
			dst = strconv.AppendInt(dst, int64(e.End), 10)
			dst = append(dst, ',')
			dst = AppendJSONString(dst, e.Value)
			dst = append(dst, ']')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// so the output is always valid JSON.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
