package geocode

import (
	"math"
	"strings"
	"unicode/utf8"
)

// coord is one parsed coordinate: "40.7128", "-74.0", "40°42'46\"N", "74.0060° W".
type coord struct {
	v       float64
	hemi    byte // 'N', 'S', 'E', 'W' or 0
	precise bool // had decimals, a degree sign, minutes or a hemisphere
}

// parseCoords finds a latitude and longitude written in s: the first two
// coordinates in a row, separated by a comma, a slash or spaces ("ÜT:
// 40.7,-74.0", "iPhone: 51.5,-0.12", "40.7128° N, 74.0060° W",
// "40°42'46\"N 74°0'21\"W"). Without hemispheres the order is latitude,
// longitude. Bare integers ("Area 51, 2") and 0,0 (a GPS that had no fix) are
// not coordinates.
func parseCoords(s string) (lon, lat float64, ok bool) {
	digits := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	if digits < 2 {
		return 0, 0, false
	}
	for i := 0; i < len(s); i++ {
		if !startsNumber(s, i) && !(startsHemi(s, i) && (i == 0 || !isLetter(s[i-1]))) {
			continue
		}
		a, next, ok := parseCoord(s, i)
		if !ok {
			continue
		}
		j := next
		for j < len(s) && (s[j] == ' ' || s[j] == ',' || s[j] == '/' || s[j] == ';' || s[j] == '\t') {
			j++
		}
		if j == next || !startsNumber(s, j) && !startsHemi(s, j) {
			i = next - 1
			continue
		}
		b, end, ok := parseCoord(s, j)
		if !ok {
			i = next - 1
			continue
		}
		k := end
		for k < len(s) && (s[k] == ' ' || s[k] == ',' || s[k] == '/' || s[k] == ';') {
			k++
		}
		if !a.precise || !b.precise || startsNumber(s, k) {
			return 0, 0, false // a third number: a list, a version, a date
		}
		lat, lon = a.v, b.v
		switch {
		case (a.hemi == 'E' || a.hemi == 'W') && (b.hemi == 'N' || b.hemi == 'S' || b.hemi == 0):
			lat, lon = b.v, a.v
		case a.hemi != 0 && b.hemi != 0 && (a.hemi == 'N' || a.hemi == 'S') == (b.hemi == 'N' || b.hemi == 'S'):
			return 0, 0, false // two latitudes or two longitudes
		}
		if lat == 0 && lon == 0 || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
			return 0, 0, false
		}
		return lon, lat, true
	}
	return 0, 0, false
}

func startsNumber(s string, i int) bool {
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	} else if strings.HasPrefix(s[i:], "−") { // U+2212 minus sign
		i += len("−")
	}
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return false
	}
	return true
}

func startsHemi(s string, i int) bool {
	return i < len(s) && strings.IndexByte("NSEWnsew", s[i]) >= 0 && (i+1 >= len(s) || !isLetter(s[i+1])) &&
		startsNumber(s, skipSpaces(s, i+1))
}

// startsHemiLetter reports whether a lone hemisphere letter is at i.
func startsHemiLetter(s string, i int) bool {
	return i < len(s) && strings.IndexByte("NSEWnsew", s[i]) >= 0 && (i+1 >= len(s) || !isLetter(s[i+1]))
}

func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf }

// parseCoord reads one coordinate at i: an optional leading hemisphere, a
// signed number, optional degree sign, minutes and seconds, and an optional
// trailing hemisphere. It returns the index after it.
func parseCoord(s string, i int) (c coord, next int, ok bool) {
	if i < len(s) && strings.IndexByte("NSEWnsew", s[i]) >= 0 {
		c.hemi = upper(s[i])
		i = skipSpaces(s, i+1)
	}
	if i > 0 && s[i-1] >= '0' && s[i-1] <= '9' || i > 0 && isLetter(s[i-1]) && c.hemi == 0 {
		return c, i, false // inside a word or a longer number: "A380", "v2"
	}
	neg := false
	switch {
	case strings.HasPrefix(s[i:], "−"):
		neg, i = true, i+len("−")
	case s[i] == '-':
		neg, i = true, i+1
	case s[i] == '+':
		i++
	}
	deg, i, frac, ok := number(s, i)
	if !ok {
		return c, i, false
	}
	c.precise = frac
	if r, size := utf8.DecodeRuneInString(s[i:]); r == '°' || r == 'º' || r == '˚' {
		i += size
		c.precise = true
		if m, j, mfrac, ok := number(s, skipSpaces(s, i)); ok && m < 60 {
			if r, size := utf8.DecodeRuneInString(s[j:]); r == '\'' || r == '′' || r == '’' {
				i = j + size
				deg += m / 60
				if sec, j, _, ok := number(s, skipSpaces(s, i)); ok {
					if r, size := utf8.DecodeRuneInString(s[j:]); r == '"' || r == '″' || r == '”' {
						i = j + size
						deg += sec / 3600
					} else if strings.HasPrefix(s[j:], "''") {
						i = j + 2
						deg += sec / 3600
					}
				}
			} else if mfrac || startsHemiLetter(s, skipSpaces(s, j)) {
				// decimal minutes, as GPS units write them: "N 41° 00.606 W 073° 50.591"
				i = j
				deg += m / 60
			}
		}
	}
	if j := skipSpaces(s, i); c.hemi == 0 && j < len(s) && strings.IndexByte("NSEWnsew", s[j]) >= 0 &&
		(j+1 >= len(s) || !isLetter(s[j+1])) {
		c.hemi = upper(s[j])
		i = j + 1
	}
	if i < len(s) && isLetter(s[i]) {
		return c, i, false // "12.5km"
	}
	if c.hemi != 0 {
		c.precise = true
		if c.hemi == 'S' || c.hemi == 'W' {
			neg = !neg
		}
	}
	if neg {
		deg = -deg
	}
	c.v = deg
	return c, i, true
}

// number parses digits with an optional fraction: at most 3 integer digits.
func number(s string, i int) (v float64, next int, frac, ok bool) {
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		v = v*10 + float64(s[i]-'0')
		i++
	}
	if i == start || i-start > 3 {
		return 0, i, false, false
	}
	if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
		i++
		scale := 0.1
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			v += float64(s[i]-'0') * scale
			scale /= 10
			i++
		}
		frac = true
	}
	return v, i, frac, true
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
