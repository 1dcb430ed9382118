package lloyd

import (
	"bytes"
	"fmt"
	"io"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
	"github.com/geostream/geostream/analyzer/internal/model"
)

// stateVersion numbers the layout of a saved model; a model refuses a
// state of another.
const stateVersion = 2

// Stateful says whether the model's state can be saved: it can unless its
// word vectors learn online from the stream.
func (c *Clusterer) Stateful() error { return c.feat.Stateful() }

// SaveState implements cluster.Stater. Each window is clustered afresh,
// so all that lasts from window to window is where its ids start and
// what the features learn from the stream (the words' document
// frequencies, with --idf).
func (c *Clusterer) SaveState(w io.Writer) error {
	if err := c.Stateful(); err != nil {
		return err
	}
	var feat bytes.Buffer
	if err := c.feat.SaveState(&feat); err != nil {
		return err
	}
	var e checkpoint.Encoder
	e.Uint(stateVersion)
	e.Int(int64(c.next))
	e.Bytes(feat.Bytes())
	if _, err := w.Write(e.B); err != nil {
		return fmt.Errorf("saving the model: %w", err)
	}
	return nil
}

// LoadState implements cluster.Stater; the next window is clustered
// afresh, as it would have been. A state that does not fit is refused
// whole.
func (c *Clusterer) LoadState(r io.Reader, held [][]*model.Point) error {
	if err := c.Stateful(); err != nil {
		return err
	}
	d, err := checkpoint.OpenState(r, stateVersion)
	if err != nil {
		return fmt.Errorf("loading the model: %w", err)
	}
	next, feat := d.Int(), d.Bytes()
	if d.Err != nil || len(d.B) != 0 || next < 0 {
		return fmt.Errorf("loading the model: the state is %w", checkpoint.ErrDamaged)
	}
	if err := c.feat.LoadState(bytes.NewReader(feat), held); err != nil {
		return err
	}
	c.next, c.first, c.core = int(next), int(next), nil
	return nil
}
