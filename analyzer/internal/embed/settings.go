package embed

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/replace"
	"github.com/geostream/geostream/shared/field"
)

// Settings choose a model's word vectors: a file, or the built-in hashed
// vectors; either may be refined online from the stream's own words. The
// models that use word vectors (Spark's and spherical k-means) embed them
// in their options.
type Settings struct {
	// File is a word2vec, GloVe or fastText file ("": the built-in hashed
	// vectors).
	File string
	// Online refines the vectors with online skip-gram: on, off, or (unset)
	// as the model decides.
	Online Switch
	// Online's settings; Online.Seed is the model's seed.
	Opts OnlineOptions
	// Save, if set, is where the learnt vectors are written (word2vec
	// binary) every SaveEvery batches and at the end.
	Save      string
	SaveEvery int
}

// DefaultSaveEvery is how often, in batches, learnt vectors are saved.
const DefaultSaveEvery = 30

// DefaultSettings are the built-in vectors, with the online model's
// defaults should it be switched on.
func DefaultSettings() Settings {
	return Settings{Opts: DefaultOnlineOptions(), SaveEvery: DefaultSaveEvery}
}

// Flags registers the settings on fs.
func (s *Settings) Flags(fs *flag.FlagSet) {
	fs.StringVar(&s.File, "embeddings", s.File, "word vectors (word2vec binary/text, GloVe, fastText .vec; .gz ok); default: built-in hashed vectors")
	fs.Var(&s.Online, "embeddings-online", "refine word vectors from the stream with online skip-gram (default: on for the built-in vectors where the model uses them, off for a file)")
	o := &s.Opts
	fs.IntVar(&o.MaxPerBatch, "embed-batch-max", o.MaxPerBatch, "with --embeddings-online: most posts trained on per batch (spread evenly)")
	fs.IntVar(&o.VocabMax, "vocab-max", o.VocabMax, "with --embeddings-online: most words kept (the rarest are evicted)")
	fs.IntVar(&o.Window, "embed-window", o.Window, "with --embeddings-online: context words on each side")
	fs.IntVar(&o.Negative, "embed-negative", o.Negative, "with --embeddings-online: negative samples per word pair")
	fs.Float64Var(&o.LR, "embed-alpha", o.LR, "with --embeddings-online: learning rate")
	fs.Float64Var(&o.Subsample, "embed-sample", o.Subsample, "with --embeddings-online: subsampling threshold for frequent words (0: off)")
	fs.Float64Var(&o.CountDecay, "embed-count-decay", o.CountDecay, "with --embeddings-online: word counts are multiplied by this every batch; the rarest are evicted first")
	fs.StringVar(&s.Save, "embeddings-save", s.Save, "with --embeddings-online: write the learnt vectors here (word2vec binary) every 30 batches and at exit")
}

// Validate checks the settings.
func (s *Settings) Validate() error {
	o := s.Opts
	switch {
	case o.MaxPerBatch < 1 || o.VocabMax < 1:
		return field.Errorsf([]string{"MaxPerBatch", "VocabMax"}, "must be positive")
	case o.Window < 1 || o.Window > 50:
		return field.Errorf("EmbedWindow", "must be 1 to 50")
	case o.Negative < 1 || o.Negative > 100:
		return field.Errorf("Negative", "must be 1 to 100")
	case !(o.LR > 0 && o.LR <= 1):
		return field.Errorf("LR", "must be in (0, 1]")
	case !(o.CountDecay > 0 && o.CountDecay <= 1):
		return field.Errorf("CountDecay", "must be in (0, 1]")
	case !(o.Subsample >= 0 && o.Subsample < 1):
		return field.Errorf("Subsample", "must be in [0, 1)")
	case s.Save != "" && s.Online.Given && !s.Online.On:
		return field.Errorf("Save", "needs online learning")
	case s.SaveEvery < 1:
		return field.Errorf("SaveEvery", "must be positive")
	}
	return nil
}

// Vectors are the word vectors Settings built: Model to featurize with,
// and Online, if the vectors learn from the stream (then Model is Online).
type Vectors struct {
	Model  Model
	Online *Online
	// Log, if set, gets the errors of saving the vectors in the
	// background.
	Log       *slog.Logger
	path      string // where Save writes them, if anywhere
	saveEvery int
	batches   int
}

