package cli

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/geostream/geostream/analyzer/internal/cluster"
	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/geocode"
	"github.com/geostream/geostream/analyzer/internal/spherical"
	"github.com/geostream/geostream/shared/cmdhelp"
)

// modelOptions are the clustering flags shared by run and eval: the
// model's name, what every model shares (keywords, examples, how many
// clusters a map shows), and every algorithm's own settings, which the
// algorithms declare themselves (cluster.Algorithms) and which are applied
// to the chosen one once the command line is parsed.
type modelOptions struct {
	name     string // --model
	alias    string // --kmeans, the name it had before
	baseline string // eval's --baseline, likewise
	cluster  cluster.Options
	show     int // --k
	exclude  string
	settings map[string]*setting
	log      *slog.Logger
}

// sharedUsage is the help of the settings several models have, in words
// that hold for each of them.
var sharedUsage = map[string]string{
	"seed":           "random seed of the model's random choices",
	"geo-weight":     "how much a post's place counts against its words",
	"hashtag-weight": "how many words a hashtag counts for",
	"decay":          "forgetfulness: weight kept per batch (1 = remember everything)",
	"half-life":      "instead of --decay: batches after which a weight has halved",
	"text-weight":    "how much a post's words count",
	"idf":            "weight words by inverse document frequency in the stream",
}

// setting is an algorithm's setting as given on the command line, kept as
// text until the chosen algorithm parses it.
type setting struct {
	value  string
	given  bool
	kind   string
	models []string
}

func (s *setting) String() string { return s.value }
func (s *setting) Type() string   { return s.kind }
func (s *setting) Set(v string) error {
	s.value, s.given = v, true
	return nil
}

// kindOf names a standard library flag's type as pflag's help shows it.
func kindOf(v flag.Value) string {
	if b, ok := v.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return "bool"
	}
	switch k := strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", v), "*flag."), "Value"); k {
	case "int", "uint", "int64", "uint64", "duration":
		return k
	case "float64":
		return "float"
	}
	return "string"
}

func addModelFlags(f *pflag.FlagSet, o *modelOptions) {
	o.cluster = cluster.DefaultOptions()
	var names []string
	for _, a := range cluster.Algorithms() {
		names = append(names, a.Name)
	}
	f.StringVar(&o.name, "model", cluster.DefaultAlgorithm(), "the clustering model: "+strings.Join(names, ", ")+" (see docs/quality.md)")
	f.StringVar(&o.alias, "kmeans", "", "the model's name before --model: spherical or spark")
	f.IntVar(&o.show, "k", spherical.DefaultK, "clusters the maps colour and label, the largest (the rest are grey); the k-means models hold this many clusters, dmm finds its own number")
	f.IntVar(&o.cluster.Keywords, "keywords", o.cluster.Keywords, "keywords shown per cluster: the words that most set it apart from the rest of the window")
	f.BoolVar(&o.cluster.Mentions, "keyword-mentions", false, "let @mentions be keywords")
	f.StringVar(&o.exclude, "exclude-words", "", "comma-separated words never shown as keywords (e.g. the tracked terms)")
	// Every algorithm's settings, each flag once: its help from the first
	// algorithm that has it, with each model's default where they differ.
	o.settings = map[string]*setting{}
	type decl struct {
		usage, kind string
		defaults    []string // "model default"
		def         string
	}
	decls := map[string]*decl{}
	var order []string
	for _, a := range cluster.Algorithms() {
		fs := flag.NewFlagSet(a.Name, flag.ContinueOnError)
		a.Settings().Flags(fs)
		fs.VisitAll(func(fl *flag.Flag) {
			if fl.Name == "k" {
				return // --k above
			}
			d := decls[fl.Name]
			if d == nil {
				d = &decl{usage: fl.Usage, kind: kindOf(fl.Value), def: fl.DefValue}
				decls[fl.Name] = d
				order = append(order, fl.Name)
				o.settings[fl.Name] = &setting{kind: d.kind}
			}
			d.defaults = append(d.defaults, a.Name+" "+fl.DefValue)
			if fl.DefValue != d.def {
				d.def = "\x00" // they differ
			}
			o.settings[fl.Name].models = append(o.settings[fl.Name].models, a.Name)
		})
	}
	for _, name := range order {
		d, s := decls[name], o.settings[name]
		usage := d.usage
		if u, ok := sharedUsage[name]; ok && len(s.models) > 1 {
			usage = u
		}
		if len(s.models) < len(cluster.Algorithms()) {
			usage += " [" + strings.Join(s.models, ", ") + "]"
		}
		if d.def == "\x00" {
			usage += " (default: " + strings.Join(d.defaults, ", ") + ")"
		}
		fl := f.VarPF(s, name, "", usage)
		if d.def != "\x00" && d.def != "0" && d.def != "false" {
			fl.DefValue = d.def
		}
		if d.kind == "bool" {
			fl.NoOptDefVal = "true"
		}
	}
}

