package main

import "strings"

// How a word of stopwords-iso is judged. The lists are generous: besides
// articles, pronouns, prepositions, conjunctions, auxiliaries, particles,
// number words and the commonest adverbs and verbs, they hold nouns, verbs and
// adjectives that carry a topic of their own (English "war" is no entry, but
// "fire", "home", "computer", "research" and "world" are; Russian "москва",
// "война" and "россия" are). A word is a stop word here when it is a function
// word of its language, or a general verb, adjective or adverb no cluster would
// be named by ("make", "good", "really"); it is a content word, and taken out,
// when it names a thing, a person, a place, an event or an activity, in its own
// language or in English, the largest language of both networks.
//
// A word that is a stop word of one language and an English content word
// ("war", "die", "hat", "man" are German stop words) is kept in englishContent:
// the tokenizer drops it only when the post's other stop words are more of
// that language than of English, so "the war" keeps "war" and "das war gut"
// does not.

// contentWords are taken out of every list.
var contentWords = set(`
act adopted affected announce area areas bill billion biol bottom buy caption case cases click computer copy
course cry date detail effect empty example face faces fact facts fire fix free front general goods group groups
hell home homepage importance information interest interests invention join keys length line member members
men microsoft mill million mine miss mug name novel null number numbers order orders page pages past place places
point points present problem problems proud research reserved results ring room rooms second seconds section self
shell side sides site state states system test text thick thin thousand tip top trillion tv value web webpage
website welcome wells whim width words work worked working works world year years young zero
apoio caminho conselho estado grupo hora horas lugar meses noite nome obra pessoas povo sistema trabalho
trabalhar valor verdade viagem área tempo ano anos local final número nível posição relação questão momento
acuerdo estados empleo pais país paìs tiempo trabajo trabajar verdad cosas mayor total
jahr jahre jahren gott mensch menschen mann zeit tag tage tagen morgen ordnung sache startseite recht ende teil
schluss mittel
gens personne personnes état retour sujet valeur pièce essai parole début force
anni anno citta città consiglio gente giorni giorno gruppo mondo paese persone piedi registrazione titolo uomo vita
tempo conclusione
bapak bulan hari jawaban kasus keadaan masalah pertanyaan persoalan tahun tempat waktu
beslut beslutat beslutit dagar dagarna dagen delen nummer
milyar milyon katrilyon trilyon
белый вода война время вечер взгляд вид город голова голос год года году главный глаз деньги дверь дело день
дом дорога друг душа жена женщина жизнь земля книга комната конец лет лицо люди мать машина место минута мир
мира москва народ нога ночь окно отец путь работа работать ребенок россия рука русский свет сила слово случай
советский стол сторона страна товарищ улица утро час человек часть правда миллионов процентов тысяч
시간 아이 시각
زيارة سنة سنوات صباح مساء عام عاما يوم ايام اليوم الوقت مليار مليون
امروز امسال امشب دیروز ديروز فردا مردم روز خدمات
`)

// englishContent are stop words of another language that are English content
// words; see the comment at the top.
var englishContent = set(`
war man hat die den gut bald gross dies son sea van sin solo sal pronto car suit pure rare bat hop bravo pan
unique comment multiple cent relative fine press male sue tale quest dove door word met deed bent doe alias
hare nice gene god hit sex dig bra dock fan sense mode sons tons favor nova grande logo lama elf mag kim sam
pod prof sal dice fin mal era usa bin
`)

// englishTwoLetter are the two-letter words of stopwords-iso's English list
// that stay stop words. The others are country codes, kept there for link
// residue ("uk", "de"), which the tokenizer no longer leaves; as words they
// are also US states ("ca", "pa", "ga") and the like.
var englishTwoLetter = set(`
ah am an as at aw be by do eg eh go he hi hm id ie if im in is it ll me my no of oh ok on or re so to uh um
un up us ve we ye
`)

// seedEnglish is the original tool's English list (apostrophes removed)
// with its additions, kept whole so English loses none of its stop words.
const seedEnglish = `
about above after again against ain all am an and any are aren arent as at be because been
before being below between both but by can couldn couldnt did didn didnt do does doesn doesnt
doing don dont down during each few for from further had hadn hadnt has hasn hasnt have haven
havent having he her here hers herself him himself his how if in into is isn isnt it its itself
just ll ma me mightn mightnt more most mustn mustnt my myself needn neednt no nor not now of
off on once only or other our ours ourselves out over own re same shan shant she shes should
shouldve shouldn shouldnt so some such than that thatll the their theirs them themselves then
there these they this those through to too under until up ve very was wasn wasnt we were weren
werent what when where which while who whom why will with won wont wouldn wouldnt you youd youll
youre youve your yours yourself yourselves im ive id hes theyre thats whats lets ur
get amp rt
`

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
