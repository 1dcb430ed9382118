package cmdhelp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// UsageError marks an error in a command line: a flag's value, a flag
// combination, an argument. The command exits 2 for it.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }

func (e UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError of a formatted message.
func Usagef(format string, args ...any) error { return UsageError{fmt.Errorf(format, args...)} }

// FlagError is a flag error function for cobra's SetFlagErrorFunc: it
// makes a flag that does not parse (unknown, or a value of the wrong kind)
// a UsageError, with cobra's message unchanged.
func FlagError(_ *cobra.Command, err error) error { return UsageError{err} }

// usage is what an error implements to say that it is about the command
// line: a command's own usage error type, or an error of a package below
// the command line (a --connect address without a port, found where the
// address is dialled).
type usage interface{ Usage() bool }

// ExitCode maps a command's error to the process's exit code: 0 for none;
// 2 for a usage error (a UsageError, cobra's refusal of the command line,
// or an error whose Usage method says it is one); 1 for anything else.
func ExitCode(err error) int {
	var ue UsageError
	var u usage
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue), IsUsage(err), errors.As(err, &u) && u.Usage():
		return 2
	default:
		return 1
	}
}

// Main executes root with args under a context that SIGINT and SIGTERM
// cancel, writes its error, if any, to root's error stream as one line
// "<name>: <error>", and returns the exit code (ExitCode). A command's
// main calls it and exits with what it returns.
func Main(root *cobra.Command, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintf(root.ErrOrStderr(), "%s: %v\n", root.Name(), err)
	}
	return ExitCode(err)
}
