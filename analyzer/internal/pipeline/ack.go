package pipeline

// acks keeps, for the batches not yet done, the lowest line number in
// each: the lines below the lowest of them, up to the newest line
// entered, are done.
type acks struct {
	to    Acker
	first map[int64]uint64 // batch index → lowest line number in it
	last  uint64           // highest line number entered
	acked uint64
}

func newAcks(src any) *acks {
	a, ok := src.(Acker)
	if !ok {
		return nil
	}
	return &acks{to: a, first: make(map[int64]uint64)}
}

// enter records that line seq went into batch.
func (a *acks) enter(batch int64, seq uint64) {
	a.last = max(a.last, seq)
	if f, ok := a.first[batch]; !ok || seq < f {
		a.first[batch] = seq
	}
}

// done records that every batch below index below is done, and acks what
// that finishes.
func (a *acks) done(below int64) {
	through := a.last
	for i, f := range a.first {
		if i < below {
			delete(a.first, i)
		} else {
			through = min(through, f-1)
		}
	}
	if through > a.acked {
		a.acked = through
		a.to.Ack(through)
	}
}
