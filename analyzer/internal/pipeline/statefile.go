package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/geostream/geostream/analyzer/internal/checkpoint"
)

// stateFile is where a ChangeStater's state is kept: a file beside the
// checkpoint (Path.state.<n>) of records, each its length (a uvarint), its
// bytes and their CRC-32C: the state whole, then the changes of each
// checkpoint after it. The checkpoint names the file and how many of its
// bytes are its own: a record appended after them (by a checkpoint that a
// crash cut short) is not read, and the next checkpoint writes over it.
type stateFile struct {
	name  string // "" begins a new file at the next checkpoint
	size  int64  // the bytes of it the last checkpoint names
	whole int64  // its first record's
	buf   []byte // the record being written, kept while small
}

// stateChangeBudget is how many times the whole state the changes after
// it in a state file may be before a checkpoint begins a new file with
// the state whole again: a run that resumes reads at most that many times
// more than the state, and a file holds at most that much more.
const stateChangeBudget = 2

// stateFilePrefix is what the names of the checkpoint's state files start
// with: Path.state.<n>.
func (p *Pipeline) stateFilePrefix() string {
	return filepath.Base(p.opts.Checkpoint.Path) + ".state."
}

// outputStaters lists the outputs with a state, then the event detector
// if it has one, in the order a checkpoint keeps their states.
func (p *Pipeline) outputStaters() []OutputStater {
	var staters []OutputStater
	for _, o := range p.outputs {
		if s, ok := o.(OutputStater); ok {
			staters = append(staters, s)
		}
	}
	if d, ok := p.opts.Events.(OutputStater); ok {
		staters = append(staters, d)
	}
	return staters
}

// saveOutputState returns what the checkpoint keeps of the i-th of
// outputStaters: its state; or, for a ChangeStater, whose state or changes
// it appends to a state file, synced, the file's name and length. It says
// how many bytes went to a state file.
func (p *Pipeline) saveOutputState(i int, s OutputStater) ([]byte, int64, error) {
	cs, ok := s.(ChangeStater)
	if !ok {
		var b bytes.Buffer
		if err := s.SaveState(&b); err != nil {
			return nil, 0, err
		}
		return b.Bytes(), 0, nil
	}
	for len(p.stateFiles) <= i {
		p.stateFiles = append(p.stateFiles, stateFile{})
	}
	sf := &p.stateFiles[i]
	begin := sf.name == "" || sf.size-sf.whole > stateChangeBudget*sf.whole
	save := cs.SaveChanges
	if begin {
		save = cs.SaveState
	}
	b := bytes.NewBuffer(sf.buf[:0])
	err := save(b)
	sf.buf = keepBuffer(b.Bytes())
	if err != nil {
		sf.name = "" // what changed since may be lost: the next is whole
		return nil, 0, err
	}
	name, off := sf.name, sf.size
	if begin {
		if name, err = p.newStateFileName(); err != nil {
			sf.name = ""
			return nil, 0, fmt.Errorf("naming a state file of the checkpoint: %w", err)
		}
		off = 0
		p.ckptFiles.files[name] = true // removed once no checkpoint names it
	}
	rec := b.Bytes()
	head := binary.AppendUvarint(nil, uint64(len(rec)))
	sum := binary.LittleEndian.AppendUint32(nil, crc32.Checksum(rec, castagnoli))
	dir := filepath.Dir(p.opts.Checkpoint.Path)
	err = appendFile(filepath.Join(dir, name), off, begin, func(w io.Writer) error {
		for _, part := range [][]byte{head, rec, sum} {
			if _, err := w.Write(part); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && begin {
		err = syncDir(dir) // the new file's name is on disk before a checkpoint names it
	}
	if err != nil {
		sf.name = ""
		return nil, 0, fmt.Errorf("writing a state file of the checkpoint: %w", err)
	}
	n := int64(len(head) + len(rec) + len(sum))
	if begin {
		sf.name, sf.whole = name, n
	}
	sf.size = off + n
	var e checkpoint.Encoder
	e.String(sf.name)
	e.Int(sf.size)
	return e.B, n, nil
}

// newStateFileName returns a name for a new state file that no file
// beside the checkpoint has.
func (p *Pipeline) newStateFileName() (string, error) {
	bf := &p.ckptFiles
	if bf.nextState == 0 {
		names, err := p.listCheckpointFiles()
		if err != nil {
			return "", err
		}
		bf.nextState = 1
		for _, n := range names {
			if rest, ok := strings.CutPrefix(n, p.stateFilePrefix()); ok {
				if v, err := strconv.ParseInt(rest, 10, 64); err == nil && v >= bf.nextState {
					bf.nextState = v + 1
				}
			}
		}
	}
	name := p.stateFilePrefix() + strconv.FormatInt(bf.nextState, 10)
	bf.nextState++
	return name, nil
}

// loadOutputState loads s, one of outputStaters, from what a checkpoint
// kept of it; for a ChangeStater, from its state file, whose name it
// returns.
func (p *Pipeline) loadOutputState(s OutputStater, saved []byte, refuse func(string, ...any) error) (string, error) {
	cs, ok := s.(ChangeStater)
	if !ok {
		if err := s.LoadState(bytes.NewReader(saved)); err != nil {
			return "", refuse("does not fit an output: %v", err)
		}
		return "", nil
	}
	d := &checkpoint.Decoder{B: saved}
	name, size := d.String(), d.Int()
	if d.Err != nil || len(d.B) != 0 || name != filepath.Base(name) || !strings.HasPrefix(name, p.stateFilePrefix()) {
		return "", refuse("is damaged: it names no state file")
	}
	data, err := readStateFile(filepath.Join(filepath.Dir(p.opts.Checkpoint.Path), name), size)
	if errors.Is(err, fs.ErrNotExist) {
		return "", refuse("needs the state file %s, which is missing", name)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || size <= 0 {
		return "", refuse("needs %d bytes of the state file %s, which is cut short", size, name)
	}
	if err != nil {
		return "", fmt.Errorf("reading the checkpoint's state file: %w", err)
	}
	for first := true; len(data) > 0; first = false {
		n, k := binary.Uvarint(data)
		if k <= 0 || n > uint64(len(data)-k) || uint64(len(data)-k)-n < 4 {
			return "", refuse("needs the state file %s, which is damaged", name)
		}
		rec, rest := data[k:k+int(n)], data[k+int(n):]
		if crc32.Checksum(rec, castagnoli) != binary.LittleEndian.Uint32(rest) {
			return "", refuse("needs the state file %s, which is damaged (a checksum differs)", name)
		}
		load := cs.LoadChanges
		if first {
			load = cs.LoadState
		}
		if err := load(bytes.NewReader(rec)); err != nil {
			return "", refuse("does not fit an output: %v", err)
		}
		data = rest[4:]
	}
	return name, nil
}

// readStateFile reads the first size bytes of a state file, and no more:
// what a checkpoint cut short by a crash appended after them is not its
// own. A file shorter than size is io.ErrUnexpectedEOF.
func readStateFile(path string, size int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if size > st.Size() {
		return nil, io.ErrUnexpectedEOF
	}
	data := make([]byte, max(size, 0))
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, err
	}
	return data, nil
}
