# Writes mastodon.jsonl: hand-made Mastodon Status entities (the payload of a
# streaming "update" event) in the shape of Mastodon's documentation
# (entities/Status, entities/Account), covering each way of locating a post.
# Run: python3 make_mastodon.py > mastodon.jsonl
import json


def account(id, username, acct, note, fields):
    return {"id": id, "username": username, "acct": acct, "display_name": username, "locked": False, "bot": False,
            "discoverable": True, "group": False, "created_at": "2022-11-13T00:00:00.000Z", "note": note,
            "url": "https://social.example/@" + username, "uri": "https://social.example/users/" + username,
            "avatar": "https://social.example/avatars/original/missing.png",
            "avatar_static": "https://social.example/avatars/original/missing.png",
            "header": "https://social.example/headers/original/missing.png",
            "header_static": "https://social.example/headers/original/missing.png",
            "followers_count": 12, "following_count": 34, "statuses_count": 56, "last_status_at": "2026-01-01",
            "emojis": [], "fields": fields}


def field(name, value, verified=None):
    return {"name": name, "value": value, "verified_at": verified}


def status(id, created, lang, content, acc, tags=(), spoiler="", reblog=None):
    user = acc["username"]
    return {"id": id, "created_at": created, "in_reply_to_id": None, "in_reply_to_account_id": None,
            "sensitive": bool(spoiler), "spoiler_text": spoiler, "visibility": "public", "language": lang,
            "uri": "https://social.example/users/%s/statuses/%s" % (user, id),
            "url": "https://social.example/@%s/%s" % (user, id),
            "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "edited_at": None, "content": content,
            "reblog": reblog, "application": {"name": "Web", "website": None}, "account": acc,
            "media_attachments": [], "mentions": [],
            "tags": [{"name": t, "url": "https://social.example/tags/" + t} for t in tags],
            "emojis": [], "card": None, "poll": None}


def hashtag(t):
    return '<a href="https://social.example/tags/%s" class="mention hashtag" rel="tag">#<span>%s</span></a>' % (t, t)


def mention(u):
    return ('<span class="h-card" translate="no"><a href="https://other.example/@%s" class="u-url mention">'
            '@<span>%s</span></a></span>' % (u, u))


link = ('<a href="https://www.example.org/news/2026/snow" target="_blank" rel="nofollow noopener noreferrer">'
        '<span class="invisible">https://www.</span><span class="ellipsis">example.org/news/2026</span>'
        '<span class="invisible">/snow</span></a>')
website = ('<a href="https://anna.example" rel="me nofollow noopener noreferrer" target="_blank">'
           '<span class="invisible">https://</span><span class="">anna.example</span><span class="invisible"></span></a>')

lines = []
a1 = account("109334860508022726", "anna", "anna", "<p>Baker, cyclist &amp; amateur astronomer.</p>",
             [field("Location", "Berlin, Germany"), field("Website", website, "2025-07-15T18:29:57.191+00:00")])
lines.append(status("113000000000000001", "2026-01-01T00:00:01.250Z", "de",
                    "<p>Endlich Schnee! " + hashtag("Winter") + " " + mention("bob") + "</p><p>Mehr: " + link + "</p>",
                    a1, tags=["winter"]))
a2 = account("1081104", "tobtobxx", "tobtobxx@fosstodon.example", "<p>Young tech enthusiast.<br>Likes minimalism.</p>",
             [field("\U0001F4CD Lives in:", "Z\u00fcrich, Switzerland (CET)"), field("\U0001F511 GPG key:", "EA23 42C5 3EBF 2A2D")])
lines.append(status("113000000000000002", "2026-01-01T00:00:02.000Z", None,
                    "<p>And now I can&#39;t exit the inner nvim &lt;esc&gt; \U0001F602</p>", a2, spoiler="vim talk"))
a3 = account("2001", "lisboeta", "lisboeta@pt.example", "<p>Fotografia e caf\u00e9. Living in Lisbon since 2019.</p>",
             [field("pronouns", "ela/dela")])
lines.append(status("113000000000000003", "2026-01-01T00:00:03.000Z", "pt",
                    "<p>Bom dia! O sol voltou " + hashtag("bomdia") + "</p>", a3, tags=["bomdia", "fotografia"]))
a4 = account("2002", "maple", "maple@ca.example", "<p>\U0001F4CD Toronto | she/her | coffee</p>", [])
orig = status("113000000000000004", "2025-12-31T23:59:00.000Z", "en", "<p>The CN Tower is lit up in blue tonight</p>", a4)
a5 = account("2003", "booster", "booster", "<p>I boost things.</p>", [field("Based in", "Montr\u00e9al")])
rb = status("113000000000000005", "2026-01-01T00:00:05.000Z", None, "", a5, reblog=orig)
rb["uri"] = "https://social.example/users/booster/statuses/113000000000000005/activity"
lines.append(rb)
a6 = account("2004", "plain", "plain@else.example", "", [])
lines.append(status("113000000000000006", "2026-01-01T00:00:06.000Z", "en", "<p>Nothing to see here.</p>", a6))
for s in lines:
    print(json.dumps(s, ensure_ascii=False, separators=(",", ":")))
