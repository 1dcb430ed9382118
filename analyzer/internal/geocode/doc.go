// Package geocode places profile locations ("Brooklyn, NY", "London ON",
// "somewhere in Texas") and place names in tweet text on the map, using a
// GeoNames gazetteer embedded in the binary: 135k places of ≥ 1,000 people,
// their regions and counties, and the world's countries, with alternate
// names. Nothing is downloaded at run time.
//
// A Geocoder normalises a string (accents folded, case, punctuation and emoji
// as separators), splits it into a place and its qualifiers ("Paris, TX",
// "Toronto, Ontario, Canada", "Austin TX"), and picks the most populous
// match that lies in every qualifier. Region and country abbreviations ("NY",
// "ON", "FR") count only as qualifiers. Junk ("Earth", "everywhere", "in your
// heart", "she/her") is refused, and coordinates written in the string
// ("ÜT: 40.7,-74.0") are read as an exact point.
//
// How a tweet was located (point, place, profile, text) is the caller's to
// record; a Result says where and how precisely (city, region, country).
//
// Data: GeoNames (geonames.org), CC BY 4.0; see README.md in this directory.
package geocode
