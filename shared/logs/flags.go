package logs

import (
	"io"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/geostream/geostream/shared/cmdhelp"
)

// Flags are the --log-format and --log-level flags of both binaries.
type Flags struct {
	Format string // text or json
	Level  string // debug, info, warn or error
}

// Add adds --log-format (default text) and --log-level (default info) to
// fs, filling f.
func (f *Flags) Add(fs *pflag.FlagSet) {
	fs.StringVar(&f.Format, "log-format", "text", "log format: text or json")
	fs.StringVar(&f.Level, "log-level", "info", "log level: debug, info, warn, error")
}

// Logger returns the logger the flags ask for, writing to w; a value the
// flags do not take is a cmdhelp.UsageError.
func (f *Flags) Logger(w io.Writer) (*slog.Logger, error) {
	log, err := New(w, f.Format, f.Level)
	if err != nil {
		return nil, cmdhelp.UsageError{Err: err}
	}
	return log, nil
}
