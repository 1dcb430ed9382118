package spherical

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
// word vectors learn online from the stream.
func (c *Clusterer) Stateful() error {
	if c.V.Online != nil {
		return errors.New("the spherical model with online word vectors (--embeddings-online) keeps no checkpoint")
	}
	return nil
}

// SaveState implements cluster.Stater: the cluster ids, the words'
// document frequencies (with --idf), and the model's sums, weights,
// waiting points and random source. The model does not hold the window's
// batches (it decays instead), so held is not needed to load it.
func (c *Clusterer) SaveState(w io.Writer) error {
	if err := c.Stateful(); err != nil {
		return err
	}
	pcg, err := c.core.pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("saving the model: %w", err)
	}
	e := checkpoint.Encoder{}
	e.Uint(stateVersion)
	c.lineage.EncodeState(&e)
	features.EncodeIDF(&e, c.feat.IDF)
	e.Bytes(pcg)
	c.core.encodeState(&e)
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
	lineage := model.NewSlots(c.core.k)
	if err := lineage.DecodeState(d); err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	idf, err := features.DecodeIDF(d, c.feat.IDF)
	if err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	pcg := d.Bytes()
	core, err := New(c.core.o)
	if err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	if err := core.decodeState(d); err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	if d.Err != nil || len(d.B) != 0 {
		return fmt.Errorf("loading the model: the state is %w", checkpoint.ErrDamaged)
	}
	if err := core.pcg.UnmarshalBinary(pcg); err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	c.core, c.lineage, c.feat.IDF, c.batch = core, lineage, idf, nil
	return nil
}

// encodeState appends the model's state but for its random source.
// Scratch space and the unit centres, which follow from the sums, are
// left out.
func (m *Model) encodeState(e *checkpoint.Encoder) {
	e.Uint(uint64(m.k))
	e.Uint(uint64(m.o.DenseDim))
	e.Bool(m.ready)
	for j := range m.k {
		e.Uint(uint64(m.gen[j]))
		e.Int(int64(m.from[j]))
		e.Float64(m.w[j])
		e.Float64(m.tscale[j])
		e.Float64(m.tnorm2[j])
		for _, v := range m.geo[j] {
			e.Float64(v)
		}
		for _, v := range m.dense[j] {
			e.Float64(v)
		}
		e.Uint(uint64(len(m.nz[j])))
		for _, h := range m.nz[j] {
			e.Uint(uint64(h))
			e.Float32(m.text[int(h)*m.k+j])
		}
	}
	e.Uint(uint64(len(m.pending)))
	for i := range m.pending {
		p := &m.pending[i]
		e.Uint(uint64(len(p.Terms)))
		for _, t := range p.Terms {
			e.Uint(uint64(t.ID))
			e.Float32(t.W)
		}
		e.Uint(uint64(len(p.Dense)))
		for _, v := range p.Dense {
			e.Float32(v)
		}
		for _, v := range p.Geo {
			e.Float32(v)
		}
	}
}

// decodeState reads what encodeState wrote into a model fresh from New
// with the same options.
func (m *Model) decodeState(d *checkpoint.Decoder) error {
	if k, dim := d.Uint(), d.Uint(); d.Err == nil && (k != uint64(m.k) || dim != uint64(m.o.DenseDim)) {
		return fmt.Errorf("the state has %d clusters of %d word-vector dimensions, the model %d of %d", k, dim, m.k, m.o.DenseDim)
	}
	buckets := uint64(m.o.Buckets)
	m.ready = d.Bool()
	for j := range m.k {
		m.gen[j] = uint32(d.Uint())
		m.from[j] = int(d.Int())
		if m.from[j] < -1 || m.from[j] >= m.k {
			return fmt.Errorf("cluster %d is split from no cluster", j)
		}
		m.w[j], m.tscale[j], m.tnorm2[j] = d.Float64(), d.Float64(), d.Float64()
		for i := range m.geo[j] {
			m.geo[j][i] = d.Float64()
		}
		for i := range m.dense[j] {
			m.dense[j][i] = d.Float64()
		}
		m.nz[j] = make([]uint32, d.Len(5))
		for i := range m.nz[j] {
			h := d.Uint()
			if h >= buckets {
				return fmt.Errorf("cluster %d has a word bucket out of range", j)
			}
			m.nz[j][i] = uint32(h)
			m.text[int(h)*m.k+j] = d.Float32()
		}
	}
	if n := d.Len(12); n > 0 {
		m.pending = make([]Point, n)
	}
	for i := range m.pending {
		p := &m.pending[i]
		if n := d.Len(5); n > 0 {
			p.Terms = make([]model.Term, n)
			for k := range p.Terms {
				id := d.Uint()
				if id >= buckets {
					return fmt.Errorf("a waiting post has a word bucket out of range")
				}
				p.Terms[k] = model.Term{ID: uint32(id), W: d.Float32()}
			}
		}
		if n := d.Len(4); n > 0 {
			if n != m.o.DenseDim {
				return fmt.Errorf("a waiting post has %d word-vector dimensions, not %d", n, m.o.DenseDim)
			}
			p.Dense = make([]float32, n)
			for k := range p.Dense {
				p.Dense[k] = d.Float32()
			}
		}
		for k := range p.Geo {
			p.Geo[k] = d.Float32()
		}
	}
	if d.Err != nil {
		return fmt.Errorf("the state is %w", d.Err)
	}
	m.refreshUnits()
	return nil
}
