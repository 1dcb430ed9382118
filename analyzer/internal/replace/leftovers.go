package replace

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// RemoveLeftovers removes the temporary files File left beside path when
// its process was killed while it wrote.
func RemoveLeftovers(path string) error {
	prefix := "." + filepath.Base(path) + "."
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if _, herr := hex.DecodeString(rest); ok && herr == nil && len(rest) == 16 && e.Type().IsRegular() {
			errs = append(errs, os.Remove(filepath.Join(filepath.Dir(path), e.Name())))
		}
	}
	return errors.Join(errs...)
}
