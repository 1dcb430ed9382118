package lloyd

import (
	"errors"
	"fmt"
	"io"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
	"github.com/geostream/geostream/analyzer/internal/model"
)

// Stateful says whether the model's state can be saved: it can unless its
// words are weighted by the stream's document frequencies (IDF) or by
// word vectors, which learn from every post.
func (c *Clusterer) Stateful() error {
	if c.s.IDF || c.s.Dense > 0 {
		return errors.New("the lloyd model with --idf or --vector-weight keeps no checkpoint")
	}
	return nil
}

// SaveState implements cluster.Stater. Each window is clustered afresh,
// so all that lasts from window to window is where its ids start.
func (c *Clusterer) SaveState(w io.Writer) error {
	if err := c.Stateful(); err != nil {
		return err
	}
	var e checkpoint.Encoder
	e.Int(int64(c.next))
	_, err := w.Write(e.B)
	return err
}

// LoadState implements cluster.Stater; the next window is clustered
// afresh, as it would have been.
func (c *Clusterer) LoadState(r io.Reader, _ [][]*model.Point) error {
	if err := c.Stateful(); err != nil {
		return err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	d := &checkpoint.Decoder{B: b}
	next := d.Int()
	if d.Err != nil || len(d.B) != 0 || next < 0 {
		return fmt.Errorf("loading the model: the state is %w", checkpoint.ErrDamaged)
	}
	c.next, c.first, c.core = int(next), int(next), nil
	return nil
}
