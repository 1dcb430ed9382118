//go:build !unix

package output

import (
	"errors"
	"os"
)

var errLocked = errors.New("locked")

// flock does not lock where flock(2) does not exist: two analyzers on one
// output directory are not refused there.
func flock(*os.File) error { return nil }
