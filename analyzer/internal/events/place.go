package events

import (
	"math"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

// cellDeg is a place cell's side in degrees.
const cellDeg = 0.5

// cell is a place cell: half a degree of latitude by half a degree of
// longitude (55 km by 55 km or less).
type cell struct{ i, j int32 }

// lonCells is how many cells go round a parallel.
const lonCells = int32(360 / cellDeg)

func cellOf(lon, lat float64) cell {
	j := int32(math.Floor(lon / cellDeg))
	return cell{int32(math.Floor(lat / cellDeg)), wrap(j)}
}

// wrap brings a column into [-lonCells/2, lonCells/2).
func wrap(j int32) int32 {
	j = (j + lonCells/2) % lonCells
	if j < 0 {
		j += lonCells
	}
	return j - lonCells/2
}

// near says whether d is within by cells of c, longitude wrapping at 180°.
func (c cell) near(d cell, by int32) bool {
	dj := wrap(c.j - d.j)
	return c.i-d.i >= -by && c.i-d.i <= by && dj >= -by && dj <= by
}

// block is a cell and its eight neighbours: a place, 150 km across or
// less.
func (c cell) block() [9]cell {
	var out [9]cell
	k := 0
	for di := int32(-1); di <= 1; di++ {
		for dj := int32(-1); dj <= 1; dj++ {
			out[k] = cell{c.i + di, wrap(c.j + dj)}
			k++
		}
	}
	return out
}

// cityLevel says whether p is on the map at the level of a city: a
// profile that names a country or a state says nothing of where
// something happened.
func cityLevel(p *model.Point) bool {
	return p.Located != tweet.GeoNone && p.Level == tweet.GeoCity
}

const earthKm = 6371.0

// centre returns the spherical mean of the posts' places and their
// root-mean-square distance from it in km, rounded.
func centre(ps []*model.Point) (lon, lat, radius float64) {
	var x, y, z float64
	units := make([][3]float64, 0, len(ps))
	for _, p := range ps {
		φ, λ := p.Lat*math.Pi/180, p.Lon*math.Pi/180
		sφ, cφ := math.Sincos(φ)
		sλ, cλ := math.Sincos(λ)
		u := [3]float64{cφ * cλ, cφ * sλ, sφ}
		x, y, z = x+u[0], y+u[1], z+u[2]
		units = append(units, u)
	}
	lon = math.Atan2(y, x) * 180 / math.Pi
	lat = math.Atan2(z, math.Hypot(x, y)) * 180 / math.Pi
	// The great-circle distance to each place from its chord: half the
	// chord is the sine of half the angle.
	n := math.Sqrt(x*x + y*y + z*z)
	x, y, z = x/n, y/n, z/n
	var ss float64
	for _, u := range units {
		dx, dy, dz := u[0]-x, u[1]-y, u[2]-z
		k := 2 * earthKm * math.Asin(math.Min(1, math.Sqrt(dx*dx+dy*dy+dz*dz)/2))
		ss += k * k
	}
	radius = math.Sqrt(ss / float64(len(ps)))
	return math.Round(lon*1e4) / 1e4, math.Round(lat*1e4) / 1e4, math.Round(radius*10) / 10
}
