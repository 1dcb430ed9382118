package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/geostream/geostream/analyzer/internal/geo"
	"github.com/geostream/geostream/analyzer/internal/render"
)

// basemapDegrees is the grid the page's base map is rounded to (about a
// kilometre): finer than a disc's cell, and it drops most of the 1:50m
// coastline's points.
const basemapDegrees = 0.01

// basemap is the countries of the PNG maps as one GeoJSON MultiPolygon,
// gzipped once and kept: the page draws it under the discs.
var basemap = sync.OnceValues(func() ([]byte, error) {
	polys, err := render.Countries()
	if err != nil {
		return nil, fmt.Errorf("loading the base map: %w", err)
	}
	raw := basemapJSON(polys)
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(raw)
	zw.Close()
	return z.Bytes(), nil
})

// basemapJSON writes polygons as a GeoJSON MultiPolygon geometry, each
// point rounded to basemapDegrees, repeated points and rings of fewer than
// four points left out.
func basemapJSON(polys []geo.Polygon) []byte {
	b := make([]byte, 0, 1<<20)
	b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
	firstPoly := true
	for _, p := range polys {
		var rings [][][2]int64
		for _, r := range p {
			var out [][2]int64
			for _, pt := range r {
				q := [2]int64{int64(math.Round(pt[0] / basemapDegrees)), int64(math.Round(pt[1] / basemapDegrees))}
				if n := len(out); n > 0 && out[n-1] == q {
					continue
				}
				out = append(out, q)
			}
			if len(out) >= 4 {
				rings = append(rings, out)
			}
		}
		if len(rings) == 0 {
			continue
		}
		if !firstPoly {
			b = append(b, ',')
		}
		firstPoly = false
		b = append(b, '[')
		for i, r := range rings {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			for j, q := range r {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, '[')
				b = appendHundredths(b, q[0])
				b = append(b, ',')
				b = appendHundredths(b, q[1])
				b = append(b, ']')
			}
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	return append(b, "]}"...)
}

// appendHundredths writes h/100 with no trailing zeros.
func appendHundredths(b []byte, h int64) []byte {
	if h < 0 {
		b = append(b, '-')
		h = -h
	}
	b = strconv.AppendInt(b, h/100, 10)
	switch f := h % 100; {
	case f == 0:
	case f%10 == 0:
		b = append(b, '.')
		b = strconv.AppendInt(b, f/10, 10)
	case f < 10:
		b = append(b, '.', '0')
		b = strconv.AppendInt(b, f, 10)
	default:
		b = append(b, '.')
		b = strconv.AppendInt(b, f, 10)
	}
	return b
}