// modelName is the model the flags choose.
func (o *modelOptions) modelName(flags *pflag.FlagSet) (string, error) {
	name := o.name
	given := flags.Changed("model")
	for _, alias := range []struct{ flag, value string }{{"kmeans", o.alias}, {"baseline", o.baseline}} {
		if flags.Lookup(alias.flag) == nil || !flags.Changed(alias.flag) {
			continue
		}
		if given && alias.value != name {
			return "", cmdhelp.Usagef("--%s %s and --model %s: give one", alias.flag, alias.value, name)
		}
		name, given = alias.value, true
	}
	if p := o.settings["profile"]; p != nil && p.given && !given {
		name = "spark" // --profile seed is Spark's model
	}
	return name, nil
}

// build validates the flags and returns the model.
func (o *modelOptions) build(flags *pflag.FlagSet) (*cluster.Model, error) {
	name, err := o.modelName(flags)
	if err != nil {
		return nil, err
	}
	alg, err := cluster.Lookup(name)
	if err != nil {
		return nil, cmdhelp.Usagef("--model: %v", err)
	}
	if o.show < 1 || o.show > 1000 {
		return nil, cmdhelp.Usagef("--k must be between 1 and 1000")
	}
	s := alg.Settings()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s.Flags(fs)
	if fs.Lookup("k") != nil {
		fs.Set("k", strconv.Itoa(o.show))
	}
	names := make([]string, 0, len(o.settings))
	for n := range o.settings {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st := o.settings[n]
		if !st.given {
			continue
		}
		if fs.Lookup(n) == nil {
			return nil, cmdhelp.Usagef("--%s is a setting of --model %s, not of --model %s", n, strings.Join(st.models, " or "), name)
		}
		if err := fs.Set(n, st.value); err != nil {
			return nil, cmdhelp.Usagef("--%s %s: %v", n, st.value, err)
		}
	}
	if err := s.Validate(); err != nil {
		return nil, flagError(err)
	}
	for _, w := range strings.Split(o.exclude, ",") {
		if w = strings.TrimSpace(w); w != "" {
			o.cluster.Exclude = append(o.cluster.Exclude, w)
		}
	}
	c, err := s.New()
	if err != nil {
		return nil, flagError(err)
	}
	if l, ok := c.(interface{ SetLogger(*slog.Logger) }); ok {
		l.SetLogger(o.log)
	}
	m, err := cluster.New(c, o.cluster)
	if err != nil {
		return nil, flagError(err)
	}
	return m, nil
}

// onlineVectors returns the model's online word vectors, if it has them.
func onlineVectors(m *cluster.Model) *embed.Online {
	if v, ok := m.Clusterer().(interface{ Online() *embed.Online }); ok {
		return v.Online()
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
		return nil, cmdhelp.Usagef("--locate/--locate-level: %v", err)
	}
	if !p.Point && !p.Place && !p.Infers() {
		return nil, cmdhelp.Usagef("--locate names no way to locate a post")
	}
	return &p, nil
}
