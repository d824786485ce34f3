#!/usr/bin/env python3
"""Build the administrative-units CSV files in lms/registry/data/.

What it reads
-------------
The data files shipped inside the PyPI package ``vietnamadminunits``
(version 1.0.4, by Tran Ngoc Minh Hieu, MIT licence; "Copyright (c) 2025
Tran Ngoc Minh Hieu"):

* ``vietnamadminunits/data/dataset.db`` (SQLite), tables
  ``admin_units_legacy`` (63-province scheme: province -> district ->
  commune, in force before 1 July 2025) and ``admin_units`` (34-province
  scheme in force from 1 July 2025: province -> commune). Both carry the
  official General Statistics Office (GSO) codes.
* ``vietnamadminunits/data/converter_2025.json``: the legacy -> 2025
  conversion tables. They are keyed by normalised name keys
  (e.g. ``tinhquangbinh_huyenbotrach_xahaitrach``), which this script
  resolves to GSO codes through the key columns of ``dataset.db``.

The package is only read, never imported (importing it would pull in
shapely/geopy); the app must not import this script and the package is not a
runtime requirement of OCOP LMS.

What it writes (deterministic: sorted rows, ``\\n`` line endings, UTF-8
without BOM, names in Unicode NFC)
-----------------------------------------------------------------------
* ``units_legacy.csv``  code,name,level,parent_code,type
  (level = province|district|commune)
* ``units_2025.csv``    code,name,level,parent_code,type
  (level = province|commune)
* ``unit_mapping.csv``  level,legacy_code,new_code,is_default
  (level = province|district|commune; see lms/registry/data/README.md)

How to run (from the repository root)
-------------------------------------
    python3 -m venv /tmp/v && /tmp/v/bin/pip install vietnamadminunits==1.0.4 \\
        && /tmp/v/bin/python scripts/build_units.py

Options: ``--check`` regenerates in memory and fails (exit 1) if the
committed files differ; ``--data-dir DIR`` reads ``dataset.db`` and
``converter_2025.json`` from DIR instead of the installed package (e.g. an
unzipped wheel, so that the package's dependencies need not be installed);
``--out-dir DIR`` writes somewhere else.

A self-check is printed at the end; the script exits non-zero if it fails.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import importlib.util
import io
import json
import sqlite3
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

EXPECTED_VERSION = "1.0.4"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "lms" / "registry" / "data"

LEVEL_RANK = {"province": 0, "district": 1, "commune": 2}
CODE_LEN = {"province": 2, "district": 3, "commune": 5}

# Official type prefixes of unit names, longest first so that
# "Thành phố" wins over a hypothetical shorter prefix.
TYPE_PREFIXES = {
    "province": ["Thành phố", "Tỉnh"],
    "district": ["Thành phố", "Thị xã", "Quận", "Huyện"],
    "commune": ["Thị trấn", "Đặc khu", "Phường", "Xã"],
}

UNIT_COLUMNS = ["code", "name", "level", "parent_code", "type"]
MAPPING_COLUMNS = ["level", "legacy_code", "new_code", "is_default"]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def norm_name(value: str) -> str:
    """NFC-normalise and collapse whitespace."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def split_type(level: str, name: str) -> tuple[str, str]:
    """Return (type, name) with the type prefix in its official spelling.

    The source has a few prefixes capitalised differently ("Thị Trấn Prao",
    "Thành Phố Bắc Kạn"); GSO writes "Thị trấn", "Thành phố", so the prefix is
    rewritten, the rest of the name is kept as is.
    """
    for prefix in TYPE_PREFIXES[level]:
        head = name[: len(prefix) + 1]
        if head.casefold() == (prefix + " ").casefold():
            return prefix, prefix + name[len(prefix):]
    raise ValueError(f"{level} name without a known type prefix: {name!r}")


def check_code(level: str, code: str) -> str:
    if not (code and code.isdigit() and len(code) == CODE_LEN[level]):
        raise ValueError(f"bad {level} code {code!r}")
    return code


def locate_data_dir(explicit: str | None) -> tuple[Path, str]:
    """Return (data directory, package version or 'unknown')."""
    if explicit:
        return Path(explicit), "unknown (--data-dir)"
    spec = importlib.util.find_spec("vietnamadminunits")  # does not import it
    if spec is None or not spec.submodule_search_locations:
        sys.exit(
            "vietnamadminunits is not installed; run:\n"
            "  python3 -m venv /tmp/v && /tmp/v/bin/pip install "
            f"vietnamadminunits=={EXPECTED_VERSION} && "
            "/tmp/v/bin/python scripts/build_units.py"
        )
    version = importlib.metadata.version("vietnamadminunits")
    return Path(list(spec.submodule_search_locations)[0]) / "data", version


