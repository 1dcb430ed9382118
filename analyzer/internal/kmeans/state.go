package kmeans

import (
	"errors"
	"fmt"
	"io"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
	"github.com/geostream/geostream/analyzer/internal/features"
	"github.com/geostream/geostream/analyzer/internal/model"
)

// stateVersion numbers the layout of a saved model; a model refuses a
// state of another.
const stateVersion = 1

// Stateful says whether the model's state can be saved: it can unless its
// word vectors learn online from the stream (--embeddings-online, on by
// default with the built-in vectors).
func (c *Clusterer) Stateful() error {
	if c.V.Online != nil {
		return errors.New("the spark model with online word vectors keeps no checkpoint (--embeddings-online=false makes one that does)")
	}
	return nil
}

// SaveState implements cluster.Stater: the cluster ids, the words'
// document frequencies (with --idf), the random source, the points
// waiting to seed the model, and the centres with their weights. The
// model does not hold the window's batches (it decays instead), so held
// is not needed to load it.
func (c *Clusterer) SaveState(w io.Writer) error {
	if err := c.Stateful(); err != nil {
		return err
	}
	var e checkpoint.Encoder
	e.Uint(stateVersion)
	c.lineage.EncodeState(&e)
	features.EncodeIDF(&e, c.feat.IDF)
	for _, v := range c.rng.mt {
		e.Uint(uint64(v))
	}
	e.Int(int64(c.rng.i))
	e.Bool(c.rng.hasGauss)
	e.Float64(c.rng.gauss)
	e.Uint(uint64(c.feat.Dim()))
	e.Uint(uint64(len(c.pending)))
	for _, row := range c.pending {
		for _, v := range row {
			e.Float64(v)
		}
	}
	e.Bool(c.km != nil)
	if c.km != nil {
		e.Uint(uint64(c.km.K()))
		for j, row := range c.km.Centers {
			for _, v := range row {
				e.Float64(v)
			}
			e.Float64(c.km.Weights[j])
			e.Uint(uint64(c.km.gen[j]))
			e.Int(int64(c.km.from[j]))
		}
	}
	if _, err := w.Write(e.B); err != nil {
		return fmt.Errorf("saving the model: %w", err)
	}
	return nil
}

// LoadState implements cluster.Stater on a model fresh from NewClusterer
// with the same settings. A state that does not fit is refused whole: the
// model is then as NewClusterer made it.
func (c *Clusterer) LoadState(r io.Reader, _ [][]*model.Point) error {
	if err := c.Stateful(); err != nil {
		return err
	}
	d, err := checkpoint.OpenState(r, stateVersion)
	if err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	lineage := model.NewSlots(c.s.K)
	if err := lineage.DecodeState(d); err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	idf, err := features.DecodeIDF(d, c.feat.IDF)
	if err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	rng := &RandomState{}
	for i := range rng.mt {
		rng.mt[i] = uint32(d.Uint())
	}
	rng.i, rng.hasGauss, rng.gauss = int(d.Int()), d.Bool(), d.Float64()
	if rng.i < 0 || rng.i > len(rng.mt) {
		return fmt.Errorf("loading the model: the random source is %w", checkpoint.ErrDamaged)
	}
	dim := c.feat.Dim()
	if got := d.Uint(); d.Err == nil && got != uint64(dim) {
		return fmt.Errorf("loading the model: points of %d dimensions, the model's have %d", got, dim)
	}
	var pending [][]float64
	if n := d.Len(8 * dim); n > 0 {
		pending = make([][]float64, n)
		for i := range pending {
			pending[i] = make([]float64, dim)
			for k := range pending[i] {
				pending[i][k] = d.Float64()
			}
		}
	}
	var km *Model
	if d.Bool() {
		if k := d.Uint(); d.Err == nil && k != uint64(c.s.K) {
			return fmt.Errorf("loading the model: %d clusters, the model has %d", k, c.s.K)
		}
		centers, weights := make([][]float64, c.s.K), make([]float64, c.s.K)
		gen, from := make([]uint32, c.s.K), make([]int, c.s.K)
		for j := range centers {
			centers[j] = make([]float64, dim)
			for k := range centers[j] {
				centers[j][k] = d.Float64()
			}
			weights[j], gen[j], from[j] = d.Float64(), uint32(d.Uint()), int(d.Int())
			if from[j] < -1 || from[j] >= c.s.K {
				return fmt.Errorf("loading the model: cluster %d is split from no cluster", j)
			}
		}
		if d.Err == nil {
			if km, err = New(centers, 1, c.s.Decay, c.s.Unit); err != nil {
				return fmt.Errorf("loading the model: %w", err)
			}
			km.Weights, km.gen, km.from = weights, gen, from
		}
	}
	if d.Err != nil || len(d.B) != 0 {
		return fmt.Errorf("loading the model: the state is %w", checkpoint.ErrDamaged)
	}
	c.lineage, c.feat.IDF, c.rng, c.pending, c.km = lineage, idf, rng, pending, km
	c.fast = centres32{}
	if km != nil {
		c.fast = newCentres32(km)
	}
	return nil
}
