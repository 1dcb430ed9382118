package cli

import (
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/field"
)

// flagOf maps the options' Go field names, as the packages' Validate
// methods report them, to the flags that set them.
var flagOf = map[string]string{
	// window.Config, pipeline.Options
	"Batch": "--batch", "Window": "--window", "Slide": "--slide",
	"Clock": "--clock", "Lateness": "--lateness", "Locate": "--locate", "StatsInterval": "--stats-interval",
	// cluster.Options, features.Extractor, spherical.Options
	"K": "--k", "Decay": "--decay", "Unit": "--time-unit", "Init": "--init", "Keywords": "--keywords",
	"Profile": "--profile", "TextWeight": "--text-weight", "GeoWeight": "--geo-weight",
	"Text": "--text-weight", "Dense": "--vector-weight", "Geo": "--geo-weight",
	"Iterations": "--iterations", "Reassign": "--reassign", "MaxShare": "--max-share",
	"HalfLife": "--half-life", "Hashtag": "--hashtag-weight", "IDF": "--idf", "Passes": "--passes", "Seed": "--seed",
	// dmm.Options
	"Alpha": "--alpha", "Beta": "--beta", "Sweeps": "--sweeps", "HashtagWeight": "--hashtag-weight",
	"Cell": "--geo-cell", "CoarseCell": "--geo-coarse-cell", "Memory": "--memory", "Revive": "--revive",
	// embed.Settings
	"File": "--embeddings", "Save": "--embeddings-save", "MaxPerBatch": "--embed-batch-max", "VocabMax": "--vocab-max",
	"EmbedWindow": "--embed-window", "Negative": "--embed-negative", "LR": "--embed-alpha", "Subsample": "--embed-sample",
	"CountDecay": "--embed-count-decay",
	// output.MapsOptions
	"Box": "--bbox", "Width": "--width", "Height": "--height", "Keep": "--keep", "SizeBy": "--size-by",
}

// flagError is a usage error for a package's complaint about an option,
// naming the flag rather than the field.
func flagError(err error) error { return cmdhelp.UsageError{Err: field.Rename(err, flagOf)} }

// Flag groups for the help of run and eval, by purpose.
var (
	inputFlags = cmdhelp.Group{Title: "Input flags", Flags: []string{"input", "connect", "labels", "ignore-label",
		"max-line", "once"}}
	natsFlags = cmdhelp.Group{Title: "NATS JetStream flags", Flags: []string{"nats", "nats-durable", "nats-start",
		"nats-subject", "nats-ack-wait", "nats-creds", "nats-tls-ca", "nats-tls-cert", "nats-tls-key", "nats-tls-server-name"}}
	connectionFlags = cmdhelp.Group{Title: "Connection flags", Flags: []string{"token", "tls-ca", "tls-server-name"}}
	timeFlags       = cmdhelp.Group{Title: "Time flags", Flags: []string{"clock", "batch", "window", "slide", "lateness"}}
	locateFlags     = cmdhelp.Group{Title: "Location flags", Flags: []string{"locate", "locate-level"}}
	modelFlags      = cmdhelp.Group{Title: "Model flags", Flags: []string{"model", "k", "decay", "half-life",
		"text-weight", "geo-weight", "vector-weight", "hashtag-weight", "idf", "alpha", "beta", "sweeps", "gibbs",
		"geo-cell", "geo-coarse-cell", "memory", "revive", "iterations", "reassign", "max-share",
		"passes", "profile", "init", "time-unit", "seed", "kmeans", "baseline"}}
	keywordFlags = cmdhelp.Group{Title: "Keyword flags", Flags: []string{"keywords", "keyword-mentions", "exclude-words"}}
	vectorFlags  = cmdhelp.Group{Title: "Word vector flags", Flags: []string{"embeddings", "embeddings-online", "embeddings-save",
		"vocab-max", "embed-batch-max", "embed-window", "embed-negative", "embed-alpha", "embed-sample", "embed-count-decay"}}
	mapFlags    = cmdhelp.Group{Title: "Map flags", Flags: []string{"maps", "region", "bbox", "width", "height", "size-by", "keep"}}
	outputFlags = cmdhelp.Group{Title: "Output flags", Flags: []string{"out", "fresh", "keep-runs", "assignments", "quiet",
		"http", "http-linger", "http-windows", "metrics-addr", "stats-interval", "heap-headroom"}}
)
