# Writes v1.jsonl: hand-made v1.1 statuses covering each location rule.
# Run: python3 make_v1.py > v1.jsonl
import json

def user(i, name):
    return {"id": 700000 + i, "id_str": str(700000 + i), "name": name.title(), "screen_name": name,
            "location": "Somewhere on Earth", "url": None,
            "description": "Writes test tweets for geostream; likes maps, rain and long walks. " * 2,
            "translator_type": "none", "protected": False, "verified": False,
            "followers_count": 1234 + i, "friends_count": 321, "listed_count": 7, "favourites_count": 9876,
            "statuses_count": 45678, "created_at": "Tue Mar 05 11:22:33 +0000 2013", "utc_offset": None,
            "time_zone": None, "geo_enabled": True, "lang": None, "contributors_enabled": False,
            "is_translator": False, "profile_background_color": "C0DEED",
            "profile_background_image_url": "http://example.org/images/themes/theme1/bg.png",
            "profile_background_image_url_https": "https://example.org/images/themes/theme1/bg.png",
            "profile_background_tile": False, "profile_link_color": "1DA1F2",
            "profile_sidebar_border_color": "C0DEED", "profile_sidebar_fill_color": "DDEEF6",
            "profile_text_color": "333333", "profile_use_background_image": True,
            "profile_image_url": "http://example.org/profile_images/%d/normal.jpg" % i,
            "profile_image_url_https": "https://example.org/profile_images/%d/normal.jpg" % i,
            "profile_banner_url": "https://example.org/profile_banners/%d/1500000000" % i,
            "default_profile": True, "default_profile_image": False, "following": None,
            "follow_request_sent": None, "notifications": None}

def entities(tags):
    return {"hashtags": [{"text": t, "indices": [10, 10 + len(t)]} for t in tags],
            "urls": [{"url": "https://t.co/xYz123AbC", "expanded_url": "https://example.org/story/42",
                      "display_url": "example.org/story/42", "indices": [60, 83]}],
            "user_mentions": [{"screen_name": "geostream_news", "name": "Geostream News", "id": 99,
                               "id_str": "99", "indices": [0, 15]}], "symbols": []}

def place(full, box):
    w, s, e, n = box
    return {"id": "01fbe706f872cb32", "url": "https://api.example.org/1.1/geo/id/01fbe706f872cb32.json",
            "place_type": "city", "name": full.split(",")[0], "full_name": full, "country_code": "US",
            "country": "United States",
            "bounding_box": {"type": "Polygon", "coordinates": [[[w, s], [w, n], [e, n], [e, s]]]},
            "attributes": {}}

def status(i, text, **kw):
    s = {"created_at": "Sun Feb 08 23:%02d:07 +0000 2026" % (40 + i), "id": 1861234567890123457 + i,
         "id_str": str(1861234567890123457 + i), "text": text[:140],
         "source": "<a href=\"https://example.org\" rel=\"nofollow\">Geostream Test Client</a>",
         "truncated": len(text) > 140, "in_reply_to_status_id": None, "in_reply_to_status_id_str": None,
         "in_reply_to_user_id": None, "in_reply_to_user_id_str": None, "in_reply_to_screen_name": None,
         "user": user(i, "tester%d" % i), "geo": None, "coordinates": None, "place": None,
         "contributors": None, "is_quote_status": False, "quote_count": 0, "reply_count": 1,
         "retweet_count": 5, "favorite_count": 17, "entities": entities(["SuperBowl", "NOLA"]),
         "favorited": False, "retweeted": False, "filter_level": "low", "lang": "en",
         "timestamp_ms": "17390580%02d000" % i}
    if len(text) > 140:
        s["extended_tweet"] = {"full_text": text, "display_text_range": [0, len(text)],
                               "entities": entities(["SuperBowl"])}
    s.update(kw)
    return s

long_text = ("@geostream_news The #SuperBowl halftime show in New Orleans was the best I have seen in years, "
             "the whole stadium was singing along and the fireworks lit up the river https://t.co/xYz123AbC")
nola = place("New Orleans, LA", (-90.137908, 29.889574, -89.884108, 30.075628))
orig = status(0, long_text, coordinates={"type": "Point", "coordinates": [-90.0812, 29.9511]},
              geo={"type": "Point", "coordinates": [29.9511, -90.0812]}, place=nola)
rt = status(1, "RT @tester0: " + long_text[:120], retweeted_status=orig,
            coordinates={"type": "Point", "coordinates": [-90.0701, 29.9499]}, place=nola)
lines = [
    rt,
    status(2, "only the deprecated geo field here", geo={"type": "Point", "coordinates": [51.5074, -0.1278]}),
    status(3, "only a place here", place=place("Austin, TX", (-97.928935, 30.127892, -97.5805, 30.518799))),
    status(4, "no location at all"),
    status(5, "bad point but a good place", coordinates={"type": "Point", "coordinates": [200.0, 95.0]},
           place=place("Austin, TX", (-97.928935, 30.127892, -97.5805, 30.518799))),
]
for s in lines:
    print(json.dumps(s, separators=(",", ":")))
