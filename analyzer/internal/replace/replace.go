// Package replace writes files that readers may open at any moment (maps,
// checkpoints, word vectors): each is written beside its path and renamed
// over it, so a reader sees the old file or the new one, never half of one.
package replace

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// File writes a file through write into a temporary file beside path
// and renames it over path, so readers never see a half-written file. The
// file gets the permissions os.Create would give it (0666 less the umask),
// so maps can be served or shared like any other file.
func File(path string, write func(io.Writer) error) error {
	tmp, err := createTemp(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// createTemp creates a new hidden file beside path. Unlike os.CreateTemp,
// whose files are private (0600), it lets the umask decide.
func createTemp(path string) (*os.File, error) {
	var b [8]byte
	for range 100 {
		rand.Read(b[:])
		name := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+hex.EncodeToString(b[:]))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, errors.New("no free temporary name")
}
