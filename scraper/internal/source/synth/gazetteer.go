package synth

// City is a gazetteer entry: a real city and its centre.
type City struct {
	Name, Country, Region string
	Lat, Lon              float64
}

// Cities is the embedded gazetteer: large cities on every inhabited
// continent, with approximate centre coordinates in degrees.
var Cities = []City{
	// North America
	{"New York", "US", "na", 40.7128, -74.0060}, {"Los Angeles", "US", "na", 34.0522, -118.2437},
	{"Chicago", "US", "na", 41.8781, -87.6298}, {"Houston", "US", "na", 29.7604, -95.3698},
	{"Phoenix", "US", "na", 33.4484, -112.0740}, {"Philadelphia", "US", "na", 39.9526, -75.1652},
	{"San Antonio", "US", "na", 29.4241, -98.4936}, {"San Diego", "US", "na", 32.7157, -117.1611},
	{"Dallas", "US", "na", 32.7767, -96.7970}, {"Austin", "US", "na", 30.2672, -97.7431},
	{"San Francisco", "US", "na", 37.7749, -122.4194}, {"Seattle", "US", "na", 47.6062, -122.3321},
	{"Denver", "US", "na", 39.7392, -104.9903}, {"Boston", "US", "na", 42.3601, -71.0589},
	{"Atlanta", "US", "na", 33.7490, -84.3880}, {"Miami", "US", "na", 25.7617, -80.1918},
	{"New Orleans", "US", "na", 29.9511, -90.0715}, {"Minneapolis", "US", "na", 44.9778, -93.2650},
	{"Detroit", "US", "na", 42.3314, -83.0458}, {"Las Vegas", "US", "na", 36.1699, -115.1398},
	{"Washington", "US", "na", 38.9072, -77.0369}, {"Nashville", "US", "na", 36.1627, -86.7816},
	{"Toronto", "CA", "na", 43.6532, -79.3832}, {"Montreal", "CA", "na", 45.5017, -73.5673},
	{"Vancouver", "CA", "na", 49.2827, -123.1207}, {"Calgary", "CA", "na", 51.0447, -114.0719},
	{"Mexico City", "MX", "na", 19.4326, -99.1332}, {"Guadalajara", "MX", "na", 20.6597, -103.3496},
	{"Monterrey", "MX", "na", 25.6866, -100.3161}, {"Havana", "CU", "na", 23.1136, -82.3666},
	// South America
	{"Sao Paulo", "BR", "sa", -23.5505, -46.6333}, {"Rio de Janeiro", "BR", "sa", -22.9068, -43.1729},
	{"Buenos Aires", "AR", "sa", -34.6037, -58.3816}, {"Santiago", "CL", "sa", -33.4489, -70.6693},
	{"Lima", "PE", "sa", -12.0464, -77.0428}, {"Bogota", "CO", "sa", 4.7110, -74.0721},
	{"Caracas", "VE", "sa", 10.4806, -66.9036}, {"Quito", "EC", "sa", -0.1807, -78.4678},
	{"Montevideo", "UY", "sa", -34.9011, -56.1645}, {"Medellin", "CO", "sa", 6.2442, -75.5812},
	// Europe
	{"London", "GB", "eu", 51.5074, -0.1278}, {"Manchester", "GB", "eu", 53.4808, -2.2426},
	{"Dublin", "IE", "eu", 53.3498, -6.2603}, {"Paris", "FR", "eu", 48.8566, 2.3522},
	{"Lyon", "FR", "eu", 45.7640, 4.8357}, {"Madrid", "ES", "eu", 40.4168, -3.7038},
	{"Barcelona", "ES", "eu", 41.3874, 2.1686}, {"Lisbon", "PT", "eu", 38.7223, -9.1393},
	{"Rome", "IT", "eu", 41.9028, 12.4964}, {"Milan", "IT", "eu", 45.4642, 9.1900},
	{"Berlin", "DE", "eu", 52.5200, 13.4050}, {"Munich", "DE", "eu", 48.1351, 11.5820},
	{"Hamburg", "DE", "eu", 53.5511, 9.9937}, {"Amsterdam", "NL", "eu", 52.3676, 4.9041},
	{"Brussels", "BE", "eu", 50.8503, 4.3517}, {"Zurich", "CH", "eu", 47.3769, 8.5417},
	{"Vienna", "AT", "eu", 48.2082, 16.3738}, {"Prague", "CZ", "eu", 50.0755, 14.4378},
	{"Warsaw", "PL", "eu", 52.2297, 21.0122}, {"Stockholm", "SE", "eu", 59.3293, 18.0686},
	{"Oslo", "NO", "eu", 59.9139, 10.7522}, {"Copenhagen", "DK", "eu", 55.6761, 12.5683},
	{"Helsinki", "FI", "eu", 60.1699, 24.9384}, {"Athens", "GR", "eu", 37.9838, 23.7275},
	{"Budapest", "HU", "eu", 47.4979, 19.0402}, {"Bucharest", "RO", "eu", 44.4268, 26.1025},
	{"Kyiv", "UA", "eu", 50.4501, 30.5234}, {"Istanbul", "TR", "eu", 41.0082, 28.9784},
	{"Moscow", "RU", "eu", 55.7558, 37.6173},
	// Africa
	{"Lagos", "NG", "af", 6.5244, 3.3792}, {"Cairo", "EG", "af", 30.0444, 31.2357},
	{"Nairobi", "KE", "af", -1.2921, 36.8219}, {"Johannesburg", "ZA", "af", -26.2041, 28.0473},
	{"Cape Town", "ZA", "af", -33.9249, 18.4241}, {"Accra", "GH", "af", 5.6037, -0.1870},
	{"Casablanca", "MA", "af", 33.5731, -7.5898}, {"Addis Ababa", "ET", "af", 9.0300, 38.7400},
	{"Dakar", "SN", "af", 14.7167, -17.4677}, {"Kinshasa", "CD", "af", -4.4419, 15.2663},
	// Asia and the Middle East
	{"Tokyo", "JP", "as", 35.6762, 139.6503}, {"Osaka", "JP", "as", 34.6937, 135.5023},
	{"Seoul", "KR", "as", 37.5665, 126.9780}, {"Beijing", "CN", "as", 39.9042, 116.4074},
	{"Shanghai", "CN", "as", 31.2304, 121.4737}, {"Hong Kong", "HK", "as", 22.3193, 114.1694},
	{"Taipei", "TW", "as", 25.0330, 121.5654}, {"Manila", "PH", "as", 14.5995, 120.9842},
	{"Bangkok", "TH", "as", 13.7563, 100.5018}, {"Singapore", "SG", "as", 1.3521, 103.8198},
	{"Jakarta", "ID", "as", -6.2088, 106.8456}, {"Kuala Lumpur", "MY", "as", 3.1390, 101.6869},
	{"Hanoi", "VN", "as", 21.0278, 105.8342}, {"Mumbai", "IN", "as", 19.0760, 72.8777},
	{"Delhi", "IN", "as", 28.7041, 77.1025}, {"Bangalore", "IN", "as", 12.9716, 77.5946},
	{"Chennai", "IN", "as", 13.0827, 80.2707}, {"Kolkata", "IN", "as", 22.5726, 88.3639},
	{"Karachi", "PK", "as", 24.8607, 67.0011}, {"Lahore", "PK", "as", 31.5204, 74.3587},
	{"Dhaka", "BD", "as", 23.8103, 90.4125}, {"Dubai", "AE", "as", 25.2048, 55.2708},
	{"Riyadh", "SA", "as", 24.7136, 46.6753}, {"Tehran", "IR", "as", 35.6892, 51.3890},
	{"Tel Aviv", "IL", "as", 32.0853, 34.7818},
	// Oceania
	{"Sydney", "AU", "oc", -33.8688, 151.2093}, {"Melbourne", "AU", "oc", -37.8136, 144.9631},
	{"Brisbane", "AU", "oc", -27.4698, 153.0251}, {"Perth", "AU", "oc", -31.9505, 115.8605},
	{"Auckland", "NZ", "oc", -36.8485, 174.7633},
}
