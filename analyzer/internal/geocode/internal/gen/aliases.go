package main

// Hand-made name forms that GeoNames lacks or spells otherwise. Codes are
// GeoNames': admin1 "CC.A1", admin2 "CC.A1.A2", places "CC.A1.Name".

// countyGroups are English ceremonial counties that GeoNames splits into
// several admin2 units; each becomes a region of its own.
var countyGroups = []struct {
	code, name string
	members    []string
}{
	{"GB.ENG.WYK", "West Yorkshire", []string{"B4", "C2", "G8", "H3", "O7"}},
	{"GB.ENG.SYK", "South Yorkshire", []string{"A3", "D5", "L3", "L9"}},
	{"GB.ENG.GTM", "Greater Manchester", []string{"B1", "C1", "I2", "K1", "L2", "L5", "N2", "O1", "O6", "P7"}},
	{"GB.ENG.MSY", "Merseyside", []string{"G9", "H8", "L8", "N1", "Q1"}},
	{"GB.ENG.WMD", "West Midlands", []string{"A7", "C7", "D7", "L7", "M2", "O8", "Q3"}},
	{"GB.ENG.TWR", "Tyne and Wear", []string{"E5", "I7", "J5", "M7", "N6"}},
	{"GB.ENG.BRK", "Berkshire", []string{"B3", "K7", "M1", "P4", "P9", "Q2"}},
	{"GB.ENG.CHS", "Cheshire", []string{"Z7", "Z8", "E9", "P2"}},
	{"GB.ENG.BDF", "Bedfordshire", []string{"Z5", "Z6", "I1"}},
	{"GB.ENG.NTH", "Northamptonshire", []string{"WNH", "NNH"}},
	// Metropolitan areas that profiles name as such.
	{"US.CA.BAY", "San Francisco Bay Area", []string{"001", "013", "041", "055", "075", "081", "085", "095", "097"}},
	{"US.CA.IE", "Inland Empire", []string{"065", "071"}},
	{"US.MN.TC", "Twin Cities", []string{"053", "123", "003", "037", "163"}},
	{"US.NY.LI", "Long Island", []string{"059", "103"}},
	{"US.FL.SFL", "South Florida", []string{"086", "011", "099"}},
	{"US.NC.TRI", "Research Triangle", []string{"183", "063", "135"}},
	{"US.TX.DFW", "Dallas-Fort Worth", []string{"113", "439", "085", "121"}},
	{"CA.08.GTA", "Greater Toronto Area", []string{"3520", "3518", "3519", "3521", "3524"}},
}

// countryAliases are everyday names of countries beyond the ISO tables.
var countryAliases = map[string]string{
	"USA": "US", "U.S.A.": "US", "US": "US", "U.S.": "US", "America": "US", "United States": "US",
	"EEUU": "US", "EE.UU.": "US", "Estados Unidos": "US", "Amerika": "US",
	"UK": "GB", "U.K.": "GB", "Britain": "GB", "Great Britain": "GB", "United Kingdom": "GB",
	"UAE": "AE", "U.A.E.": "AE", "Emirates": "AE",
	"Holland": "NL", "Korea": "KR", "South Korea": "KR", "Russia": "RU", "Czech": "CZ",
	"Ivory Coast": "CI", "DRC": "CD", "DR Congo": "CD", "Vatican": "VA", "Macedonia": "MK",
	"Swaziland": "SZ", "Burma": "MM", "Turkey": "TR", "Turkiye": "TR", "KSA": "SA",
	"Saudi": "SA", "Viet Nam": "VN", "Laos": "LA", "Syria": "SY", "Moldova": "MD",
	"Bolivia": "BO", "Venezuela": "VE", "Iran": "IR", "Tanzania": "TZ", "Palestine": "PS",
	"Brasil": "BR", "Deutschland": "DE", "España": "ES", "México": "MX", "Italia": "IT",
	"Pilipinas": "PH", "Nippon": "JP", "Nihon": "JP", "Schweiz": "CH", "Suisse": "CH",
	"Österreich": "AT", "Sverige": "SE", "Norge": "NO", "Danmark": "DK", "Suomi": "FI",
	"Polska": "PL", "Türkiye": "TR", "Hellas": "GR", "Éire": "IE",
	"Republic of the Philippines": "PH", "ประเทศไทย": "TH", "المملكة العربية السعودية": "SA",
	"日本国": "JP", "アメリカ": "US", "PH": "PH", "中国": "CN", "大韓民国": "KR", "대한민국": "KR", "한국": "KR",
}

