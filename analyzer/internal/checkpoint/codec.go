// Package checkpoint is the binary layout of the analyzer's checkpoints:
// an Encoder appends values to a byte slice, a Decoder reads them back in
// the same order. It is written by hand rather than with encoding/gob,
// which spends most of a checkpoint's time in reflection: a checkpoint is
// written after every window and must cost little beside the window.
//
// A Decoder never panics and never allocates more than its input could
// hold, whatever it is given: the first value that does not fit sets Err,
// and every read after it returns a zero value.
package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// ErrDamaged is what a Decoder reports for input that does not hold what
// was asked.
var ErrDamaged = errors.New("cut short or damaged")

// Encoder appends values to B.
type Encoder struct{ B []byte }

func (e *Encoder) Uint(v uint64) { e.B = binary.AppendUvarint(e.B, v) }
func (e *Encoder) Int(v int64)   { e.B = binary.AppendVarint(e.B, v) }
func (e *Encoder) Bool(v bool) {
	if v {
		e.B = append(e.B, 1)
	} else {
		e.B = append(e.B, 0)
	}
}
func (e *Encoder) Float64(v float64) {
	e.B = binary.LittleEndian.AppendUint64(e.B, math.Float64bits(v))
}
func (e *Encoder) Float32(v float32) {
	e.B = binary.LittleEndian.AppendUint32(e.B, math.Float32bits(v))
}
func (e *Encoder) String(s string) {
	e.Uint(uint64(len(s)))
	e.B = append(e.B, s...)
}
func (e *Encoder) Bytes(b []byte) {
	e.Uint(uint64(len(b)))
	e.B = append(e.B, b...)
}

// Time keeps the instant, in nanoseconds since 1970 (UTC when read back),
// and whether it is the zero time.
func (e *Encoder) Time(t time.Time) {
	e.Bool(t.IsZero())
	if !t.IsZero() {
		e.Int(t.UnixNano())
	}
}

// Decoder reads values from B, in the order they were appended.
type Decoder struct {
	B   []byte
	Err error
}

func (d *Decoder) fail() {
	if d.Err == nil {
		d.Err = ErrDamaged
	}
	d.B = nil
}

func (d *Decoder) Uint() uint64 {
	v, n := binary.Uvarint(d.B)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.B = d.B[n:]
	return v
}

func (d *Decoder) Int() int64 {
	v, n := binary.Varint(d.B)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.B = d.B[n:]
	return v
}

func (d *Decoder) Bool() bool {
	if len(d.B) < 1 || d.B[0] > 1 {
		d.fail()
		return false
	}
	v := d.B[0] == 1
	d.B = d.B[1:]
	return v
}

func (d *Decoder) Float64() float64 {
	if len(d.B) < 8 {
		d.fail()
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.B))
	d.B = d.B[8:]
	return v
}

func (d *Decoder) Float32() float32 {
	if len(d.B) < 4 {
		d.fail()
		return 0
	}
	v := math.Float32frombits(binary.LittleEndian.Uint32(d.B))
	d.B = d.B[4:]
	return v
}

// Len reads a count of things each at least min bytes long, refusing one
// the rest of the input cannot hold.
func (d *Decoder) Len(min int) int {
	n := d.Uint()
	if d.Err != nil || n > uint64(len(d.B)/max(min, 1)) || min == 0 && n > 1<<30 {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *Decoder) String() string {
	n := d.Len(1)
	if d.Err != nil {
		return ""
	}
	s := string(d.B[:n])
	d.B = d.B[n:]
	return s
}

// Bytes returns the next byte string, which shares the input's memory.
func (d *Decoder) Bytes() []byte {
	n := d.Len(1)
	if d.Err != nil {
		return nil
	}
	b := d.B[:n:n]
	d.B = d.B[n:]
	return b
}

func (d *Decoder) Time() time.Time {
	if d.Bool() {
		return time.Time{}
	}
	return time.Unix(0, d.Int()).UTC()
}

// OpenState reads a whole saved state whose first number is its layout,
// and refuses one of a layout other than version.
func OpenState(r io.Reader, version uint64) (*Decoder, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	d := &Decoder{B: b}
	if v := d.Uint(); v != version {
		return nil, fmt.Errorf("a state of layout %d, not %d", v, version)
	}
	return d, nil
}
