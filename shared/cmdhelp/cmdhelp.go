// Package cmdhelp is what the analyzer's and the scraper's command lines
// share. It prints a command's flags in groups by purpose (input, time,
// model, map, ...), as gh and kubectl do, instead of one alphabetical
// list, and marks the flags a command requires; it maps errors to exit
// codes (2 for a usage error); and it gives a command its process's
// streams and environment (Deps).
package cmdhelp

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Group is a titled set of flags, shown in the order given.
type Group struct {
	Title string
	Flags []string
}

// Apply makes cmd's help show its flags in groups; flags in no group come
// last, under "Other flags", and inherited flags after them. A flag marked
// required (cobra's MarkFlagRequired) says so.
func Apply(cmd *cobra.Command, groups []Group) {
	cmd.SetUsageFunc(func(c *cobra.Command) error {
		w := c.OutOrStderr()
		fmt.Fprintf(w, "Usage:\n  %s\n", c.UseLine())
		if c.HasExample() {
			fmt.Fprintf(w, "\nExamples:\n%s\n", c.Example)
		}
		fmt.Fprint(w, Format(c.LocalFlags(), groups))
		if c.HasAvailableInheritedFlags() {
			fmt.Fprintf(w, "\nGlobal flags:\n%s", c.InheritedFlags().FlagUsages())
		}
		return nil
	})
}

// Format renders fs in groups.
func Format(fs *pflag.FlagSet, groups []Group) string {
	var b strings.Builder
	shown := map[string]bool{}
	section := func(title string, names []string) {
		sub := pflag.NewFlagSet(title, pflag.ContinueOnError)
		for _, n := range names {
			f := fs.Lookup(n)
			if f == nil || f.Hidden || shown[n] {
				continue
			}
			shown[n] = true
			cp := *f
			if req, ok := f.Annotations[cobra.BashCompOneRequiredFlag]; ok && len(req) > 0 && req[0] == "true" {
				cp.Usage += " (required)"
			}
			sub.AddFlag(&cp)
		}
		if sub.HasFlags() {
			sub.SortFlags = false
			fmt.Fprintf(&b, "\n%s:\n%s", title, sub.FlagUsages())
		}
	}
	for _, g := range groups {
		section(g.Title, g.Flags)
	}
	var rest []string
	fs.VisitAll(func(f *pflag.Flag) { rest = append(rest, f.Name) })
	section("Other flags", rest)
	return b.String()
}

// cobraUsage are the starts of the errors cobra itself returns for a
// command line it refuses (its flag parse errors go through the command's
// flag error function instead).
var cobraUsage = []string{"required flag(s) ", "if any flags in the group ", "at least one of the flags in the group ",
	"unknown command ", "accepts ", "requires at least ", "requires at most ", "invalid argument "}

// IsUsage reports whether err is cobra's refusal of a command line: a
// missing required flag, flags that exclude each other, a wrong number of
// arguments. Commands exit 2 for those, as for their own usage errors.
func IsUsage(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	for _, p := range cobraUsage {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
