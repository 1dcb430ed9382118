package geocode_test

import (
	"fmt"

	"github.com/geostream/geostream/analyzer/internal/geocode"
)

func Example() {
	gc, err := geocode.New(geocode.Options{})
	if err != nil {
		panic(err)
	}
	for _, loc := range []string{"Paris", "Paris, TX", "London ON", "somewhere in Texas", "Earth", "ÜT: 40.7,-74.0"} {
		r, ok := gc.Locate(loc)
		switch {
		case !ok:
			fmt.Printf("%-20s not located\n", loc)
		case r.Exact:
			fmt.Printf("%-20s point %.1f,%.1f\n", loc, r.Lon, r.Lat)
		default:
			fmt.Printf("%-20s %s (%s, %s)\n", loc, r.Name, r.Country, r.Level)
		}
	}
	if r, ok := gc.LocateText("just landed in São Paulo!"); ok {
		fmt.Println("text:", r.Name)
	}
	// Output:
	// Paris                Paris, Île-de-France, France (FR, city)
	// Paris, TX            Paris, Texas, United States (US, city)
	// London ON            London, Ontario, Canada (CA, city)
	// somewhere in Texas   Texas, United States (US, region)
	// Earth                not located
	// ÜT: 40.7,-74.0       point -74.0,40.7
	// text: São Paulo, Brazil
}
