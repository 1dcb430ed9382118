#!/usr/bin/env python3
"""Mix several real-tweet captures into one labelled capture.

    python3 scripts/mix-captures.py --span 600 --out mixed.jsonl --labels labels.tsv \
        captures/a.jsonl captures/b.jsonl ...

Each input capture (one v1.1 status or one v2 envelope {"data":...,"includes":...}
per line) is re-timed so that every capture starts at the same t0 and spans
--span seconds: its tweets keep their order and relative spacing, linearly
scaled (a capture whose tweets all share one timestamp is spread evenly in
file order; --even spreads every capture evenly by rank instead, for captures
whose own timeline has gaps or bursts). --max-per-capture N keeps an evenly
spaced subsample of at most N tweets of each capture. Then all
captures are interleaved by the new time.

Rewritten fields: v1.1 created_at (RubyDate, +0000) and timestamp_ms (always
written); v2 data.created_at (RFC 3339 with milliseconds, Z). Nothing else of
a line changes (it is re-serialised compactly).

labels.tsv gets one line "id<TAB>capture-name" per written tweet (name = file
stem). An id seen in an earlier capture is dropped (the first capture keeps
it); duplicates within a capture are dropped too. Per-capture counts go to
stderr. Python 3 standard library only.
"""
import argparse
import datetime as dt
import json
import os
import sys

RUBY = '%a %b %d %H:%M:%S +0000 %Y'


def parse_t0(s):
    t = dt.datetime.fromisoformat(s.replace('Z', '+00:00'))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.timestamp()


def tweet_id(o):
    if isinstance(o.get('data'), dict):
        return str(o['data'].get('id') or '')
    i = o.get('id_str')
    if i is None and o.get('id') is not None:
        i = o.get('id')
        if isinstance(i, float):  # a float id has lost digits; unusable
            return ''
    return str(i) if i is not None else ''


def orig_time(o):
    """Seconds since the epoch, or None."""
    if isinstance(o.get('data'), dict):
        s = o['data'].get('created_at')
        if isinstance(s, str):
            try:
                return dt.datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp()
            except ValueError:
                return None
        return None
    ms = o.get('timestamp_ms')
    if ms is not None:
        try:
            return int(ms) / 1000.0
        except (TypeError, ValueError):
            pass
    s = o.get('created_at')
    if isinstance(s, str):
        try:
            return dt.datetime.strptime(s, '%a %b %d %H:%M:%S %z %Y').timestamp()
        except ValueError:
            return None
    return None


def located(o):
    if isinstance(o.get('data'), dict):
        g = o['data'].get('geo') or {}
        c = (g.get('coordinates') or {}).get('coordinates') if isinstance(g, dict) else None
        return bool(c) or bool(isinstance(g, dict) and g.get('place_id'))
    return bool(o.get('coordinates') or o.get('geo') or o.get('place'))


def set_time(o, t):
    ms = int(round(t * 1000))
    when = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
    if isinstance(o.get('data'), dict):
        o['data']['created_at'] = when.strftime('%Y-%m-%dT%H:%M:%S.') + f'{ms % 1000:03d}Z'
    else:
        o['created_at'] = when.strftime(RUBY)
        o['timestamp_ms'] = str(ms)


def retime(times, t0, span, even):
    """New times for one capture; times may hold None (filled from neighbours)."""
    n = len(times)
    if n == 0:
        return []
    known = [t for t in times if t is not None]
    if even or not known or max(known) == min(known):
        if n == 1:
            return [t0]
        return [t0 + span * i / (n - 1) for i in range(n)]
    lo, hi = min(known), max(known)
    out, last = [], lo
    for t in times:
        if t is None:
            t = last
        last = t
        out.append(t0 + (t - lo) / (hi - lo) * span)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--span', type=float, required=True, help='seconds each capture spans after re-timing')
    ap.add_argument('--out', required=True, help='mixed capture to write (.jsonl)')
    ap.add_argument('--labels', required=True, help='id<TAB>capture-name file to write')
    ap.add_argument('--t0', default='2026-01-01T00:00:00Z', help='common start time (RFC 3339)')
    ap.add_argument('--located-only', action='store_true', help='keep only tweets with coordinates/geo/place')
    ap.add_argument('--even', action='store_true', help='spread each capture evenly by rank instead of by time')
    ap.add_argument('--max-per-capture', type=int, default=0,
                    help='keep at most N tweets of a capture, an evenly spaced subsample in time order (0: all)')
    ap.add_argument('captures', nargs='+')
    a = ap.parse_args(argv)
    if a.span <= 0:
        ap.error('--span must be positive')
    t0 = parse_t0(a.t0)

    taken = {}  # id -> capture name that kept it
    merged = []  # (new_time, capture_index, rank, obj, id, name)
    for ci, path in enumerate(a.captures):
        name = os.path.splitext(os.path.basename(path))[0]
        c = dict(read=0, bad=0, no_id=0, unlocated=0, dup_within=0, dup_across=0, no_time=0, kept=0)
        items, own = [], set()
        with open(path, encoding='utf-8') as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                c['read'] += 1
                try:
                    o = json.loads(line)
                except ValueError:
                    c['bad'] += 1
                    continue
                if not isinstance(o, dict):
                    c['bad'] += 1
                    continue
                i = tweet_id(o)
                if not i:
                    c['no_id'] += 1
                    continue
                if a.located_only and not located(o):
                    c['unlocated'] += 1
                    continue
                if i in own:
                    c['dup_within'] += 1
                    continue
                own.add(i)
                if i in taken:
                    c['dup_across'] += 1
                    continue
                t = orig_time(o)
                if t is None:
                    c['no_time'] += 1
                items.append((t, len(items), o, i))
        # Time order (stable: ties and untimed tweets keep file order).
        if any(t is not None for t, _, _, _ in items):
            filled, last = [], None
            for t, r, o, i in items:
                last = t if t is not None else last
                filled.append((last, r, o, i))
            first = next(t for t, _, _, _ in items if t is not None)
            filled = [(t if t is not None else first, r, o, i) for t, r, o, i in filled]
            items = sorted(filled, key=lambda x: (x[0], x[1]))
        if a.max_per_capture and len(items) > a.max_per_capture:
            m = a.max_per_capture
            c['capped'] = len(items) - m
            items = [items[j * len(items) // m] for j in range(m)]
        new = retime([t for t, _, _, _ in items], t0, a.span, a.even)
        for (t, r, o, i), nt in zip(items, new):
            taken[i] = name
            merged.append((nt, ci, r, o, i, name))
            c['kept'] += 1
        print(f'{name}: ' + ' '.join(f'{k}={v}' for k, v in c.items()), file=sys.stderr)
    merged.sort(key=lambda x: (x[0], x[1], x[2]))
    with open(a.out, 'w', encoding='utf-8') as out, open(a.labels, 'w', encoding='utf-8') as lab:
        for nt, ci, r, o, i, name in merged:
            set_time(o, nt)
            line = json.dumps(o, ensure_ascii=False, separators=(',', ':'))
            try:
                line.encode('utf-8')
            except UnicodeEncodeError:  # a lone surrogate: keep it escaped
                line = json.dumps(o, separators=(',', ':'))
            out.write(line + '\n')
            lab.write(f'{i}\t{name}\n')
    print(f'total: {len(merged)} tweets from {len(a.captures)} captures -> {a.out}, {a.labels}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
