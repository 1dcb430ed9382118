package cli

import (
	"fmt"
	"log/slog"
	"math"
	"strings"

	"github.com/geostream/geostream/analyzer/internal/cluster"
	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/features"
	"github.com/geostream/geostream/analyzer/internal/geocode"
	"github.com/geostream/geostream/analyzer/internal/kmeans"
	"github.com/geostream/geostream/analyzer/internal/replace"
	"github.com/geostream/geostream/analyzer/internal/spherical"
	"github.com/spf13/pflag"
)

// modelOptions are the clustering flags shared by run and eval.
type modelOptions struct {
	cluster    cluster.Options
	kmeans     string
	sph        spherical.Options
	vecWeight  float64
	hashtag    float64
	unit       string
	init       string
	profile    string
	halfLife   float64
	embeddings string
	exclude    string
	idf        bool
	online     bool
	vocabMax   int
	batchMax   int
	onlineOpts embed.OnlineOptions // window, negatives, rate, sampling, decay
	save       string
	log        *slog.Logger
}

func addModelFlags(f *pflag.FlagSet, o *modelOptions) {
	c := &o.cluster
	*c = cluster.DefaultOptions()
	f.IntVar(&c.K, "k", c.K, "number of clusters")
	f.Float64Var(&c.Decay, "decay", c.Decay, "forgetfulness: weight kept per time unit (1 = remember everything)")
	f.Float64Var(&o.halfLife, "half-life", 0, "instead of --decay: time units after which a weight has halved")
	f.StringVar(&o.unit, "time-unit", "batches", "what --decay is per: batches or points")
	f.StringVar(&o.init, "init", "", "initial centres: kmeans++ (on the first batch) or random (numpy randn, as PySpark); default kmeans++, random for --profile seed")
	f.Uint32Var(&c.Seed, "seed", c.Seed, "random seed for the initial centres")
	f.IntVar(&c.Keywords, "keywords", c.Keywords, "keywords shown per cluster: the words that most set it apart from the rest of the window")
	f.BoolVar(&c.Mentions, "keyword-mentions", false, "let @mentions be keywords")
	f.StringVar(&o.exclude, "exclude-words", "", "comma-separated words never shown as keywords (e.g. the tracked terms)")
	f.StringVar(&o.profile, "profile", "default", "features: default (weighted text + unit-sphere location) or seed (the original's [lon, lat, word vector], with --kmeans spark)")
	f.StringVar(&o.kmeans, "kmeans", "spherical", "streaming k-means: spherical (cosines of TF-IDF words, word vectors and place; see README) or spark (Euclidean, Spark MLlib's exact update)")
	f.Float64Var(&c.Features.TextWeight, "text-weight", features.DefaultTextWeight, "weight of the words: their TF-IDF cosine (spherical) or word-vector part (spark)")
	f.Float64Var(&o.vecWeight, "vector-weight", cluster.DefaultVectorWeight, "spherical: weight of the cosine of the tweets' mean word vectors (0: no word vectors)")
	f.Float64Var(&c.Features.GeoWeight, "geo-weight", cluster.DefaultGeoWeight, fmt.Sprintf("weight of the place (%g with --kmeans spark)", features.DefaultGeoWeight))
	o.sph = spherical.DefaultOptions()
	f.IntVar(&o.sph.Iterations, "iterations", o.sph.Iterations, "spherical: assignment passes per batch, each against the centres the batch has moved")
	f.Float64Var(&o.sph.Reassign, "reassign", o.sph.Reassign, "spherical: re-seed a cluster whose weight falls below this share of the largest")
	f.Float64Var(&o.hashtag, "hashtag-weight", cluster.DefaultHashtagWeight, "spherical: a hashtag weighs this many times a word")
	f.Float64Var(&o.sph.MaxShare, "max-share", o.sph.MaxShare, "spherical: split a cluster that takes more than this share of a batch")
	f.BoolVar(&o.idf, "idf", false, "weight words by inverse document frequency in the stream (off for the spherical model, on for --kmeans spark)")
	f.BoolVar(&o.online, "embeddings-online", false, "refine word vectors from the stream with online skip-gram; unset, on when the built-in vectors are used (--vector-weight above 0, or --kmeans spark), off for an --embeddings file and for --profile seed")
	od := embed.DefaultOnlineOptions()
	f.IntVar(&o.batchMax, "embed-batch-max", od.MaxPerBatch, "with --embeddings-online: most tweets trained on per batch (spread evenly)")
	f.IntVar(&o.vocabMax, "vocab-max", od.VocabMax, "with --embeddings-online: most words kept (the rarest are evicted)")
	on := &o.onlineOpts
	f.IntVar(&on.Window, "embed-window", od.Window, "with --embeddings-online: context words on each side")
	f.IntVar(&on.Negative, "embed-negative", od.Negative, "with --embeddings-online: negative samples per word pair")
	f.Float64Var(&on.LR, "embed-alpha", od.LR, "with --embeddings-online: learning rate")
	f.Float64Var(&on.Subsample, "embed-sample", od.Subsample, "with --embeddings-online: subsampling threshold for frequent words (0: off)")
	f.Float64Var(&on.CountDecay, "embed-count-decay", od.CountDecay, "with --embeddings-online: word counts are multiplied by this every batch; the rarest are evicted first")
	f.StringVar(&o.save, "embeddings-save", "", "with --embeddings-online: write the learnt vectors here (word2vec binary) every 30 batches and at exit")
	f.StringVar(&o.embeddings, "embeddings", "", "word vectors (word2vec binary/text, GloVe, fastText .vec; .gz ok); default: built-in hashed vectors")
}

