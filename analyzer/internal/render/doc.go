// Package render draws a window's tweets on a world map as a PNG: the
// Natural Earth base map (embedded, rasterized once per region and size and
// cached), points coloured by cluster, and — with gonum/plot — the title,
// the lon/lat axes and a legend of each cluster's size and top keywords in
// a panel beside the map, so it never covers the data.
package render
