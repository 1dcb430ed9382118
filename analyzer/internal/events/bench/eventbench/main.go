// Command eventbench builds the event detector's benchmark from capture
// files and a spec, and scores an analyzer run on it (see package bench and
// docs/quality.md, "Events"):
//
//	go run ./analyzer/internal/events/bench/eventbench build -spec SPEC -data DIR -out BENCH
//	bin/analyzer run --input BENCH/capture.jsonl --maps=false --out OUT
//	go run ./analyzer/internal/events/bench/eventbench score -truth BENCH/truth.json -events OUT/events.ndjson
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/geostream/geostream/analyzer/internal/events/bench"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "eventbench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: eventbench build|score [flags]")
	}
	switch args[0] {
	case "build":
		fs := flag.NewFlagSet("build", flag.ContinueOnError)
		spec := fs.String("spec", "", "the spec (JSON)")
		data := fs.String("data", ".", "the directory the spec's files are relative to")
		out := fs.String("out", "", "write capture.jsonl, labels.tsv and truth.json here")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *spec == "" || *out == "" {
			return errors.New("build needs -spec and -out")
		}
		s, err := bench.LoadSpec(*spec)
		if err != nil {
			return err
		}
		return build(s, *data, *out, stdout)
	case "score":
		fs := flag.NewFlagSet("score", flag.ContinueOnError)
		truthPath := fs.String("truth", "", "the truth.json build wrote")
		eventsPath := fs.String("events", "", "the analyzer's events.ndjson")
		w := bench.Windows{}
		fs.DurationVar(&w.Batch, "batch", 10*time.Second, "the analyzer's --batch")
		fs.DurationVar(&w.Slide, "slide", 20*time.Second, "the analyzer's --slide")
		fs.DurationVar(&w.Window, "window", time.Minute, "the analyzer's --window")
		asJSON := fs.Bool("json", false, "print the figures as JSON")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *truthPath == "" || *eventsPath == "" {
			return errors.New("score needs -truth and -events")
		}
		return score(*truthPath, *eventsPath, w, *asJSON, stdout)
	}
	return fmt.Errorf("unknown command %q: want build or score", args[0])
}

func build(s *bench.Spec, data, out string, stdout io.Writer) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	capture, err := os.Create(filepath.Join(out, "capture.jsonl"))
	if err != nil {
		return err
	}
	defer capture.Close()
	labels, err := os.Create(filepath.Join(out, "labels.tsv"))
	if err != nil {
		return err
	}
	defer labels.Close()
	truth, err := bench.Build(s, data, capture, labels)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(truth, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "truth.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := capture.Close(); err != nil {
		return err
	}
	if err := labels.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d background posts, %d plants, in %s\n", truth.Background, len(truth.Plants), out)
	return nil
}

func score(truthPath, eventsPath string, w bench.Windows, asJSON bool, stdout io.Writer) error {
	b, err := os.ReadFile(truthPath)
	if err != nil {
		return err
	}
	var t bench.Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return fmt.Errorf("reading %s: %w", truthPath, err)
	}
	f, err := os.Open(eventsPath)
	if err != nil {
		return err
	}
	defer f.Close()
	evs, err := bench.ReadEvents(f)
	if err != nil {
		return err
	}
	rep := bench.Score(&t, evs, w)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(rep)
	}
	rep.Print(stdout)
	return nil
}
