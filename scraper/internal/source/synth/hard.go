package synth

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The hard case (Options.Hard) is a stream that looks like real geotagged
// tweets rather than a clean demo, so that clustering is tested where it
// fails on real data: it is one country's stream (North America's cities:
// places are near each other, and every topic is talked about in several
// of them); most tweets are off topic; every tweet draws most of
// its words from one Zipf-distributed vocabulary shared by all topics, so a
// topic shows in only one or two words of a short text; a quarter of the
// tweets are in other languages (some in scripts the tokenizer drops);
// template bots (job ads, weather stations) post the same words from cities
// all over the map; and one trending hashtag runs through every topic.
const (
	// HardFiller and HardRate are the off-topic share and tweets per
	// second the synth command uses with --hard: a real stream of
	// geotagged tweets from one country brings a few a second.
	HardFiller = 0.6
	HardRate   = 5.0
	// hardJobs and hardWeather are the shares of tweets from the two bots.
	hardJobs, hardWeather = 0.07, 0.05
	// hardForeign is the share of people's tweets not in English.
	hardForeign = 0.15
	// hardTrend is the share of tweets that carry the trending hashtag.
	hardTrend = 0.2
	// HardTrend is that hashtag.
	HardTrend = "#MondayMotivation"
	// The shared vocabulary: vocabSize words whose rank r has probability
	// ∝ 1/(r+zipfQ)^zipfS (Zipf–Mandelbrot). On real geotagged streams,
	// once stop words are gone, about half of a minute's words are used
	// once and 96% of pairs of tweets share no word; so does this.
	zipfS     = 0.9
	zipfQ     = 10
	vocabSize = 300000
)

// hardRegion is the gazetteer region the hard case's tweets come from.
const hardRegion = "na"

var hardCities = func() []City {
	var out []City
	for _, c := range Cities {
		if c.Region == hardRegion {
			out = append(out, c)
		}
	}
	return out
}()

// Labels of the bots' tweets.
const (
	JobsBotLabel    = "bot-jobs"
	WeatherBotLabel = "bot-weather"
)

// zipf draws words from a list with probability ∝ 1/rank^s.
type zipf struct {
	words []string
	cum   []float64
}

func newZipf(words []string, s, q float64) *zipf {
	z := &zipf{words: words, cum: make([]float64, len(words))}
	total := 0.0
	for i := range words {
		total += 1 / math.Pow(float64(i+1)+q, s)
		z.cum[i] = total
	}
	for i := range z.cum {
		z.cum[i] /= total
	}
	return z
}

func (z *zipf) draw(r *rand.Rand) string {
	i := sort.SearchFloat64s(z.cum, r.Float64())
	return z.words[min(i, len(z.words)-1)]
}

