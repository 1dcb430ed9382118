package cmdhelp

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestBind: a subcommand of a bound root reads and writes the Deps'
// streams, and its bad flag is a usage error.
func TestBind(t *testing.T) {
	var stdout, stderr bytes.Buffer
	d := Deps{Stdin: strings.NewReader("posts"), Stdout: &stdout, Stderr: &stderr}
	root := &cobra.Command{Use: "tool", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(&cobra.Command{Use: "echo", RunE: func(cmd *cobra.Command, _ []string) error {
		b, err := io.ReadAll(cmd.InOrStdin())
		cmd.Print(string(b))
		cmd.PrintErr("done")
		return err
	}})
	d.Bind(root)
	root.SetArgs([]string{"echo"})
	if err := root.Execute(); err != nil || stdout.String() != "posts" || stderr.String() != "done" {
		t.Fatalf("err %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	root.SetArgs([]string{"echo", "--nope"})
	var ue UsageError
	if err := root.Execute(); !errors.As(err, &ue) {
		t.Fatalf("a bad flag: %v (%T), not a usage error", err, err)
	}
}

func TestOS(t *testing.T) {
	t.Setenv("CMDHELP_TEST", "set")
	d := OS()
	if d.Stdin != os.Stdin || d.Stdout != os.Stdout || d.Stderr != os.Stderr || d.Getenv("CMDHELP_TEST") != "set" {
		t.Fatalf("not the process's own: %+v", d)
	}
}