// build validates the flags and returns the model. onlineSet says whether
// --embeddings-online was given explicitly.
func (o *modelOptions) build(flags *pflag.FlagSet) (*cluster.Model, error) {
	c := &o.cluster
	switch {
	case o.profile != string(features.Default) && o.profile != string(features.Seed):
		return nil, usagef("--profile must be default or seed, not %q", o.profile)
	case o.kmeans != "spherical" && o.kmeans != "spark":
		return nil, usagef("--kmeans must be spherical or spark, not %q", o.kmeans)
	case o.profile == string(features.Seed) && o.kmeans == "spherical" && flags.Changed("kmeans"):
		return nil, usagef("--profile seed is Spark's model: it needs --kmeans spark")
	case o.profile == string(features.Seed):
		o.kmeans = "spark"
	}
	sph := o.kmeans == "spherical"
	if sph {
		for _, name := range []string{"init", "time-unit"} {
			if flags.Changed(name) {
				return nil, usagef("--%s is for --kmeans spark", name)
			}
		}
	} else {
		if !flags.Changed("geo-weight") {
			c.Features.GeoWeight = features.DefaultGeoWeight
		}
		if !flags.Changed("idf") {
			o.idf = true
		}
	}
	if !flags.Changed("embeddings-online") {
		o.online = o.embeddings == "" && o.profile != string(features.Seed) && (!sph || o.vecWeight > 0)
	}
	c.Unit = kmeans.TimeUnit(o.unit)
	c.Features.Profile = features.Profile(o.profile)
	switch {
	case o.init != "":
		c.Init = cluster.Init(o.init)
	case c.Features.Profile == features.Seed:
		c.Init = cluster.InitRandom
	default:
		c.Init = cluster.InitKMeansPP
	}
	if o.halfLife < 0 {
		return nil, usagef("--half-life must be positive")
	}
	if o.halfLife > 0 {
		c.Decay = kmeans.DecayForHalfLife(o.halfLife)
	}
	for _, w := range strings.Split(o.exclude, ",") {
		if w = strings.TrimSpace(w); w != "" {
			c.Exclude = append(c.Exclude, w)
		}
	}
	switch {
	case o.embeddings != "":
		t, err := embed.Load(o.embeddings)
		if err != nil {
			return nil, usagef("--embeddings: %v", err)
		}
		c.Features.Embed = t
	case c.Features.Profile == features.Seed:
		// The original used 100-dimensional word2vec vectors: 2 + 100 = 102.
		c.Features.Embed = embed.Hashed{D: 100, NNZ: embed.DefaultHashed.NNZ, Seed: embed.DefaultHashed.Seed}
	default:
		c.Features.Embed = embed.DefaultHashed
	}
	if o.save != "" && !o.online {
		return nil, usagef("--embeddings-save needs --embeddings-online")
	}
	if o.batchMax < 1 || o.vocabMax < 1 {
		return nil, usagef("--embed-batch-max and --vocab-max must be positive")
	}
	if opts := o.onlineOpts; opts.Window < 1 || opts.Window > 50 || opts.Negative < 1 || opts.Negative > 100 {
		return nil, usagef("--embed-window must be 1 to 50 and --embed-negative 1 to 100")
	}
	if opts := o.onlineOpts; !(opts.LR > 0 && opts.LR <= 1) || !(opts.CountDecay > 0 && opts.CountDecay <= 1) || !(opts.Subsample >= 0 && opts.Subsample < 1) {
		return nil, usagef("--embed-alpha and --embed-count-decay must be in (0, 1], --embed-sample in [0, 1)")
	}
	if o.online {
		opts := o.onlineOpts
		if opts.Subsample == 0 {
			opts.Subsample = -1 // off; OnlineOptions reads 0 as its default
		}
		opts.VocabMax, opts.MaxPerBatch, opts.Seed = o.vocabMax, o.batchMax, uint64(c.Seed)
		if t, ok := c.Features.Embed.(*embed.Table); ok {
			c.Online = embed.NewOnlineFrom(t, opts)
		} else if h, ok := c.Features.Embed.(embed.Hashed); ok {
			opts.Base = h
			c.Online = embed.NewOnline(opts)
		}
		c.Features.Embed = c.Online
		if o.save != "" {
			path, log := o.save, o.log
			c.Save = func(m *embed.Online) error {
				if err := saveAtomic(path, m); err != nil {
					if log != nil {
						log.Error("saving embeddings", "err", err)
					}
					return err
				}
				return nil
			}
			c.SaveEvery = 30
		}
	}
	if o.idf && c.Features.Profile == features.Default {
		c.Features.IDF = features.NewIDF(features.DefaultIDFBuckets)
	}
	if sph {
		if o.vecWeight < 0 || math.IsNaN(o.vecWeight) {
			return nil, usagef("--vector-weight must not be negative")
		}
		so := o.sph
		so.Text, so.Dense, so.Geo = c.Features.TextWeight, o.vecWeight, c.Features.GeoWeight
		c.Spherical = &so
		c.Sparse = features.Sparse{IDF: c.Features.IDF, Buckets: spherical.DefaultBuckets, Hashtag: o.hashtag}
		if o.vecWeight > 0 {
			c.Sparse.Embed = c.Features.Embed
		}
	}
	m, err := cluster.New(*c)
	if err != nil {
		return nil, flagError(err)
	}
	return m, nil
}

func saveAtomic(path string, m *embed.Online) error {
	if err := replace.File(path, m.Save); err != nil {
		return fmt.Errorf("saving embeddings: %w", err)
	}
	return nil
}

// locateOptions are the flags that say how tweets are located, shared by
// run and eval.
type locateOptions struct {
	methods, level string
}

func addLocateFlags(f *pflag.FlagSet, o *locateOptions) {
	f.StringVar(&o.methods, "locate", "point,place,profile,text",
		"how tweets may be located, tried in this order: point (GPS), place (the tagged place), profile (the author's profile location, by the GeoNames gazetteer), text (a city named in the tweet)")
	f.StringVar(&o.level, "locate-level", "city", "coarsest location inferred from a profile or text that is mapped: city, region or country")
}

// policy parses the flags.
func (o *locateOptions) policy() (*geocode.Policy, error) {
	p, err := geocode.ParsePolicy(o.methods, o.level)
	if err != nil {
		return nil, usagef("--locate/--locate-level: %v", err)
	}
	if !p.Point && !p.Place && !p.Infers() {
		return nil, usagef("--locate names no way to locate a tweet")
	}
	return &p, nil
}