// regionAbbrevs are postal abbreviations of provinces and states whose
// GeoNames codes are numbers. US state codes are added from GeoNames itself.
// They are qualifiers only: "London ON", never "ON" alone.
var regionAbbrevs = [][2]string{
	// Canada
	{"AB", "CA.01"}, {"BC", "CA.02"}, {"MB", "CA.03"}, {"NB", "CA.04"}, {"NL", "CA.05"}, {"NFLD", "CA.05"},
	{"NS", "CA.07"}, {"ON", "CA.08"}, {"ONT", "CA.08"}, {"PE", "CA.09"}, {"PEI", "CA.09"}, {"QC", "CA.10"},
	{"QUE", "CA.10"}, {"SK", "CA.11"}, {"SASK", "CA.11"}, {"YT", "CA.12"}, {"NT", "CA.13"}, {"NWT", "CA.13"}, {"NU", "CA.14"},
	// Australia
	{"ACT", "AU.01"}, {"NSW", "AU.02"}, {"QLD", "AU.04"}, {"SA", "AU.05"}, {"TAS", "AU.06"},
	{"VIC", "AU.07"}, {"WA", "AU.08"},
	// Brazil
	{"AC", "BR.01"}, {"AL", "BR.02"}, {"AP", "BR.03"}, {"AM", "BR.04"}, {"BA", "BR.05"}, {"CE", "BR.06"},
	{"DF", "BR.07"}, {"ES", "BR.08"}, {"MS", "BR.11"}, {"MA", "BR.13"}, {"MT", "BR.14"}, {"MG", "BR.15"},
	{"PA", "BR.16"}, {"PB", "BR.17"}, {"PR", "BR.18"}, {"PI", "BR.20"}, {"RJ", "BR.21"}, {"RN", "BR.22"},
	{"RS", "BR.23"}, {"RO", "BR.24"}, {"RR", "BR.25"}, {"SC", "BR.26"}, {"SP", "BR.27"}, {"SE", "BR.28"},
	{"GO", "BR.29"}, {"PE", "BR.30"}, {"TO", "BR.31"},
	// US abbreviations older than the postal codes
	{"Fla", "US.FL"}, {"Calif", "US.CA"}, {"Mass", "US.MA"}, {"Tenn", "US.TN"}, {"Ariz", "US.AZ"},
	{"Mich", "US.MI"}, {"Minn", "US.MN"}, {"Wisc", "US.WI"}, {"Colo", "US.CO"}, {"Okla", "US.OK"},
	{"Conn", "US.CT"}, {"Penn", "US.PA"}, {"Penna", "US.PA"}, {"Wash", "US.WA"}, {"Ore", "US.OR"},
	{"Ala", "US.AL"}, {"Ark", "US.AR"}, {"Nev", "US.NV"}, {"Tex", "US.TX"}, {"Va", "US.VA"},
	// Mexico City
	{"CDMX", "MX.09"},
}

// regionAliases are full-word names of regions that GeoNames spells otherwise.
var regionAliases = map[string]string{
	"Washington DC": "US.DC", "Washington D.C.": "US.DC", "Washington, D.C.": "US.DC",
	"Jersey": "US.NJ", "Cali": "US.CA", "SoCal": "US.CA", "NorCal": "US.CA",
	"Bavaria": "DE.02", "Bayern": "DE.02", "Catalonia": "ES.CT", "Catalunya": "ES.CT",
	"Ile de France": "FR.11", "Scotland": "GB.SCT", "Wales": "GB.WLS", "Cymru": "GB.WLS",
	"Northern Ireland": "GB.NIR", "England": "GB.ENG", "Yorkshire": "GB.ENG.WYK",
	"Yorkshire and the Humber": "GB.ENG.WYK", "Bay Area": "US.CA.BAY", "SF Bay Area": "US.CA.BAY",
	"The Triangle": "US.NC.TRI", "DFW": "US.TX.DFW", "Metroplex": "US.TX.DFW", "GTA": "CA.08.GTA",
	"Silicon Valley": "US.CA.085", "Cape Cod": "US.MA.001", "DMV": "US.DC", "Klang Valley": "MY.14", "都内": "JP.40", "Upstate New York": "US.NY", "Upstate NY": "US.NY",
	"Lone Star State": "US.TX", "Sunshine State": "US.FL", "Golden State": "US.CA", "Empire State": "US.NY",
	"Garden State": "US.NJ", "Bay State": "US.MA", "Badger State": "US.WI", "Buckeye State": "US.OH",
	"Keystone State": "US.PA", "Peach State": "US.GA", "Volunteer State": "US.TN", "Show Me State": "US.MO",
	"Hoosier State": "US.IN", "Hawkeye State": "US.IA", "Evergreen State": "US.WA", "Silver State": "US.NV",
	"Aloha State": "US.HI", "Tar Heel State": "US.NC", "Magnolia State": "US.MS", "Pelican State": "US.LA",
}

