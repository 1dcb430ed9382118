package cmdhelp

import (
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Deps are what a command needs from its process: its standard streams
// and environment, replaceable in tests.
type Deps struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// OS returns the process's own Deps: os.Stdin, os.Stdout, os.Stderr and
// os.Getenv.
func OS() Deps {
	return Deps{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// Bind makes root and its subcommands read d.Stdin and write d.Stdout and
// d.Stderr, and makes a flag that does not parse a UsageError (FlagError).
func (d Deps) Bind(root *cobra.Command) {
	root.SetIn(d.Stdin)
	root.SetOut(d.Stdout)
	root.SetErr(d.Stderr)
	root.SetFlagErrorFunc(FlagError)
}