// sharedVocab is the hard case's English vocabulary: everyday words first
// (the head of the distribution), then made-up words for the long tail of
// names, slang and typos. It is the same for every seed, and made the
// first time it is needed.
var sharedVocab = sync.OnceValue(func() *zipf {
	head := append(append([]string(nil), chatter...), strings.Fields(`
		got like one go lol back new make need see come think look want good thank
		much well way last first night yes school game tomorrow man girl fun guys
		work getting bad better let someone everyone nothing feeling sleep cant still
		big little baby ready shit damn dude bro girls birthday food lunch dinner
		beautiful hot cold car house phone music watch show video pic photo selfie
		class friday saturday sunday monday city town place here follow twitter
		miss wait year years hope talk real stop keep call hair face eyes heart
		money free team play playing watching eat drink beer bar club party summer`)...)
	seen := map[string]bool{}
	for _, t := range Topics {
		for _, w := range t.Words {
			seen[w] = true
		}
	}
	var words []string
	for _, w := range head {
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	syll := strings.Fields("ba ke mi no ru sa te vo li da po gu fe zi ha jo ra ne ku so ta bi le mo wu")
	r := rand.New(rand.NewPCG(11, 13))
	for len(words) < vocabSize {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return newZipf(words, zipfS, zipfQ)
})

// foreign vocabularies, each Zipf-drawn; ja and ar are in scripts the
// analyzer's ASCII tokenizer drops, so those tweets carry no words at all
// unless they have a hashtag.
var foreign = []struct {
	lang   string
	share  float64
	vocab  *zipf
	script bool // not Latin: words are joined without spaces
}{
	{"es", 0.35, newZipf(strings.Fields(`que de no la el en es y los se por un con para una las mas pero me mi
		hoy dia bien todo muy como ya si esta hay amor vida noche gracias jajaja feliz gente casa siempre
		quiero tengo vamos buenas mejor mundo ahora nada solo otra vez`), 1, 0), false},
	{"pt", 0.25, newZipf(strings.Fields(`que nao de eu um uma com para mais muito isso bom dia hoje vida tudo
		agora gente amor kkkk obrigado noite casa sempre quero tenho vamos melhor mundo nada so outra
		vez aqui bem`), 1, 0), false},
	{"fr", 0.15, newZipf(strings.Fields(`je de la le et les un une pas est en que pour sur avec mais tout
		trop bien ce soir jour vie merci mdr amour ici maintenant encore toujours rien monde`), 1, 0), false},
	{"ja", 0.15, newZipf(strings.Fields(`今日 明日 ありがとう 楽しい ラーメン 仕事 眠い 最高 おはよう 電車
		雨 晴れ 友達 写真 かわいい 美味しい`), 1, 0), true},
	{"ar", 0.10, newZipf(strings.Fields(`الله اليوم الحمد صباح الخير مساء جميل شكرا الحب الحياة يارب
		الناس`), 1, 0), true},
}

func (g *Generator) pickForeign() int {
	if g.rng.Float64() >= hardForeign {
		return -1
	}
	x := g.rng.Float64()
	for i, f := range foreign {
		if x < f.share {
			return i
		}
		x -= f.share
	}
	return len(foreign) - 1
}

// hardText writes a person's tweet of topic ti (-1: off topic) in the hard
// case, and returns it with its language.
func (g *Generator) hardText(ti int) (string, string) {
	var words []string
	lang := "en"
	fi := g.pickForeign()
	shared := sharedVocab()
	vocab := shared
	if fi >= 0 {
		lang, vocab = foreign[fi].lang, foreign[fi].vocab
	}
	n := 3 + g.rng.IntN(6)
	if ti < 0 {
		n = 4 + g.rng.IntN(8)
	}
	for range n {
		if vocab != shared && g.rng.Float64() < 0.3 {
			words = append(words, shared.draw(g.rng)) // names, slang and tags cross languages
			continue
		}
		words = append(words, vocab.draw(g.rng))
	}
	topicWord := func(t *Topic) string {
		i := int(float64(len(t.Words)) * math.Pow(g.rng.Float64(), 1.6))
		return t.Words[min(i, len(t.Words)-1)]
	}
	if ti >= 0 {
		t := &g.topics[ti].Topic
		tags := 0.35
		if fi >= 0 {
			tags = 0.6 // a foreign tweet on a topic shows it by its hashtag
		}
		if fi < 0 || g.rng.Float64() < 0.5 {
			words = append(words, topicWord(t))
			if fi < 0 && g.rng.Float64() < 0.4 {
				words = append(words, topicWord(t))
			}
		}
		if g.rng.Float64() < tags {
			words = append(words, t.Hashtags[g.rng.IntN(len(t.Hashtags))])
		}
	}
	if g.rng.Float64() < 0.1 { // a word of some other topic, in passing
		words = append(words, topicWord(&Topics[g.rng.IntN(len(Topics))]))
	}
	if g.rng.Float64() < hardTrend {
		words = append(words, HardTrend)
	}
	g.rng.Shuffle(len(words), func(i, j int) { words[i], words[j] = words[j], words[i] })
	sep := " "
	if fi >= 0 && foreign[fi].script {
		sep = ""
		// Hashtags keep their spaces, as people type them.
		for i, w := range words {
			if strings.HasPrefix(w, "#") {
				words[i] = " " + w + " "
			}
		}
	}
	s := strings.TrimSpace(strings.Join(words, sep))
	if g.rng.Float64() < 0.25 {
		s = "@user" + strconv.Itoa(g.rng.IntN(5000)) + " " + s
	}
	if g.rng.Float64() < 0.3 {
		s += " https://t.co/" + strconv.FormatUint(g.rng.Uint64()%(1<<40), 36)
	}
	return s, lang
}

var (
	jobRoles = []string{"Registered Nurse", "Retail Sales Associate", "Software Engineer", "Cashier",
		"Delivery Driver", "Barista", "Warehouse Associate", "Customer Service Representative",
		"Line Cook", "Store Manager", "Pharmacy Technician", "Truck Driver"}
	windDirs = []string{"N", "NE", "E", "SE", "S", "SW", "W", "NW"}
)

// botText writes a bot's tweet from city c.
func (g *Generator) botText(label string, c City) string {
	tag := "#" + strings.ReplaceAll(c.Name, " ", "")
	if label == JobsBotLabel {
		role := jobRoles[g.rng.IntN(len(jobRoles))]
		return "We're #hiring! Click to apply: " + role + " - " + c.Name + " https://t.co/" +
			strconv.FormatUint(g.rng.Uint64()%(1<<40), 36) + " #Jobs " + tag + " #CareerArc"
	}
	return strconv.Itoa(g.rng.IntN(40)-5) + "C, wind " + windDirs[g.rng.IntN(len(windDirs))] + " " +
		strconv.Itoa(g.rng.IntN(40)) + " km/h, humidity " + strconv.Itoa(20+g.rng.IntN(80)) +
		"%, pressure " + strconv.Itoa(990+g.rng.IntN(40)) + " hPa, rain today " +
		strconv.Itoa(g.rng.IntN(20)) + " mm #weather " + tag
}

// pickBot returns the label of the bot that posts the next tweet, or "".
func (g *Generator) pickBot() string {
	switch x := g.rng.Float64(); {
	case x < hardJobs:
		return JobsBotLabel
	case x < hardJobs+hardWeather:
		return WeatherBotLabel
	}
	return ""
}
