#!/usr/bin/env bash
# Makes the map's fallback fonts in this folder: Noto Sans Arabic, Hebrew
# and Thai, and Noto Sans CJK (its Japanese face) cut down to the common
# characters of Chinese, Japanese and Korean. Noto is under the SIL Open
# Font License 1.1 (LICENSE.noto-*, copied from the Debian packages).
#
# Sources: Debian's fonts-noto-core and fonts-noto-cjk packages, fetched
# with apt-get download (no root, nothing installed), unpacked in a
# temporary folder. Needs apt-get, dpkg-deb and fontTools' subsetter
# (Debian: python3-fonttools).
#
# The CJK subset keeps the ideographs of GB 2312, JIS X 0208 and Big5's
# level 1 (10,277) and common Cantonese ones, every Hangul syllable
# (11,172), kana, CJK punctuation and full-width forms: 3.8 MB instead of
# the collection's 19 MB. Every file drops hinting and OpenType layout tables, which the
# renderer does not read (it shapes Arabic through the presentation forms
# these fonts map).
set -euo pipefail
dest="$(cd "$(dirname "$0")" && pwd)"
py=${PYTHON:-/usr/bin/python3}
"$py" -c 'import fontTools' 2>/dev/null || { echo "fetch.sh: needs fontTools (apt-get install python3-fonttools)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
apt-get download fonts-noto-core=20201225-1 'fonts-noto-cjk=1:20220127+repack1-1' >/dev/null
for d in *.deb; do dpkg-deb -x "$d" x; done
noto=x/usr/share/fonts/truetype/noto
cjk=x/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

subset() { # file out unicodes [more pyftsubset flags]
  "$py" -m fontTools.subset "$1" --output-file="$dest/$2" --unicodes="$3" \
    --layout-features='' --no-hinting --name-IDs='*' "${@:4}"
}
# Arabic with its presentation forms (A and B), Hebrew, Thai.
subset "$noto/NotoSansArabic-Regular.ttf" NotoSansArabic-Regular.ttf 'U+0600-06FF,U+0750-077F,U+FB50-FDFF,U+FE70-FEFF,U+200C-200D'
subset "$noto/NotoSansHebrew-Regular.ttf" NotoSansHebrew-Regular.ttf 'U+0590-05FF,U+FB1D-FB4F'
subset "$noto/NotoSansThai-Regular.ttf" NotoSansThai-Regular.ttf 'U+0E00-0E7F'
# CJK: face 0 of the collection is Noto Sans CJK JP.
"$py" - > cjk-unicodes.txt <<'PY'
def two(ch, codec):
    try:
        return len(ch.encode(codec)) == 2
    except UnicodeEncodeError:
        return False
keep = set(range(0x3000, 0x3100)) | set(range(0x3130, 0x3190)) | set(range(0x31F0, 0x3200)) | set(range(0xFF00, 0xFFF0))
for c in range(0x3400, 0xA000):
    ch = chr(c)
    if two(ch, "gb2312") or two(ch, "euc_jp") or (two(ch, "big5") and ch.encode("big5") < b"\xc6\xa1"):
        keep.add(c)
keep |= set(range(0xAC00, 0xD7A4))  # every Hangul syllable: posts use more than KS X 1001's
# The commonest characters of written Cantonese, which none of those sets has.
keep |= {ord(c) for c in "嘅哋喺佢嚟冇咗啲嘢噉咁諗乜啱嗰呢啩囉喎㗎咩嘥瞓攰揸搵撳𨋢冧攞嚿啖嬲嗌唔嘞"}
print(",".join("U+%04X" % c for c in sorted(keep)))
PY
"$py" -m fontTools.subset "$cjk" --font-number=0 --output-file="$dest/NotoSansCJK-Regular.otf" \
  --unicodes-file=cjk-unicodes.txt --layout-features='' --no-hinting --name-IDs='*'
cp x/usr/share/doc/fonts-noto-core/copyright "$dest/LICENSE.noto-core"
cp x/usr/share/doc/fonts-noto-cjk/copyright "$dest/LICENSE.noto-cjk"
ls -l "$dest"
