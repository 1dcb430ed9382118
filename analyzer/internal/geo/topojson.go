// Package geo holds the map geometry: a TopoJSON decoder for the embedded
// Natural Earth base map, named regions and the equirectangular projection.
package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Ring is a closed loop of [lon, lat] points.
type Ring [][2]float64

// Polygon is an outer ring and its holes.
type Polygon []Ring

// ErrTopoJSON is wrapped by every decoding error.
var ErrTopoJSON = errors.New("geo: bad TopoJSON")

type topology struct {
	Type      string `json:"type"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][]float64              `json:"arcs"`
	Objects map[string]json.RawMessage `json:"objects"`
}

type geometry struct {
	Type       string          `json:"type"`
	Arcs       json.RawMessage `json:"arcs"`
	Geometries []geometry      `json:"geometries"`
}

// DecodeTopoJSON returns the polygons of the named object of a TopoJSON
// topology (Polygon, MultiPolygon or a GeometryCollection of them; other
// geometry types are skipped).
func DecodeTopoJSON(data []byte, object string) ([]Polygon, error) {
	var t topology
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTopoJSON, err)
	}
	if t.Type != "Topology" {
		return nil, fmt.Errorf("%w: type %q is not Topology", ErrTopoJSON, t.Type)
	}
	raw, ok := t.Objects[object]
	if !ok {
		return nil, fmt.Errorf("%w: no object %q", ErrTopoJSON, object)
	}
	arcs, err := decodeArcs(&t)
	if err != nil {
		return nil, err
	}
	var g geometry
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("%w: object %q: %v", ErrTopoJSON, object, err)
	}
	var out []Polygon
	if err := collect(&g, arcs, &out, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// decodeArcs undoes quantization and delta encoding.
func decodeArcs(t *topology) ([]Ring, error) {
	out := make([]Ring, len(t.Arcs))
	for i, arc := range t.Arcs {
		var x, y float64
		ring := make(Ring, 0, len(arc))
		for _, p := range arc {
			if len(p) < 2 {
				return nil, fmt.Errorf("%w: arc %d has a point with %d coordinates", ErrTopoJSON, i, len(p))
			}
			px, py := p[0], p[1]
			if tr := t.Transform; tr != nil {
				x += px
				y += py
				px, py = x*tr.Scale[0]+tr.Translate[0], y*tr.Scale[1]+tr.Translate[1]
			}
			if math.IsNaN(px) || math.IsNaN(py) || math.IsInf(px, 0) || math.IsInf(py, 0) {
				return nil, fmt.Errorf("%w: arc %d has a non-finite point", ErrTopoJSON, i)
			}
			ring = append(ring, [2]float64{px, py})
		}
		out[i] = ring
	}
	return out, nil
}

func collect(g *geometry, arcs []Ring, out *[]Polygon, depth int) error {
	if depth > 32 {
		return fmt.Errorf("%w: geometry collections nested too deep", ErrTopoJSON)
	}
	switch g.Type {
	case "GeometryCollection":
		for i := range g.Geometries {
			if err := collect(&g.Geometries[i], arcs, out, depth+1); err != nil {
				return err
			}
		}
	case "Polygon":
		var rings [][]int
		if err := json.Unmarshal(g.Arcs, &rings); err != nil {
			return fmt.Errorf("%w: polygon arcs: %v", ErrTopoJSON, err)
		}
		p, err := polygon(rings, arcs)
		if err != nil {
			return err
		}
		*out = append(*out, p)
	case "MultiPolygon":
		var polys [][][]int
		if err := json.Unmarshal(g.Arcs, &polys); err != nil {
			return fmt.Errorf("%w: multipolygon arcs: %v", ErrTopoJSON, err)
		}
		for _, rings := range polys {
			p, err := polygon(rings, arcs)
			if err != nil {
				return err
			}
			*out = append(*out, p)
		}
	}
	return nil
}

func polygon(rings [][]int, arcs []Ring) (Polygon, error) {
	var p Polygon
	for _, idxs := range rings {
		var ring Ring
		for k, i := range idxs {
			rev := i < 0
			if rev {
				i = ^i
			}
			if i >= len(arcs) {
				return nil, fmt.Errorf("%w: arc index %d out of range", ErrTopoJSON, i)
			}
			arc := arcs[i]
			start := len(ring)
			if rev {
				for j := len(arc) - 1; j >= 0; j-- {
					ring = append(ring, arc[j])
				}
			} else {
				ring = append(ring, arc...)
			}
			if k > 0 && start > 0 && len(ring) > start {
				// Consecutive arcs share their joining point.
				ring = append(ring[:start], ring[start+1:]...)
			}
		}
		if len(ring) >= 3 {
			p = append(p, ring)
		}
	}
	return p, nil
}
