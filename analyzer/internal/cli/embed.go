package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/replace"
	"github.com/geostream/geostream/shared/cmdhelp"
)

func newEmbedCmd(d Deps, lo *logOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "embed",
		Short: "Train and inspect word2vec models",
	}
	cmd.AddCommand(newEmbedTrainCmd(d), newEmbedNeighboursCmd(d))
	return cmd
}

func newEmbedTrainCmd(d Deps) *cobra.Command {
	var corpus, out string
	var asText, inMemory bool
	o := embed.TrainOptions{}
	cmd := &cobra.Command{
		Use:   "train --corpus FILE --out model.bin",
		Short: "Train a word2vec model (skip-gram, negative sampling) on plain text, text8 or NDJSON tweets",
		Example: `  analyzer embed train --corpus text8 --out text8.bin
  analyzer embed train --corpus capture.jsonl.gz --out tweets.bin --dim 64 --epochs 10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if corpus == "" || out == "" {
				return cmdhelp.Usagef("embed train needs --corpus and --out")
			}
			if o.Dim > embed.MaxDim || o.Dim < 0 || o.Window < 0 || o.Negative < 0 || o.Epochs < 0 || o.Threads < 0 || o.Threads > 256 {
				return cmdhelp.Usagef("--dim, --window, --negative, --epochs and --threads must be positive (dim at most %d)", embed.MaxDim)
			}
			f, err := os.Open(corpus)
			if err != nil {
				return cmdhelp.Usagef("--corpus: %v", err)
			}
			readStart := time.Now()
			var c *embed.Corpus
			if st, serr := f.Stat(); serr == nil && !st.Mode().IsRegular() && !inMemory {
				// A pipe or device cannot be read again for the next epoch.
				fmt.Fprintf(d.Stderr, "corpus: %s is not a regular file; holding it in memory\n", corpus)
				inMemory = true
			}
			if inMemory {
				c, err = embed.ReadCorpus(f, o.MinCount)
				f.Close()
			} else {
				f.Close()
				c, err = embed.OpenCorpus(func() (io.ReadCloser, error) { return os.Open(corpus) }, o.MinCount)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(d.Stderr, "corpus: %d words, vocabulary %d (min count %d), read in %v\n",
				c.Tokens(), len(c.Words), o.MinCount, time.Since(readStart).Round(time.Millisecond))
			start := time.Now()
			o.Progress = func(done, total int64, el time.Duration) {
				rate := float64(done) / el.Seconds()
				eta := time.Duration(float64(total-done) / max(rate, 1) * float64(time.Second))
				fmt.Fprintf(d.Stderr, "\rtraining: %5.1f%%  %8.0f words/s  ETA %v   ", 100*float64(done)/float64(total), rate, eta.Round(time.Second))
			}
			m, err := embed.Train(cmd.Context(), c, o)
			fmt.Fprintln(d.Stderr)
			if err != nil {
				return err
			}
			if el := time.Since(start).Seconds(); el > 0 {
				// Raw words, as word2vec counts; gensim counts the words
				// left after subsampling.
				o.Defaults()
				n := float64(m.Trained)
				eff := c.Effective(o.Subsample) * n / float64(c.Tokens())
				fmt.Fprintf(d.Stderr, "trained on %.0f words (%.0f after subsampling) in %v: %.0f words/s, %.0f effective words/s\n",
					n, eff, time.Since(start).Round(time.Millisecond), n/el, eff/el)
			}
			err = replace.File(out, func(w io.Writer) error {
				if asText {
					return embed.WriteText(w, m.Words, m.Vectors)
				}
				return embed.WriteBinary(w, m.Words, m.Vectors)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(d.Stdout, "%s: %d words × %d dimensions\n", out, len(m.Words), o.Dim)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&corpus, "corpus", "", "training text: plain, text8 (one line) or NDJSON posts; .gz/.bz2 ok")
	f.StringVar(&out, "out", "", "model file to write (word2vec binary format)")
	f.BoolVar(&asText, "text", false, "write word2vec's text format instead")
	f.BoolVar(&inMemory, "in-memory", false, "hold the corpus in memory as word ids (4 bytes a word) instead of reading the file again every epoch")
	f.BoolVar(&o.PerPairNegatives, "per-pair-negatives", false, "draw negatives for every (context, word) pair, as word2vec does, instead of once per word for its window (slower)")
	f.IntVar(&o.Dim, "dim", 100, "vector size")
	f.IntVar(&o.Window, "window", 5, "context window")
	f.IntVar(&o.Negative, "negative", 5, "negative samples")
	f.IntVar(&o.MinCount, "min-count", 5, "ignore rarer words")
	f.IntVar(&o.Epochs, "epochs", 5, "passes over the corpus")
	f.IntVar(&o.Threads, "threads", 2, "worker threads (1 gives reproducible vectors)")
	f.Float64Var(&o.Alpha, "alpha", 0.025, "starting learning rate (decays linearly)")
	f.Float64Var(&o.Subsample, "sample", 1e-3, "subsampling threshold for frequent words (negative: off)")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed")
	return cmd
}

func newEmbedNeighboursCmd(d Deps) *cobra.Command {
	var n int
	cmd := &cobra.Command{
		Use:     "neighbours MODEL WORD...",
		Aliases: []string{"neighbors"},
		Short:   "Print each word's nearest words in a model, by cosine similarity",
		Example: "  analyzer embed neighbours text8.bin storm game",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := embed.Load(args[0])
			if err != nil {
				return cmdhelp.UsageError{Err: err}
			}
			var missing []string
			for _, w := range args[1:] {
				words, sims, err := embed.Neighbours(t, w, n)
				if err != nil {
					fmt.Fprintln(d.Stderr, err)
					missing = append(missing, w)
					continue
				}
				fmt.Fprintf(d.Stdout, "%s:\n", w)
				for i := range words {
					fmt.Fprintf(d.Stdout, "  %-20s %.3f\n", words[i], sims[i])
				}
			}
			if len(missing) > 0 {
				return fmt.Errorf("not in %s: %s", args[0], strings.Join(missing, ", "))
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&n, "n", 10, "how many neighbours")
	return cmd
}
