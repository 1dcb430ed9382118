package geocode

// set builds a lookup set of normalised words or phrases.
func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// junk are profile locations (whole, or one part of them) that name no place
// on the map, however many small towns share the word: there is an Earth,
// Texas and a Paradise, Nevada, but "Earth" and "Paradise" in a profile are
// not those. Keys are normalised.
var junk = set(
	"earth", "the earth", "planet earth", "on earth", "mother earth", "somewhere on earth", "earth realm",
	"world", "the world", "worldwide", "world wide", "around the world", "all over the world", "global", "globe",
	"international", "everywhere", "anywhere", "somewhere", "nowhere", "wherever", "here", "there",
	"right here", "over there", "out there", "somewhere out there", "up there", "down here", "everywhere and nowhere", "here and there", "neither here nor there",
	"internet", "the internet", "online", "on the internet", "web", "the web", "cyberspace", "metaverse",
	"the metaverse", "cloud", "the cloud", "twitter", "x", "instagram", "youtube", "tiktok", "discord",
	"universe", "the universe", "multiverse", "the multiverse", "galaxy", "the galaxy", "milky way",
	"space", "outer space", "mars", "the moon", "moon", "the sun", "sun", "the stars", "stars", "sky", "the sky",
	"heaven", "hell", "paradise", "purgatory", "limbo", "the void", "void", "dreamland", "la la land",
	"home", "at home", "my home", "homeless", "my house", "my room", "my bed", "in bed", "bed", "the couch",
	"in your heart", "in my heart", "your heart", "my heart", "in your dreams", "your dreams", "my dreams",
	"in my head", "in your head", "in your mind", "your mind", "my mind", "in my mind", "behind you",
	"under your bed", "your mom s house", "ur mom s house", "your moms house", "ur moms house", "your mom",
	"unknown", "n a", "na", "none", "nil", "null", "undefined", "not here", "secret", "classified",
	"private", "hidden", "area", "location", "my location", "your location", "current location", "lost",
	"on the road", "on the move", "the road", "travelling", "traveling", "travel", "the streets", "streets",
	"the hood", "hood", "the block", "the city", "city", "downtown", "uptown", "the trap", "the south",
	"the north", "the east", "the west", "the mountains", "the beach", "beach",
	"the sea", "sea", "ocean", "the ocean", "the woods", "woods", "nature", "outside", "inside",
	"wonderland", "neverland", "narnia", "hogwarts", "gotham", "gotham city", "wakanda", "mordor",
	"westeros", "atlantis", "asgard", "middle earth", "the shire", "springfield usa", "tatooine",
	"never never land", "in a city near you", "a city near you", "nationwide", "national", "dm", "dms", "dm me", "dm for collab", "link in bio", "bio", "follow me", "follow back", "worldwide shipping",
	"he him", "she her", "they them", "any pronouns", "pronouns", "lol", "lmao", "idk", "who knows",
	"everywhere you are", "where you are", "near you", "your area", "your city", "your town",
	"free palestine", "blm", "mother land", "motherland", "homeland", "the motherland", "africa diaspora",
)

// pronouns are the words of pronoun parts ("she/her", "he | him"), which
// are not places.
var pronouns = set("he", "him", "his", "she", "her", "hers", "they", "them", "theirs", "xe", "xem",
	"ze", "zir", "hir", "it", "its", "any", "all", "pronouns", "pronoun", "elle", "ella", "el", "ele")

// filler are words around a place name that are not part of it: "somewhere
// in Texas", "based in London", "North London", "Houston area".
var filler = set("in", "from", "at", "near", "around", "outside", "of", "the", "based", "living", "live",
	"lives", "located", "somewhere", "just", "mostly", "proudly", "proud", "currently", "now", "originally",
	"born", "raised", "and", "greater", "metro", "area", "region", "native", "ish", "beyond", "via",
	"north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "downtown",
	"uptown", "midtown", "sunny", "beautiful", "rainy", "lovely", "little", "good", "old", "sometimes",
	"usually", "between", "side", "city", "town", "county", "state", "province", "suburbs", "burbs",
	"capital", "coastal", "rural", "upstate", "downstate", "inland", "southeast", "southwest", "northeast", "northwest",
	"อ", "จ")

// compassWords are the filler words that make a same-name region and city
// mean the region: "Western New York", "Upstate New York".
var compassWords = set("north", "south", "east", "west", "northern", "southern", "eastern", "western",
	"central", "upstate", "downstate", "coastal", "rural", "inland", "southeast", "southwest", "northeast",
	"northwest")

// textStop are city names that tweet text uses far more often as ordinary
// words or people's names than as places: "Reading", "Nice", "Mobile",
// "Jackson". LocateText never matches them.
var textStop = set(
	// English words
	"reading", "nice", "mobile", "split", "orange", "aurora", "corona", "independence", "surprise",
	"normal", "mission", "enterprise", "concord", "temple", "providence", "hampton", "salem", "bath",
	"of", "man", "male", "bo", "sale", "kent", "best", "deal", "hope", "eagle", "marathon", "bend",
	"buffalo", "phoenix", "columbia", "victoria", "wells", "sandy", "chester", "florence", "paradise",
	"mesa", "sunrise", "miramar", "west", "south", "east", "north", "center", "centre", "bay", "sur",
	"date", "battle", "ede", "aba", "gap", "bar", "metro", "kota", "santa", "san", "la", "los", "las",
	"el", "de", "du", "le", "leon", "mary", "capital", "derby", "essen", "hamm", "hof", "rosa", "tours",
	"mons", "bergen", "rio", "nova", "ica", "ilo", "iba", "hue", "ho", "vinh", "bogor", "pasar",
	// words of other languages: Indonesian, Portuguese, Italian, Spanish, Dutch, Turkish
	"itu", "mau", "bukan", "gaya", "praia", "bello", "latina", "van", "surat", "owo", "ome", "fes",
	"saga", "hail", "brits", "batman", "bali", "posadas", "kota", "pasar", "baru", "lama",
	"aman", "kita", "sama", "bisa", "ada", "kali", "jam", "mana", "sana", "ini",
	// people, clubs, characters, an industry
	"garland", "bolton", "windsor", "medina", "gumi", "sofia", "hollywood",
	// people's names
	"jackson", "lincoln", "madison", "tyler", "charlotte", "austin", "elizabeth", "regina", "troy",
	"gary", "norman", "irving", "lafayette", "odessa", "kobe", "eugene", "savannah", "alexandria",
	"augusta", "jordan", "chad", "georgia", "virginia", "carolina", "dakota", "montgomery", "hamilton",
	"washington", "franklin", "clinton", "warren", "jefferson", "allen", "murray", "marion", "bryan",
	"maria", "jose", "mateo", "mercedes", "santiago", "nancy", "vladimir", "lenin", "kirov", "chan",
	"wan", "kai", "cheng", "sing", "mai", "nan", "kam", "lang", "long", "peru", "israel", "cuba",
	// parts of longer names, and continents
	"salt", "saint", "st", "grand", "port", "fort", "mount", "lake", "new", "old",
	"asia", "europe", "africa", "america", "american",
)

// spanStop are words that name small places somewhere but, inside a longer
// profile location, are ordinary words: "Along the road less travelled".
var spanStop = set("along", "same", "free", "lion", "never", "road", "less", "best", "home", "love",
	"life", "city", "town", "land", "world", "life", "music", "god", "heart", "soul", "dream", "happy",
	"paradise", "hope", "faith", "grace", "joy", "peace", "mercy", "unity", "liberty", "victory",
	"friendship", "harmony", "eden", "zion", "canaan", "goshen")