// Save writes the online vectors where the settings said, if anywhere.
func (v *Vectors) Save() error {
	if v.Online == nil || v.path == "" {
		return nil
	}
	if err := replace.File(v.path, v.Online.Save); err != nil {
		return fmt.Errorf("saving embeddings: %w", err)
	}
	return nil
}

// Learn starts the online vectors' training on a batch's words, in the
// background (the next batch waits for it), and saves them every
// SaveEvery batches. Without online vectors it does nothing.
func (v *Vectors) Learn(words [][]string) {
	if v.Online == nil {
		return
	}
	v.Online.Start(words)
	v.batches++
	if v.path != "" && v.batches%v.saveEvery == 0 {
		if err := v.Save(); err != nil && v.Log != nil {
			v.Log.Error("saving embeddings", "err", err) // training goes on
		}
	}
}

// SetSpawn gives the online vectors the function that starts their
// goroutines.
func (v *Vectors) SetSpawn(spawn func(func())) {
	if v.Online != nil {
		v.Online.SetSpawn(spawn)
	}
}

// Close waits for the online vectors' training and saves them a last
// time, if they are saved.
func (v *Vectors) Close() error {
	if v.Online == nil {
		return nil
	}
	v.Online.Wait()
	return v.Save()
}

// Owner is embedded in a model that owns word vectors (V): it gives the
// model the methods the pipeline and the command line look for.
type Owner struct{ V Vectors }

// Online returns the online word vectors, or nil.
func (o *Owner) Online() *Online { return o.V.Online }

// SetSpawn gives the online word vectors the function that starts their
// goroutines (pipeline.Spawner).
func (o *Owner) SetSpawn(spawn func(func())) { o.V.SetSpawn(spawn) }

// SetLogger sets where errors saving the word vectors are logged.
func (o *Owner) SetLogger(log *slog.Logger) { o.V.Log = log }

// Close waits for the online word vectors and saves them, if asked to.
func (o *Owner) Close() error { return o.V.Close() }

// LearnPosts starts the online word vectors' training on a batch's posts,
// each post's words a sentence (Vectors.Learn). Without online vectors
// it does nothing.
func (o *Owner) LearnPosts(batch []*model.Point) {
	if o.V.Online == nil {
		return
	}
	words := make([][]string, len(batch))
	for i, p := range batch {
		words[i] = p.AppendTokens(nil)
	}
	o.V.Learn(words)
}

// ErrSaveNeedsOnline is returned for a Save path without online learning.
var ErrSaveNeedsOnline = errors.New("embed: saving vectors needs online learning (--embeddings-online)")

// Build loads or makes the vectors. base are the built-in vectors the
// model wants when no File is given; online says whether, left unset,
// online learning is on.
func (s *Settings) Build(base Hashed, online bool, seed uint64) (Vectors, error) {
	v := Vectors{saveEvery: s.SaveEvery}
	var table *Table
	if s.File != "" {
		t, err := Load(s.File)
		if err != nil {
			return v, field.Errorf("File", "%v", err)
		}
		table, v.Model = t, t
		online = false
	} else {
		v.Model = base
	}
	if s.Online.Given {
		online = s.Online.On
	}
	if !online {
		if s.Save != "" {
			return v, ErrSaveNeedsOnline
		}
		return v, nil
	}
	opts := s.Opts
	if opts.Subsample == 0 {
		opts.Subsample = -1 // off; OnlineOptions reads 0 as its default
	}
	opts.Seed = seed
	if table != nil {
		v.Online = NewOnlineFrom(table, opts)
	} else {
		opts.Base = base
		v.Online = NewOnline(opts)
	}
	v.Model = v.Online
	v.path = s.Save
	return v, nil
}

// Switch is a boolean setting that may be left unset, for flags whose
// default depends on others.
type Switch struct{ Given, On bool }

// String implements flag.Value.
func (s *Switch) String() string {
	if s == nil || !s.Given {
		return ""
	}
	return strconv.FormatBool(s.On)
}

// Set implements flag.Value.
func (s *Switch) Set(v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return err
	}
	*s = Switch{Given: true, On: b}
	return nil
}

// IsBoolFlag lets the flag be given without a value.
func (s *Switch) IsBoolFlag() bool { return true }
