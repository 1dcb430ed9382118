package cluster

import (
	"flag"
	"fmt"
	"strings"

	"github.com/geostream/geostream/analyzer/internal/dmm"
	"github.com/geostream/geostream/analyzer/internal/kmeans"
	"github.com/geostream/geostream/analyzer/internal/lloyd"
	"github.com/geostream/geostream/analyzer/internal/spherical"
)

// algorithms are the models a user can choose (--model NAME), the default
// first. Adding one is a package with Settings (DefaultSettings, Flags,
// Validate) and a constructor, and one line here.
var algorithms = []Algorithm{
	algorithm("dmm", "a Dirichlet-multinomial stream mixture (MStream): it finds its own number of clusters",
		dmm.DefaultOptions, dmm.New),
	algorithm("spherical", "streaming spherical k-means: cosines of TF-IDF words and place, Spark's decayed update",
		spherical.DefaultSettings, spherical.NewClusterer),
	algorithm("spark", "Spark MLlib's streaming k-means, exactly: Euclidean distances of word vectors and place",
		kmeans.DefaultSettings, kmeans.NewClusterer),
	algorithm("lloyd", "a baseline: batch spherical k-means run afresh on every window, learning nothing from the stream",
		lloyd.DefaultSettings, lloyd.New),
}

// Algorithm is a model that can be chosen by name.
type Algorithm struct {
	Name    string
	Summary string
	// Settings returns the algorithm's settings at their defaults.
	Settings func() Settings
}

// Settings are one algorithm's settings: flags to set them, a check, and
// the model they make.
type Settings interface {
	// Flags registers the settings on fs, bound to these settings.
	Flags(fs *flag.FlagSet)
	Validate() error
	// New makes the algorithm with these settings.
	New() (Clusterer, error)
}

// Algorithms lists the models, the default first.
func Algorithms() []Algorithm { return algorithms }

// DefaultAlgorithm is the name of the default model.
func DefaultAlgorithm() string { return algorithms[0].Name }

// Lookup finds an algorithm by name.
func Lookup(name string) (Algorithm, error) {
	var names []string
	for _, a := range algorithms {
		if a.Name == name {
			return a, nil
		}
		names = append(names, a.Name)
	}
	return Algorithm{}, fmt.Errorf("no model %q: the models are %s", name, strings.Join(names, ", "))
}

// options is what an algorithm's settings type provides.
type options[O any] interface {
	*O
	Flags(fs *flag.FlagSet)
	Validate() error
}

// algorithm is the registry entry of an algorithm whose settings are O
// (defaults from defaults) and whose constructor is build.
func algorithm[O any, P options[O], C Clusterer](name, summary string, defaults func() O, build func(O) (C, error)) Algorithm {
	return Algorithm{Name: name, Summary: summary, Settings: func() Settings {
		o := defaults()
		return &settingsOf[O, P, C]{o: &o, build: build}
	}}
}

type settingsOf[O any, P options[O], C Clusterer] struct {
	o     *O
	build func(O) (C, error)
}

func (s *settingsOf[O, P, C]) Flags(fs *flag.FlagSet) { P(s.o).Flags(fs) }
func (s *settingsOf[O, P, C]) Validate() error        { return P(s.o).Validate() }
func (s *settingsOf[O, P, C]) New() (Clusterer, error) {
	c, err := s.build(*s.o)
	if err != nil {
		return nil, err
	}
	return c, nil
}