class Notes:
    """Collects data oddities to print (they do not fail the build)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, msg: str) -> None:
        if msg not in self.items:  # one source row per commune repeats
            self.items.append(msg)  # its district and province


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def put_unit(units: dict, code: str, row: dict, what: str) -> None:
    """Insert a unit, refusing two different records under one code."""
    old = units.get(code)
    if old is not None and old != row:
        raise ValueError(f"conflicting {what} records for code {code}: {old} / {row}")
    units[code] = row


def unit_row(level: str, code: str, raw_name: str, parent: str,
             source_type: str | None, notes: Notes, scheme: str) -> dict:
    utype, name = split_type(level, norm_name(raw_name))
    if name != raw_name:
        notes.add(f"{scheme} {level} {code}: name {raw_name!r} written as {name!r}")
    if source_type and norm_name(source_type) != utype:
        notes.add(
            f"{scheme} {level} {code} {name!r}: source type column says "
            f"{source_type!r}, the name prefix says {utype!r}; kept the name prefix"
        )
    return {"code": check_code(level, code), "name": name, "level": level,
            "parent_code": parent, "type": utype}


def read_legacy(conn: sqlite3.Connection, notes: Notes):
    units: dict[str, dict] = {}   # key "level:code"
    keys: dict[str, tuple[str, str]] = {}  # converter key -> (level, code)
    prov_keys: dict[str, str] = {}
    rows = conn.execute(
        "SELECT province, provinceCode, provinceKey, district, districtCode,"
        " districtKey, districtType, ward, wardCode, wardKey, wardType"
        " FROM admin_units_legacy"
    ).fetchall()
    for (prov, pcode, pkey, dist, dcode, dkey, dtype,
         ward, wcode, wkey, wtype) in rows:
        put_unit(units, "province:" + pcode,
                 unit_row("province", pcode, prov, "", None, notes, "legacy"),
                 "legacy province")
        put_unit(units, "district:" + dcode,
                 unit_row("district", dcode, dist, pcode, dtype, notes, "legacy"),
                 "legacy district")
        prov_keys.setdefault(pkey, pcode)
        if prov_keys[pkey] != pcode:
            raise ValueError(f"legacy province key {pkey} has two codes")
        key = f"{pkey}_{dkey}_{wkey or ''}"
        if key in keys:
            raise ValueError(f"duplicate legacy converter key {key}")
        if ward:
            put_unit(units, "commune:" + wcode,
                     unit_row("commune", wcode, ward, dcode, wtype, notes, "legacy"),
                     "legacy commune")
            keys[key] = ("commune", wcode)
        else:
            if wcode:
                raise ValueError(f"legacy row with a commune code but no name: {wcode}")
            notes.add(f"legacy district {dcode} {norm_name(dist)!r} has no communes"
                      " (island district)")
            keys[key] = ("district", dcode)
    return units, keys, prov_keys


def read_2025(conn: sqlite3.Connection, notes: Notes):
    units: dict[str, dict] = {}
    keys: dict[tuple[str, str], str] = {}  # (provinceKey, wardKey) -> commune code
    prov_keys: dict[str, str] = {}
    rows = conn.execute(
        "SELECT province, provinceCode, provinceKey, ward, wardCode, wardKey,"
        " wardType FROM admin_units"
    ).fetchall()
    for prov, pcode, pkey, ward, wcode, wkey, wtype in rows:
        put_unit(units, "province:" + pcode,
                 unit_row("province", pcode, prov, "", None, notes, "2025"),
                 "2025 province")
        put_unit(units, "commune:" + wcode,
                 unit_row("commune", wcode, ward, pcode, wtype, notes, "2025"),
                 "2025 commune")
        prov_keys.setdefault(pkey, pcode)
        if prov_keys[pkey] != pcode:
            raise ValueError(f"2025 province key {pkey} has two codes")
        if (pkey, wkey) in keys:
            raise ValueError(f"duplicate 2025 converter key {(pkey, wkey)}")
        keys[(pkey, wkey)] = wcode
    return units, keys, prov_keys


def read_mapping(conv: dict, legacy_keys, legacy_prov_keys, new_keys, new_prov_keys):
    """Return {(level, legacy_code, new_code): is_default}."""
    out: dict[tuple[str, str, str], int] = {}

    def add(level: str, legacy_code: str, new_code: str, is_default: int) -> None:
        k = (level, legacy_code, new_code)
        if k in out and out[k] != is_default:
            raise ValueError(f"conflicting mapping entries for {k}")
        out[k] = max(out.get(k, 0), is_default)

    for new_pkey, legacy_pkeys in conv["DICT_PROVINCE"].items():
        for lpkey in legacy_pkeys:
            add("province", legacy_prov_keys[lpkey], new_prov_keys[new_pkey], 1)

    # Legacy units that went whole into one new commune.
    for new_pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wkey, legacy_list in wards.items():
            new_code = new_keys[(new_pkey, new_wkey)]
            for lkey in legacy_list:
                level, legacy_code = legacy_keys[lkey]
                add(level, legacy_code, new_code, 1)

    # Legacy communes split among several new communes; one is the default.
    for new_pkey, wards in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for lkey, targets in wards.items():
            level, legacy_code = legacy_keys[lkey]
            for t in targets:
                add(level, legacy_code, new_keys[(new_pkey, t["newWardKey"])],
                    1 if t["isDefaultNewWard"] else 0)
    return out


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def sorted_units(units: dict) -> list[dict]:
    return sorted(units.values(), key=lambda r: (LEVEL_RANK[r["level"]], r["code"]))


def sorted_mapping(mapping: dict) -> list[dict]:
    return [
        {"level": lvl, "legacy_code": lc, "new_code": nc, "is_default": str(d)}
        for (lvl, lc, nc), d in sorted(
            mapping.items(), key=lambda kv: (LEVEL_RANK[kv[0][0]], kv[0][1], kv[0][2]))
    ]


def to_csv(columns: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


# --------------------------------------------------------------------------
# Self-check
# --------------------------------------------------------------------------

def self_check(legacy: list[dict], new: list[dict], mapping: list[dict]) -> list[str]:
    failures: list[str] = []
    lines: list[str] = []

    def check(label: str, ok: bool, detail: str = "") -> None:
        lines.append(f"  [{'ok' if ok else 'FAIL'}] {label}{(': ' + detail) if detail else ''}")
        if not ok:
            failures.append(label)

    lc = Counter(r["level"] for r in legacy)
    nc = Counter(r["level"] for r in new)
    lby = {(r["level"], r["code"]): r for r in legacy}
    nby = {(r["level"], r["code"]): r for r in new}

    check("63 legacy provinces", lc["province"] == 63, str(lc["province"]))
    check("legacy districts (GSO: 696)", lc["district"] == 696, str(lc["district"]))
    check("legacy communes (GSO: 10,035)", lc["commune"] == 10035, str(lc["commune"]))
    check("34 provinces in 2025", nc["province"] == 34, str(nc["province"]))
    check("2025 communes (3,321)", nc["commune"] == 3321, str(nc["commune"]))
    check("no district level in 2025", nc["district"] == 0)

    for scheme, rows, by in (("legacy", legacy, lby), ("2025", new, nby)):
        bad_parent = [r["code"] for r in rows if r["level"] != "province" and (
            ("district" if (r["level"] == "commune" and scheme == "legacy") else "province",
             r["parent_code"]) not in by)]
        check(f"{scheme}: every parent_code exists", not bad_parent, ",".join(bad_parent[:5]))
        non_nfc = [r["code"] for r in rows
                   if unicodedata.normalize("NFC", r["name"]) != r["name"]]
        check(f"{scheme}: names are NFC", not non_nfc)

    m_by_level = defaultdict(list)
    for r in mapping:
        m_by_level[r["level"]].append(r)

    missing = [r for r in mapping if (
        (r["level"], r["legacy_code"]) not in lby
        or ("province" if r["level"] == "province" else "commune", r["new_code"]) not in nby)]
    check("every mapping code exists in both unit files", not missing,
          str(missing[:3]) if missing else f"{len(mapping)} rows")

    mapped_legacy = {r["legacy_code"] for r in m_by_level["commune"]}
    unmapped = [r["code"] for r in legacy if r["level"] == "commune"
                and r["code"] not in mapped_legacy]
    check("every legacy commune maps to >= 1 2025 commune", not unmapped,
          ",".join(unmapped[:10]))

    mapped_prov = {r["legacy_code"] for r in m_by_level["province"]}
    check("every legacy province mapped",
          mapped_prov == {r["code"] for r in legacy if r["level"] == "province"})
    reached = {r["new_code"] for r in m_by_level["commune"] + m_by_level["district"]}
    orphan = [r["code"] for r in new if r["level"] == "commune" and r["code"] not in reached]
    check("every 2025 commune is the target of some mapping row", not orphan,
          ",".join(orphan[:10]))

    defaults = Counter((r["level"], r["legacy_code"]) for r in mapping if r["is_default"] == "1")
    all_src = {(r["level"], r["legacy_code"]) for r in mapping}
    bad_def = [k for k in all_src if defaults[k] != 1]
    check("exactly one is_default=1 row per legacy unit", not bad_def, str(bad_def[:5]))

    # Commune targets lie in the province the province mapping says.
    prov_map = {r["legacy_code"]: r["new_code"] for r in m_by_level["province"]}

    def legacy_province(level: str, code: str) -> str:
        if level == "district":
            return lby[("district", code)]["parent_code"]
        return lby[("district", lby[("commune", code)]["parent_code"])]["parent_code"]

    incons = [r for r in m_by_level["commune"] + m_by_level["district"]
              if prov_map[legacy_province(r["level"], r["legacy_code"])]
              != nby[("commune", r["new_code"])]["parent_code"]]
    check("commune mapping agrees with province mapping", not incons, str(incons[:3]))

    def name(by, level, code):
        r = by.get((level, code))
        return r["name"] if r else None

    check("legacy province 44 = Tỉnh Quảng Bình",
          name(lby, "province", "44") == "Tỉnh Quảng Bình", str(name(lby, "province", "44")))
    check("2025 province 44 = Tỉnh Quảng Trị",
          name(nby, "province", "44") == "Tỉnh Quảng Trị", str(name(nby, "province", "44")))
    check("legacy province 45 = Tỉnh Quảng Trị",
          name(lby, "province", "45") == "Tỉnh Quảng Trị", str(name(lby, "province", "45")))
    check("legacy province 45 -> 2025 province 44", prov_map.get("45") == "44",
          str(prov_map.get("45")))
    check("legacy province 44 -> 2025 province 44", prov_map.get("44") == "44",
          str(prov_map.get("44")))

    split = Counter(r["legacy_code"] for r in m_by_level["commune"])
    n_split = sum(1 for v in split.values() if v > 1)
    lines.append(f"  info: {n_split} legacy communes are split among 2..{max(split.values())}"
                 " 2025 communes (one is_default=1 each)")
    lines.append("  info: mapping rows by level: "
                 + ", ".join(f"{k}={len(v)}" for k, v in sorted(
                     m_by_level.items(), key=lambda kv: LEVEL_RANK[kv[0]])))
    print("Self-check:")
    print("\n".join(lines))
    return failures


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", help="directory holding dataset.db and converter_2025.json")
    ap.add_argument("--out-dir", default=str(DEFAULT_OUT))
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the committed files differ")
    args = ap.parse_args(argv)

    data_dir, version = locate_data_dir(args.data_dir)
    print(f"Source: vietnamadminunits {version} ({data_dir})")
    if version not in (EXPECTED_VERSION, "unknown (--data-dir)"):
        print(f"WARNING: expected vietnamadminunits {EXPECTED_VERSION}; "
              "update README.md if you move to another version")

    notes = Notes()
    conn = sqlite3.connect(f"file:{data_dir / 'dataset.db'}?mode=ro", uri=True)
    try:
        legacy_units, legacy_keys, legacy_prov_keys = read_legacy(conn, notes)
        new_units, new_keys, new_prov_keys = read_2025(conn, notes)
    finally:
        conn.close()
    conv = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))
    mapping = read_mapping(conv, legacy_keys, legacy_prov_keys, new_keys, new_prov_keys)

    legacy_rows = sorted_units(legacy_units)
    new_rows = sorted_units(new_units)
    mapping_rows = sorted_mapping(mapping)

    outputs = {
        "units_legacy.csv": to_csv(UNIT_COLUMNS, legacy_rows),
        "units_2025.csv": to_csv(UNIT_COLUMNS, new_rows),
        "unit_mapping.csv": to_csv(MAPPING_COLUMNS, mapping_rows),
    }

    out_dir = Path(args.out_dir)
    stale = []
    for fname, text in outputs.items():
        path = out_dir / fname
        data = text.encode("utf-8")
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(fname)
        else:
            out_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        print(f"{'checked' if args.check else 'wrote'} {path} "
              f"({text.count(chr(10)) - 1} rows)")

    if notes.items:
        print(f"Data notes ({len(notes.items)}):")
        for n in notes.items:
            print("  - " + n)

    failures = self_check(legacy_rows, new_rows, mapping_rows)
    if stale:
        print("STALE (regenerate and commit): " + ", ".join(stale))
    if failures or stale:
        print(f"FAILED: {len(failures)} self-check failure(s)")
        return 1
    print("All self-checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
