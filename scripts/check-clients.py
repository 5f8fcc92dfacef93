#!/usr/bin/env python3
"""Check data/clients.csv, the built-in registry of Danish public employers.

Usage: scripts/check-clients.py [path/to/clients.csv]

Python 3 standard library only. Prints the counts per kind and sector, and every
problem found; exits 0 when the file is sound, 1 when it is not, 2 when it cannot
be read. See data/README.md for what each rule stands for.
"""

import collections
import csv
import os
import re
import sys
import unicodedata

HEADER = ["id", "name", "sector", "kind", "code", "aliases"]
SECTORS = {"state", "region", "municipality"}
KINDS = {"municipality", "region", "ministry", "agency", "other-state"}
SECTOR_OF_KIND = {
    "municipality": "municipality",
    "region": "region",
    "ministry": "state",
    "agency": "state",
    "other-state": "state",
}
MUNICIPALITIES = 98
REGION_CODES = {"1081", "1082", "1083", "1084", "1085"}
NOT_MUNICIPALITIES = {"411"}  # Christiansø: governed by the state, in no municipality

ID_RE = {
    "municipality": re.compile(r"kommune-(\d{3})"),
    "region": re.compile(r"region-(\d{4})"),
    "state": re.compile(r"stat-[a-z0-9]+(?:-[a-z0-9]+)*"),
}


def match_key(text):
    """The key matching compares: lowercase, æ->ae ø->oe å->aa (ä->ae, ö->oe), accents dropped,
    and only letters a-z and digits kept (no spaces, hyphens or other punctuation).
    pledgecheck's registry::match_key is the same function. NFC first, so that an å written
    as a + combining ring folds to aa, not a."""
    s = unicodedata.normalize("NFC", text).lower()
    s = s.replace("æ", "ae").replace("ø", "oe").replace("å", "aa").replace("ä", "ae").replace("ö", "oe")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", s)


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    path = argv[1] if len(argv) > 1 else os.path.join(here, os.pardir, "data", "clients.csv")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        print(f"{path}: cannot read: {e}", file=sys.stderr)
        return 2

    errors = []

    def err(line, msg):
        errors.append(f"{path}:{line}: {msg}" if line else f"{path}: {msg}")

    if raw.startswith(b"\xef\xbb\xbf"):
        err(1, "starts with a byte order mark; the file must be plain UTF-8")
    if b"\r" in raw:
        err(0, "contains carriage returns; lines must end with LF only")
    if raw and not raw.endswith(b"\n"):
        err(0, "the last line does not end with a newline")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        err(0, f"not valid UTF-8: {e}")
        text = raw.decode("utf-8", errors="replace")
    text = text.lstrip("\ufeff")

    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as e:
        err(reader.line_num, f"not valid CSV: {e}")
        records = []

    if not records:
        err(0, "empty file")
    elif records[0][1] != HEADER:
        err(1, f"header is {','.join(records[0][1])!r}, expected {','.join(HEADER)!r}")

    rows = []
    for line, row in records[1:]:
        if len(row) != len(HEADER):
            err(line, f"has {len(row)} fields, expected {len(HEADER)}")
            continue
        rows.append((line, dict(zip(HEADER, row))))

    ids = {}
    codes = {}
    keys = {}  # match key -> (line, id, "name" or "alias", text)
    kinds = collections.Counter()
    sectors = collections.Counter()
    region_codes = set()

    for line, r in rows:
        for field in HEADER:
            if r[field] != r[field].strip():
                err(line, f"{field} {r[field]!r} has leading or trailing spaces")
        rid, name, sector, kind, code = r["id"], r["name"], r["sector"], r["kind"], r["code"]

        if sector not in SECTORS:
            err(line, f"sector {sector!r} is not one of {', '.join(sorted(SECTORS))}")
        if kind not in KINDS:
            err(line, f"kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
        elif sector in SECTORS and SECTOR_OF_KIND[kind] != sector:
            err(line, f"kind {kind} belongs to sector {SECTOR_OF_KIND[kind]}, not {sector}")
        kinds[kind] += 1
        sectors[sector] += 1

        if rid in ids:
            err(line, f"id {rid} already used on line {ids[rid]}")
        ids.setdefault(rid, line)
        pattern = ID_RE.get(sector)
        m = pattern.fullmatch(rid) if pattern else None
        if pattern and not m:
            err(line, f"id {rid!r} does not have the form {pattern.pattern} for sector {sector}")
        elif m and m.groups() and m.group(1) != code:
            err(line, f"id {rid} does not carry its code {code!r}")

        if not name or "|" in name:
            err(line, f"name {name!r} is empty or contains '|'")

        if kind == "municipality":
            if not re.fullmatch(r"\d{3}", code):
                err(line, f"municipality code {code!r} is not 3 digits")
            if code in NOT_MUNICIPALITIES:
                err(line, f"code {code} is not a municipality")
        elif kind == "region":
            if code not in REGION_CODES:
                err(line, f"region code {code!r} is not one of {', '.join(sorted(REGION_CODES))}")
            region_codes.add(code)
        elif code:
            err(line, f"state bodies have no code, found {code!r}")
        if code:
            if code in codes:
                err(line, f"code {code} already used on line {codes[code]}")
            codes.setdefault(code, line)

        own = {}
        name_key = match_key(name)
        if not name_key:
            err(line, f"name {name!r} has nothing left to match on")
        own[name_key] = "its name"
        aliases = r["aliases"].split("|") if r["aliases"] else []
        for alias in aliases:
            if alias != alias.strip() or not alias:
                err(line, f"alias {alias!r} is empty or has leading or trailing spaces")
                continue
            key = match_key(alias)
            if not key:
                err(line, f"alias {alias!r} has nothing left to match on")
            elif key in own:
                err(line, f"alias {alias!r} matches {own[key]} once case, spaces, punctuation "
                          "and æ/ø/å are ignored; leave it out")
            else:
                own[key] = f"its alias {alias!r}"
        for key, what in own.items():
            if key in keys and keys[key][1] != rid:
                oline, oid, owhat = keys[key]
                err(line, f"{what} collides with {owhat} of {oid} (line {oline})")
            keys.setdefault(key, (line, rid, what.replace("its ", "")))

    if kinds["municipality"] != MUNICIPALITIES:
        err(0, f"{kinds['municipality']} rows of kind municipality, expected {MUNICIPALITIES}")
    if kinds["region"] != len(REGION_CODES) or region_codes != REGION_CODES:
        missing = ", ".join(sorted(REGION_CODES - region_codes)) or "none"
        err(0, f"{kinds['region']} rows of kind region, expected 5 with codes 1081-1085 "
               f"(missing: {missing})")

    print(f"{path}: {len(rows)} entries")
    for kind in ["municipality", "region", "ministry", "agency", "other-state"]:
        print(f"  kind {kind:<13} {kinds[kind]:>4}")
    for kind in sorted(set(kinds) - set(SECTOR_OF_KIND)):
        print(f"  kind {kind!r:<13} {kinds[kind]:>4}  (unknown)")
    print("  " + ", ".join(f"sector {s} {sectors[s]}" for s in ["municipality", "region", "state"]))
    print(f"  aliases {sum(len(r['aliases'].split('|')) for _, r in rows if r['aliases'])}")

    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print(f"{len(errors)} problem(s)", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
