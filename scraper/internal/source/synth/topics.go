package synth

// Topic is a theme people tweet about: its own words and hashtags, talked
// about around a few cities of one region.
type Topic struct {
	Name     string
	Region   string // gazetteer region its cities come from ("" = anywhere)
	Words    []string
	Hashtags []string
}

// Topics is the built-in pool; synth takes the first --topics of them in a
// seed-dependent order.
var Topics = []Topic{
	{"superbowl", "na", []string{"game", "bowl", "super", "touchdown", "halftime", "quarterback", "defense", "score", "stadium", "fans", "kickoff", "champions", "field", "coach", "trophy"}, []string{"#SuperBowl", "#NFL"}},
	{"election", "na", []string{"vote", "election", "ballot", "polls", "candidate", "senate", "campaign", "debate", "turnout", "voters", "results", "governor", "primary", "district", "count"}, []string{"#Election", "#Vote"}},
	{"hiring", "", []string{"job", "hiring", "career", "apply", "position", "engineer", "remote", "salary", "interview", "resume", "opening", "team", "manager", "recruiting", "offer"}, []string{"#Hiring", "#Jobs"}},
	{"newyear", "", []string{"new", "year", "happy", "countdown", "midnight", "fireworks", "resolution", "party", "celebrate", "champagne", "cheers", "eve", "wishes", "family", "toast"}, []string{"#NewYear", "#HappyNewYear"}},
	{"storm", "na", []string{"storm", "hurricane", "wind", "rain", "flood", "evacuation", "power", "outage", "shelter", "warning", "landfall", "surge", "damage", "forecast", "safe"}, []string{"#Hurricane", "#StormWatch"}},
	{"football", "eu", []string{"goal", "match", "league", "striker", "penalty", "referee", "derby", "keeper", "midfield", "transfer", "pitch", "supporters", "win", "draw", "table"}, []string{"#PremierLeague", "#UCL"}},
	{"cricket", "as", []string{"cricket", "wicket", "innings", "bowler", "batsman", "century", "over", "sixes", "boundary", "captain", "test", "series", "spin", "crease", "umpire"}, []string{"#Cricket", "#IPL"}},
	{"earthquake", "as", []string{"earthquake", "magnitude", "shaking", "tremor", "aftershock", "epicenter", "felt", "buildings", "quake", "seismic", "tsunami", "alert", "rescue", "damage", "depth"}, []string{"#Earthquake", "#Quake"}},
	{"festival", "eu", []string{"festival", "music", "stage", "lineup", "headliner", "crowd", "tickets", "band", "dj", "camping", "set", "concert", "dancing", "sound", "tent"}, []string{"#Festival", "#LiveMusic"}},
	{"techlaunch", "na", []string{"launch", "phone", "keynote", "announced", "chip", "battery", "camera", "release", "preorder", "software", "update", "device", "specs", "price", "demo"}, []string{"#Keynote", "#Tech"}},
	{"marathon", "", []string{"marathon", "race", "runners", "finish", "mile", "pace", "medal", "course", "training", "start", "kilometre", "record", "cheering", "water", "sprint"}, []string{"#Marathon", "#RunDay"}},
	{"carnival", "sa", []string{"carnival", "samba", "parade", "costume", "dancers", "street", "drums", "float", "celebration", "rio", "feathers", "music", "bloco", "crowds", "night"}, []string{"#Carnaval", "#Carnival"}},
	{"wildfire", "oc", []string{"fire", "bushfire", "smoke", "evacuate", "blaze", "firefighters", "heat", "containment", "burning", "ember", "haze", "air", "quality", "emergency", "crews"}, []string{"#Bushfire", "#FireWatch"}},
	{"traffic", "", []string{"traffic", "jam", "highway", "accident", "lanes", "commute", "delay", "road", "closed", "detour", "gridlock", "bridge", "rush", "hour", "crash"}, []string{"#Traffic", "#Commute"}},
	{"film", "na", []string{"movie", "premiere", "trailer", "actor", "director", "cinema", "oscar", "sequel", "box", "office", "screening", "cast", "review", "scene", "award"}, []string{"#Oscars", "#MovieNight"}},
	{"heatwave", "eu", []string{"heat", "heatwave", "temperature", "hottest", "sun", "degrees", "record", "beach", "shade", "sunscreen", "drought", "fans", "cool", "summer", "sweat"}, []string{"#Heatwave", "#Summer"}},
	{"monsoon", "as", []string{"monsoon", "rainfall", "waterlogging", "flooded", "umbrella", "downpour", "thunder", "cloudburst", "roads", "drains", "showers", "humid", "lightning", "overflow", "trains"}, []string{"#Monsoon", "#RainAlert"}},
	{"crypto", "", []string{"bitcoin", "crypto", "price", "market", "token", "rally", "crash", "exchange", "wallet", "blockchain", "trading", "bull", "bear", "coins", "pump"}, []string{"#Bitcoin", "#Crypto"}},
	{"safari", "af", []string{"safari", "lions", "wildlife", "elephants", "savanna", "guide", "jeep", "sunset", "giraffe", "park", "herd", "migration", "zebra", "camp", "spotted"}, []string{"#Safari", "#Wildlife"}},
	{"election-eu", "eu", []string{"parliament", "coalition", "minister", "referendum", "party", "seats", "chancellor", "vote", "poll", "leader", "majority", "government", "manifesto", "ballot", "mandate"}, []string{"#Elections", "#Politics"}},
	{"anime", "as", []string{"anime", "manga", "episode", "season", "studio", "character", "cosplay", "convention", "animation", "opening", "arc", "series", "fans", "merch", "voice"}, []string{"#Anime", "#Manga"}},
	{"afcon", "af", []string{"afcon", "eagles", "pharaohs", "goal", "final", "squad", "striker", "penalty", "stadium", "victory", "nation", "cup", "lions", "jersey", "semifinal"}, []string{"#AFCON", "#TotalEnergiesAFCON"}},
}

// chatter is filler vocabulary shared by every topic and by off-topic tweets.
var chatter = []string{
	"today", "really", "just", "love", "people", "time", "good", "great", "think", "know", "right",
	"now", "day", "lol", "omg", "going", "want", "see", "much", "still", "best", "never", "always",
	"feel", "tonight", "morning", "coffee", "weekend", "friends", "home", "work", "life", "thing",
	"look", "amazing", "wow", "guys", "yes", "nice", "week", "need", "happy", "sad", "tired", "world",
}

// stopFill are common function words mixed into every text, as in real tweets.
var stopFill = []string{"the", "a", "is", "to", "and", "of", "in", "it", "this", "that", "for", "on", "with", "so", "my", "we", "i", "you"}