// cityAliases are nicknames and short forms of big cities.
var cityAliases = map[string]struct {
	key   string
	flags int
}{
	"NYC": {"US.NY.New York City", 0}, "New York": {"US.NY.New York City", 0},
	"New York City": {"US.NY.New York City", 0}, "N.Y.C.": {"US.NY.New York City", 0},
	"Manhattan": {"US.NY.Manhattan", 0}, "BK": {"US.NY.Brooklyn", flagAlt}, "Bklyn": {"US.NY.Brooklyn", 0},
	"Bronx": {"US.NY.The Bronx", 0}, "LA": {"US.CA.Los Angeles", flagAlt}, "L.A.": {"US.CA.Los Angeles", flagAlt},
	"SF": {"US.CA.San Francisco", flagAlt}, "San Fran": {"US.CA.San Francisco", 0}, "DC": {"US.DC.Washington, D.C.", flagAlt},
	"D.C.": {"US.DC.Washington, D.C.", flagAlt}, "Washington DC": {"US.DC.Washington, D.C.", 0},
	"Philly": {"US.PA.Philadelphia", 0}, "NOLA": {"US.LA.New Orleans", 0}, "ATL": {"US.GA.Atlanta", flagAlt},
	"Chitown": {"US.IL.Chicago", 0}, "Chi-Town": {"US.IL.Chicago", 0}, "Vegas": {"US.NV.Las Vegas", 0},
	"H-Town": {"US.TX.Houston", 0}, "Htown": {"US.TX.Houston", 0}, "Nashvegas": {"US.TN.Nashville", 0},
	"CDMX": {"MX.09.Mexico City", 0}, "Ciudad de Mexico": {"MX.09.Mexico City", 0}, "DF": {"MX.09.Mexico City", flagAlt},
	"KL": {"MY.14.Kuala Lumpur", flagAlt}, "HK": {"HK.HCW.Hong Kong", flagAlt}, "Rio": {"BR.21.Rio de Janeiro", 0},
	"Joburg": {"ZA.06.Johannesburg", 0}, "Jozi": {"ZA.06.Johannesburg", 0}, "JHB": {"ZA.06.Johannesburg", flagAlt},
	"LDN": {"GB.ENG.London", flagAlt}, "Brum": {"GB.ENG.Birmingham", 0}, "MCR": {"GB.ENG.Manchester", flagAlt},
	"Sampa": {"BR.27.São Paulo", 0}, "BsAs": {"AR.07.Buenos Aires", 0}, "CABA": {"AR.07.Buenos Aires", 0},
	"Bombay": {"IN.16.Mumbai", 0}, "Calcutta": {"IN.28.Kolkata", 0}, "Madras": {"IN.25.Chennai", 0},
	"Bangalore": {"IN.19.Bengaluru", 0}, "Saigon": {"VN.20.Ho Chi Minh City", 0},
	"HCMC": {"VN.20.Ho Chi Minh City", 0}, "PDX": {"US.OR.Portland", flagAlt}, "Chiraq": {"US.IL.Chicago", 0},
	"MNL": {"PH.NCR.Manila", flagAlt}, "BKK": {"TH.40.Bangkok", flagAlt},
	"KCMO": {"US.MO.Kansas City", 0}, "ABQ": {"US.NM.Albuquerque", flagAlt}, "SLC": {"US.UT.Salt Lake City", flagAlt},
	"CHI": {"US.IL.Chicago", flagAlt}, "MKE": {"US.WI.Milwaukee", flagAlt}, "ATX": {"US.TX.Austin", flagAlt},
	"STL": {"US.MO.St. Louis", flagAlt}, "Hongkong": {"HK.HCW.Hong Kong", 0}, "香港": {"HK.HCW.Hong Kong", 0},
	"Hong Kong Island": {"HK.HCW.Hong Kong", 0}, "Lion City": {"SG.01.Singapore", 0}, "Big Apple": {"US.NY.New York City", 0},
	// Districts that posts name instead of their city, in their own script
	// (GeoNames has them as parts of the city, which the gazetteer lacks):
	// Tokyo's Shinjuku, Shibuya, Ikebukuro, Harajuku, Ginza, Akihabara,
	// Roppongi, Omotesando; Osaka's Umeda, Namba, Shinsaibashi; Hong Kong's
	// Causeway Bay, Mong Kok, Tsim Sha Tsui. Names that are also surnames
	// (上野, 品川) are left out.
	"新宿": {"JP.40.Tokyo", flagAlt}, "渋谷": {"JP.40.Tokyo", flagAlt}, "池袋": {"JP.40.Tokyo", flagAlt},
	"原宿": {"JP.40.Tokyo", flagAlt}, "銀座": {"JP.40.Tokyo", flagAlt}, "秋葉原": {"JP.40.Tokyo", flagAlt},
	"六本木": {"JP.40.Tokyo", flagAlt}, "表参道": {"JP.40.Tokyo", flagAlt},
	"梅田": {"JP.32.Osaka", flagAlt}, "なんば": {"JP.32.Osaka", flagAlt}, "心斎橋": {"JP.32.Osaka", flagAlt},
	"銅鑼灣": {"HK.HCW.Hong Kong", flagAlt}, "铜锣湾": {"HK.HCW.Hong Kong", flagAlt}, "旺角": {"HK.HCW.Hong Kong", flagAlt},
	"尖沙咀": {"HK.HCW.Hong Kong", flagAlt},
}

