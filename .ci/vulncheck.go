//go:build ignore

// Command vulncheck reads govulncheck's JSON output (-format json) on
// standard input and lists the vulnerabilities the code reaches (symbol
// level: a vulnerable function is called). It exits 1 if any is in a
// module we require, since bumping that module fixes it. Vulnerabilities in
// the standard library are fixed by a newer Go toolchain, not by this
// repository's code: they are listed as warnings, and fail only with
// -stdlib=fail.
//
// Run it from the Makefile: go run .ci/vulncheck.go < govulncheck.json
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
}

type message struct {
	Config *struct {
		GoVersion string `json:"go_version"`
		DB        string `json:"db"`
	} `json:"config"`
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

type vuln struct {
	id, module, version, pkg, fixed string
}

func main() {
	stdlib := flag.String("stdlib", "warn", "what a reached standard-library vulnerability does: warn or fail")
	flag.Parse()
	if *stdlib != "warn" && *stdlib != "fail" {
		fmt.Fprintln(os.Stderr, "vulncheck: -stdlib must be warn or fail")
		os.Exit(2)
	}
	summaries := map[string]string{}
	reached := map[string]vuln{}
	goVersion, configs := "", 0
	dec := json.NewDecoder(os.Stdin)
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "vulncheck: reading govulncheck's output:", err)
			os.Exit(2)
		}
		switch {
		case m.Config != nil:
			configs++
			goVersion = m.Config.GoVersion
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0 && m.Finding.Trace[0].Function != "":
			f := m.Finding.Trace[0]
			reached[m.Finding.OSV+" "+f.Module] = vuln{m.Finding.OSV, f.Module, f.Version, f.Package, m.Finding.FixedVersion}
		}
	}
	if configs == 0 {
		fmt.Fprintln(os.Stderr, "vulncheck: no govulncheck output on standard input")
		os.Exit(2)
	}
	var list []vuln
	for _, v := range reached {
		list = append(list, v)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	failed, warned := 0, 0
	for _, v := range list {
		level := "FAIL"
		if v.module == "stdlib" && *stdlib == "warn" {
			level = "warn"
			warned++
		} else {
			failed++
		}
		fixed := v.fixed
		if fixed == "" {
			fixed = "no fixed version yet"
		}
		fmt.Printf("%s %s %s@%s (%s), fixed in %s: %s\n", level, v.id, v.module, v.version, v.pkg, fixed, summaries[v.id])
	}
	if warned > 0 {
		fmt.Printf("warn: %d vulnerabilities of the Go toolchain (%s) are reached; a newer toolchain fixes them\n", warned, goVersion)
	}
	if failed > 0 {
		fmt.Printf("FAIL: %d reached vulnerabilities\n", failed)
		os.Exit(1)
	}
	fmt.Println("vulncheck: no reached vulnerability in the modules we require")
}
