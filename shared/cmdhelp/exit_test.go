package cmdhelp

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/spf13/cobra"
)

type addrError struct{}

func (addrError) Error() string { return "no port" }
func (addrError) Usage() bool   { return true }

type notUsage struct{}

func (notUsage) Error() string { return "connection refused" }
func (notUsage) Usage() bool   { return false }

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"none", nil, 0},
		{"a usage error", Usagef("--k must be positive"), 2},
		{"a usage error wrapped", fmt.Errorf("run: %w", UsageError{errors.New("bad flag")}), 2},
		{"cobra's refusal", errors.New("required flag(s) \"input\" not set"), 2},
		{"an error that says it is about the command line", fmt.Errorf("reading: %w", addrError{}), 2},
		{"an error that says it is not", notUsage{}, 1},
		{"anything else", errors.New("disk full"), 1},
	}
	for _, tc := range tests {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("%s: exit %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestMain runs a command as a main would: its error is one line named
// after it, and the exit code follows the error.
func TestMain(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		out  string
		code int
	}{
		{"success", nil, "", 0},
		{"a usage error", Usagef("--k must be positive"), "tool: --k must be positive\n", 2},
		{"a failure", errors.New("disk full"), "tool: disk full\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			root := &cobra.Command{Use: "tool", SilenceUsage: true, SilenceErrors: true,
				RunE: func(cmd *cobra.Command, _ []string) error {
					if cmd.Context() == nil {
						t.Error("no context")
					}
					return tc.err
				}}
			root.SetErr(&stderr)
			if code := Main(root, nil); code != tc.code || stderr.String() != tc.out {
				t.Fatalf("exit %d, stderr %q", code, stderr.String())
			}
		})
	}
}

// TestFlagError: a flag that does not parse is a UsageError with cobra's
// own message, so the command exits 2; without FlagError cobra's error is
// none of the kinds ExitCode knows and the command would exit 1.
func TestFlagError(t *testing.T) {
	for _, args := range [][]string{{"--nope"}, {"--k", "many"}} {
		cmd := &cobra.Command{Use: "run", SilenceUsage: true, SilenceErrors: true, RunE: func(*cobra.Command, []string) error { return nil }}
		cmd.Flags().Int("k", 15, "clusters")
		var plain error
		cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
			plain = err
			return FlagError(c, err)
		})
		cmd.SetArgs(args)
		cmd.SetOut(new(bytes.Buffer))
		err := cmd.Execute()
		var ue UsageError
		if !errors.As(err, &ue) || ExitCode(err) != 2 {
			t.Fatalf("%v: %v (%T), exit %d: not a usage error", args, err, err, ExitCode(err))
		}
		if plain == nil || err.Error() != plain.Error() {
			t.Fatalf("%v: message %q, cobra said %v", args, err, plain)
		}
	}
}
