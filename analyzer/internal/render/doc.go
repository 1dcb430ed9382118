// Package render draws a frame as a PNG: a window's tweets on a map, and
// nothing else (no files, no goroutines, no state across frames beyond a
// cache of base maps). A Frame goes in; Image returns the picture and
// Render encodes it into an io.Writer.
//
// The map is the embedded Natural Earth base map in an equirectangular
// projection. Its extent is the asked region widened to the canvas (the
// legend goes beside or below the map, whichever shows the region larger),
// so no band of the canvas is left blank. Tweets are drawn as discs whose
// area follows how many of a cluster's tweets stand in a place (or, with
// SizeByNone, as a dot each); those the gazetteer placed (from a profile
// or the text) are rings. The largest clusters, as many as the frame
// allows, get colours from a colour-blind-safe palette (Colors keeps them
// from frame to frame), their ids are written beside their largest disc,
// and the rest are grey. A frame's events are dashed rings as wide as
// their posts' spread, labelled "NEW: ..." in the window they began and
// "EVENT: ..." after, their labels placed first (events.go). The legend
// lists each coloured cluster's tweets and keywords, wrapped by whole
// words, the events, then how the tweets were located and the size key; the credits name Natural Earth and, when the gazetteer
// placed any tweet, GeoNames.
package render