// japanesePrefectures are the prefectures' Japanese names, which GeoNames'
// admin1 table lacks: written with their suffix (県, 府, 都, 道) they are the
// prefecture; bare they are an alternate name, so that "東京" and "大阪" stay
// the cities.
var japanesePrefectures = map[string]string{
	"JP.01": "愛知県", "JP.02": "秋田県", "JP.03": "青森県", "JP.04": "千葉県", "JP.05": "愛媛県",
	"JP.06": "福井県", "JP.07": "福岡県", "JP.08": "福島県", "JP.09": "岐阜県", "JP.10": "群馬県",
	"JP.11": "広島県", "JP.12": "北海道", "JP.13": "兵庫県", "JP.14": "茨城県", "JP.15": "石川県",
	"JP.16": "岩手県", "JP.17": "香川県", "JP.18": "鹿児島県", "JP.19": "神奈川県", "JP.20": "高知県",
	"JP.21": "熊本県", "JP.22": "京都府", "JP.23": "三重県", "JP.24": "宮城県", "JP.25": "宮崎県",
	"JP.26": "長野県", "JP.27": "長崎県", "JP.28": "奈良県", "JP.29": "新潟県", "JP.30": "大分県",
	"JP.31": "岡山県", "JP.32": "大阪府", "JP.33": "佐賀県", "JP.34": "埼玉県", "JP.35": "滋賀県",
	"JP.36": "島根県", "JP.37": "静岡県", "JP.38": "栃木県", "JP.39": "徳島県", "JP.40": "東京都",
	"JP.41": "鳥取県", "JP.42": "富山県", "JP.43": "和歌山県", "JP.44": "山形県", "JP.45": "山口県",
	"JP.46": "山梨県", "JP.47": "沖縄県",
}

// countryDisplay are display names where the ISO table leads with a formal one.
var countryDisplay = map[string]string{
	"US": "United States", "GB": "United Kingdom", "RU": "Russia", "CN": "China", "TW": "Taiwan",
	"KR": "South Korea", "KP": "North Korea", "CD": "DR Congo", "CG": "Republic of the Congo",
	"IR": "Iran", "SY": "Syria", "LA": "Laos", "MD": "Moldova", "VN": "Vietnam", "BO": "Bolivia",
	"VE": "Venezuela", "TZ": "Tanzania", "PS": "Palestine", "MK": "North Macedonia", "BN": "Brunei",
	"FM": "Micronesia", "VA": "Vatican City", "GM": "The Gambia", "BS": "The Bahamas",
}
