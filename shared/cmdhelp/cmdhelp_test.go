package cmdhelp

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestGroupedHelp(t *testing.T) {
	cmd := &cobra.Command{Use: "run", Run: func(*cobra.Command, []string) {}}
	f := cmd.Flags()
	f.String("input", "", "read this capture")
	f.String("connect", "127.0.0.1:9999", "scraper address")
	f.Int("k", 15, "clusters")
	f.Bool("verbose", false, "say more")
	cmd.MarkFlagRequired("input")
	Apply(cmd, []Group{{"Model flags", []string{"k"}}, {"Input flags", []string{"connect", "input"}}})
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	model, input, other := strings.Index(s, "Model flags:"), strings.Index(s, "Input flags:"), strings.Index(s, "Other flags:")
	if model < 0 || input < model || other < input {
		t.Fatalf("groups missing or out of order:\n%s", s)
	}
	if c, i := strings.Index(s, "--connect"), strings.Index(s, "--input"); !(input < c && c < i && i < other) {
		t.Fatalf("flags not in their group's order:\n%s", s)
	}
	if !strings.Contains(s, "read this capture (required)") || !strings.Contains(s[other:], "--verbose") {
		t.Fatalf("required flag not marked, or an ungrouped flag lost:\n%s", s)
	}
	if strings.Count(s, "--k ") != 1 {
		t.Fatalf("a flag shown twice:\n%s", s)
	}
}

func TestIsUsage(t *testing.T) {
	cmd := &cobra.Command{Use: "run", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error { return nil }}
	cmd.Flags().String("input", "", "")
	cmd.Flags().String("connect", "", "")
	cmd.MarkFlagsMutuallyExclusive("input", "connect")
	for _, args := range [][]string{{"--input", "a", "--connect", "b"}, {"extra"}} {
		cmd.SetArgs(args)
		cmd.SetOut(new(bytes.Buffer))
		cmd.SetErr(new(bytes.Buffer))
		if err := cmd.Execute(); !IsUsage(err) {
			t.Errorf("%v: %v is not taken for a usage error", args, err)
		}
	}
	if IsUsage(nil) || IsUsage(bytes.ErrTooLarge) {
		t.Error("an ordinary error taken for a usage error")
	}
}
