package spherical_test

import (
	"fmt"
	"math"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/spherical"
)

// at is a tweet of one word (a hashed bucket) at lon/lat.
func at(word uint32, lon, lat float64) spherical.Point {
	φ, λ := lat*math.Pi/180, lon*math.Pi/180
	return spherical.Point{
		Terms: []model.Term{{ID: word, W: 1}},
		Geo:   [3]float32{float32(math.Cos(φ) * math.Cos(λ)), float32(math.Cos(φ) * math.Sin(λ)), float32(math.Sin(φ))},
	}
}

// Two topics in two cities, four clusters: every topic and city gets one.
func Example() {
	m, err := spherical.New(spherical.Options{K: 4, Decay: 0.6, Buckets: 64, Text: 1, Geo: 2, MinInit: 8})
	if err != nil {
		panic(err)
	}
	var batch []spherical.Point
	for range 4 {
		batch = append(batch, at(1, -74, 40.7), at(2, -74, 40.7), at(1, 2.35, 48.85), at(2, 2.35, 48.85))
	}
	for range 5 {
		m.Update(batch)
	}
	nyRain, nyGame, parisRain := at(1, -74, 40.7), at(2, -74, 40.7), at(1, 2.35, 48.85)
	fmt.Println(m.Predict(&nyRain) != m.Predict(&nyGame), m.Predict(&nyRain) != m.Predict(&parisRain))
	again := at(1, -73.9, 40.8)
	fmt.Println(m.Predict(&again) == m.Predict(&nyRain))
	// Output:
	// true true
	// true
}
