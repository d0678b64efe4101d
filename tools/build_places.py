"""Build ``src/premium_alloc/data/places.csv.gz`` from the ``cahyadsn/wilayah`` SQL dump.

The source is ``db/wilayah.sql`` of https://github.com/cahyadsn/wilayah (MIT licence, notice in
``src/premium_alloc/data/places-LICENSE.txt``): the Kemendagri 2025 list of region codes
(Kepmendagri 300.2.2-2138/2025 as updated), one ``('code','name')`` row per province,
regency/city, district and village.

Usage::

    git clone https://github.com/cahyadsn/wilayah /tmp/wilayah
    python tools/build_places.py /tmp/wilayah/db/wilayah.sql

Output columns: ``code`` (dotted Kemendagri code), ``name``, ``level`` (1 province, 2 regency or
city, 3 district, 4 village) and ``kind``: for a village ``desa`` or ``kelurahan`` from the first
digit of its fourth part (1 kelurahan; 2 desa; 3 desa adat, counted as desa), for a regency
``kabupaten`` or ``kota`` from its name, empty otherwise. The gzip header carries no time stamp,
so the same input gives the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
from pathlib import Path

ROW = re.compile(r"\('(\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?)','((?:[^']|'')*)'\)")
OUT = Path(__file__).resolve().parents[1] / "src" / "premium_alloc" / "data" / "places.csv.gz"


def rows(sql: str) -> list[tuple[str, str, int, str]]:
    """Parsed ``(code, name, level, kind)`` rows, sorted by code."""
    out = {}
    for code, raw in ROW.findall(sql):
        name = raw.replace("''", "'").strip()
        level = code.count(".") + 1
        kind = ""
        if level == 4:
            kind = "kelurahan" if code[-4] == "1" else "desa"
        elif level == 2:
            kind = "kota" if name.lower().startswith("kota ") else "kabupaten"
        if code in out:
            raise SystemExit(f"duplicate code {code}")
        out[code] = (code, name, level, kind)
    return [out[k] for k in sorted(out)]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    table = rows(Path(argv[1]).read_text(encoding="utf-8"))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "name", "level", "kind"])
    w.writerows(table)
    with open(OUT, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    levels = [sum(1 for r in table if r[2] == lv) for lv in (1, 2, 3, 4)]
    kel = sum(1 for r in table if r[3] == "kelurahan")
    print(f"{len(table)} rows: {levels[0]} provinces, {levels[1]} regencies/cities, {levels[2]} districts, "
          f"{levels[3]} villages ({levels[3] - kel} desa, {kel} kelurahan) -> {OUT} ({OUT.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
