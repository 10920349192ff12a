"""Regenerate ``src/sealdoc/twoddoc/data/identifiers.json``: the 337 data identifiers of spec §7.

Usage::

    python scripts/build_twoddoc_dictionary.py --spec-dir /path/to/spec/2ddoc [--check]

The spec pack directory holds ``vectors/spec_v326_data_identifiers_C40_perimeter01.json`` (id,
name, min, max, type of every DI, parsed from the specification) and
``official/ants_2d-doc_specifications_techniques_v326.txt`` (``pdftotext -layout`` of the ANTS
specification v3.2.6). The script

1. loads the vector rows and cross-checks every one against the specification text (it stops if
   a row differs from the text);
2. reads each DI's *description* in the text to derive how its value is encoded (``kind``: text,
   integer, decimal, date in one of three encodings, ...) and which characters it may hold
   (``charset``);
3. applies the corrections listed in ``CORRECTIONS`` below, each with the reason, where the
   specification contradicts itself (these are recorded in the output, field ``corrections``);
4. writes the JSON (or, with ``--check``, fails if the checked-in file differs).

See ``src/sealdoc/twoddoc/data/PROVENANCE.md`` for where the inputs came from.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import string
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "src" / "sealdoc" / "twoddoc" / "data" / "identifiers.json"
VECTORS = "vectors/spec_v326_data_identifiers_C40_perimeter01.json"
SPEC_TEXT = "official/ants_2d-doc_specifications_techniques_v326.txt"

UPPER = string.ascii_uppercase
DIGITS = string.digits
HEX = "0123456789ABCDEF"
BASE32 = UPPER + "234567"

TYPES = {
    "Alphanumérique": "alphanumeric",
    "Numérique": "numeric",
    "Alphabétique": "alphabetic",
    "Float": "decimal",
    "Alphanumérique et symboles": "alphanumeric",
    "Alphanumérique + symbole": "alphanumeric",
}

# Numeric DIs whose value is a quantity (decoded to ``int``). Other all-digit DIs are identifiers
# (postal codes, SIREN/SIRET, phone or tax numbers) whose leading zeros matter: kept as text.
INTEGERS = {
    "09": "number of pages",
    "41": "reference taxable income (whole euros)",
    "45": "year",
    "5T": "contract type code 0-3",
    "6J": "foreign document type code 1-5",
    "AK": "badge number, 'valeur numérique' zero-padded",
    "AN": "mileage",
    "AO": "'L'entier correspondant' zero-padded",
    "AT": "owner type code 1-2",
    "BA": "honours code 0-6",
    "BD": "EQF level",
    "BE": "ECTS credits ('Entier positif')",
    "CB": "registration number, 'valeur numérique' zero-padded",
    "D8": "validity in months",
    "DY": "number of article lines",
    "E5": "licence status code (annex 13)",
    "H8": "number of packages",
    "H9": "gross weight",
    "HA": "net weight",
    "HB": "customs value",
    "L7": "rank of the last vaccination",
    "L8": "number of doses",
}

# Enumerated codes made of capital letters only (no spaces, no digits).
LETTER_CODES = {
    "68": "gender M/F",
    "76": "gender M/F",
    "B6": "gender M/F/X",
    "C0": "gender M/F",
    "C5": "gender M/F",
    "F3": "gender M/F/U",
    "F5": "result P/N/I/X",
    "7D": "coffin code O/S/H",
    "BG": "diploma type code (BR, CA, ...)",
    "G0": "procedure code (PN, PA, PD)",
    "G1": "region code (KO, AR, ...)",
    "E4": "statement type code (RII, RIR, RRP, APC)",
}

# Overrides applied after the automatic derivation. ``erratum`` marks where the specification
# contradicts itself (recorded in the output as ``corrections``); the others record how a
# description was read where its wording does not say it plainly (output ``notes``).
CORRECTIONS: dict[str, dict[str, Any]] = {
    "25": {
        "type": "alphabetic",
        "charset": UPPER + " ",
        "erratum": True,
        "reason": "typed 'Numérique' in §7.1 but its description and every reference code hold a "
        "town name in letters (README erratum 5)",
    },
    "2C": {
        "type": "alphabetic",
        "charset": UPPER + " ",
        "erratum": True,
        "reason": "typed 'Numérique' in §7.1 but described as letters and spaces, like DI 25 "
        "(same erratum as DI 25)",
    },
    "D3": {
        "kind": "date",
        "erratum": True,
        "reason": "described as AAAAMMJJ ('AAAAMMMJJ'), but the signed §16 reference code C1 "
        "holds 01012021 (JJMMAAAA) and D4 03022021 is no valid AAAAMMJJ date",
    },
    "D4": {
        "kind": "date",
        "erratum": True,
        "reason": "same as D3 (description copied from D3, reference code uses JJMMAAAA)",
    },
    "0C": {
        "kind": "url",
        "charset": BASE32,
        "reason": "the URL is stored as RFC 4648 Base32 (no padding) of its UTF-8 bytes; the "
        "charset is the Base32 alphabet, the decoded value is the URL",
    },
    "6F": {
        "charset": UPPER + DIGITS + " ",
        "reason": "MRZ filler '<' is encoded as a space (§7.5), so only [A-Z0-9 ] occurs",
    },
    "65": {
        "charset": UPPER + " ",
        "reason": "document type letters; the §16 reference codes pad a one-letter type with a "
        "space ('P ')",
    },
    "A5": {
        "charset": UPPER + DIGITS + " ",
        "reason": "fixed length 3, the reference code pads 'M1' with a space",
    },
    "F4": {
        "charset": UPPER + DIGITS + "-",
        "reason": "no character set in the spec: LOINC codes are digits with a '-' check digit",
    },
    "L2": {
        "kind": "date",
        "date_tolerance": "lunar",
        "reason": "typed 'Alphanumérique' but encoded JJMMAAAA; lunar dates (day up to 30, "
        "month up to 50) may occur, so invalid calendar dates are kept as text",
    },
    "6L": {
        "kind": "date",
        "reason": "typed 'Alphanumérique' but encoded JJMMAAAA",
    },
    "BF": {
        "kind": "hex_int",
        "reason": "typed 'Numérique' but the year is encoded in hexadecimal ([0-9A-F])",
    },
    "7H": {
        "kind": "hex_int",
        "reason": "an integer encoded in hexadecimal",
    },
    "A7": {
        "kind": "hex_int",
        "reason": "CO2 rate: an integer encoded in hexadecimal",
    },
    "AE": {
        "kind": "time_hhmm",
        "charset": DIGITS,
        "reason": "time of the offence as HHmm",
    },
    "07": {
        "kind": "time",
        "reason": "time as HHMMSS",
    },
    "E6": {
        "charset": UPPER + DIGITS + " ",
        "reason": "licence categories separated by spaces",
    },
    "G4": {
        "kind": "decimal",
        "charset": DIGITS + ",-",
        "reason": "typed 'Float': digits, at most one comma and one minus sign",
    },
}


def _spec_blocks(text: str) -> dict[str, dict[str, str]]:
    """Every DI block of §7 in the specification text: name, min, max, type, description."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("7.        Identifiants"))
    end = next(i for i, line in enumerate(lines) if line.startswith("8. Annexe : Données"))
    noise = re.compile(
        r"Spécifications techniques|Date : \d|des codes à barres 2D-Doc|^\s*Transverses\s*$"
        r"|Page \d+ sur 216|^\s*$"
    )
    body = [line for line in lines[start:end] if not noise.search(line)]
    blocks: dict[str, dict[str, str]] = {}
    texts: dict[str, list[str]] = {}
    current: str | None = None
    for i, line in enumerate(body):
        match = re.match(r"^\s{0,3}([0-9A-Z]{2})\s+(\S.*)$", line)
        if match and i + 1 < len(body) and "Taille Min." in body[i + 1]:
            current = match.group(1)
            blocks[current] = {"name": match.group(2).strip()}
            texts[current] = []
        elif current is not None:
            texts[current].append(line)
    for di, block in blocks.items():
        raw = "\n".join(texts[di])
        block["min"] = re.search(r"Taille Min\.\s*(\S+)", raw).group(1)  # type: ignore[union-attr]
        block["max"] = re.search(r"Taille Max\.\s*(\S+)", raw).group(1)  # type: ignore[union-attr]
        block["type"] = re.search(r"Type\s+(.+)", raw).group(1).strip()  # type: ignore[union-attr]
        description = raw.split("Description", 1)[1] if "Description" in raw else ""
        block["description"] = " ".join(description.split())
    return blocks


def _charset(description: str, spec_type: str) -> str:
    """The characters a value may hold, from the wording of its description."""
    # "S'il y a des espaces, ils sont retirés": spaces are removed, so none may occur.
    d = re.sub(r"S.il y a des espaces, ils sont retirés\.?", "", description)
    chars = set()
    if "[A-Z]" in d or "lettres majuscules" in d or "(A-Z0-9)" in d or "0-9A-Z" in d:
        chars |= set(UPPER)
    if "ISO3166" in d:
        chars |= set(UPPER)
    if "[0-9]" in d or "chiffres" in d or "(A-Z0-9)" in d or "0-9A-Z" in d:
        chars |= set(DIGITS)
    if re.search(r"espaces?\b|ESPACE", d):
        chars |= {" "}
    if re.search(r"‘/’|'/'|« / »|« / »|slash|barres obliques", d):
        chars |= {"/"}
    if re.search(r"tirets?|‘-‘|'-'|« - »|\[,-\]|\[A-Z\]-", d):
        chars |= {"-"}
    if "virgule" in d or "[0-9,]" in d or "[,-]" in d:
        chars |= {","}
    if "apostrophes" in d:
        chars |= {"'"}
    if "points (‘.’)" in d or "« . »" in d:
        chars |= {"."}
    if "0 = faux et 1 = vrai" in d:
        chars = set("01")
    if not chars:  # no wording: fall back on the declared type
        chars = {
            "Numérique": set(DIGITS),
            "Alphabétique": set(UPPER + " "),
        }.get(spec_type, set(UPPER + DIGITS + " "))
    return "".join(sorted(chars))


def _kind(di: str, description: str) -> str:
    d = description
    if "0 = faux et 1 = vrai" in d:
        return "bool"
    if "JJMMAAAAHHmm" in d:
        return "datetime"
    if "JJMMAAAA" in d:
        return "date"
    if "nombre de jours" in d and "hexad" in d:
        return "date_hex"
    if "base 36" in d:
        return "base36_int"
    if "virgule" in d:
        return "decimal"
    if di in INTEGERS:
        return "integer"
    return "text"


def build(spec_dir: Path) -> dict[str, Any]:
    rows = json.loads((spec_dir / VECTORS).read_text(encoding="utf-8"))
    blocks = _spec_blocks((spec_dir / SPEC_TEXT).read_text(encoding="utf-8"))
    if {row["id"] for row in rows} != set(blocks):
        sys.exit("the vector rows and the specification text list different identifiers")
    identifiers = []
    for row in rows:
        block = blocks[row["id"]]
        for key in ("name", "min", "max", "type"):
            if row[key] != block[key]:
                sys.exit(f"DI {row['id']}: {key} {row[key]!r} differs from the text {block[key]!r}")
        di = row["id"]
        entry: dict[str, Any] = {
            "id": di,
            "name": row["name"].rstrip("."),
            "min": int(row["min"]),
            "max": None if row["max"] == "Aucune" else int(row["max"]),
            "type": TYPES[row["type"]],
            "kind": _kind(di, block["description"]),
            "charset": _charset(block["description"], row["type"]),
            "section": row["section"].split(" ", 1)[0],
        }
        if entry["kind"] == "date_hex":
            entry["charset"] = HEX
        if entry["kind"] in ("hex_int",):
            entry["charset"] = HEX
        if di in LETTER_CODES:
            entry["charset"] = UPPER
        if "ne sont pas connus" in block["description"]:
            entry["date_tolerance"] = "partial"  # day, or day and month, written 00
        correction = CORRECTIONS.get(di)
        if correction:
            for key, value in correction.items():
                if key not in ("reason", "erratum"):
                    entry[key] = value
            if entry["kind"] == "hex_int":
                entry["charset"] = HEX
            entry["corrections" if correction.get("erratum") else "notes"] = [correction["reason"]]
        identifiers.append(entry)
    return {
        "source": "ANTS, Spécifications techniques des codes à barres 2D-Doc, v3.2.6 "
        "(24/03/2023), section 7 (perimeter C40 '01')",
        "generated_by": "scripts/build_twoddoc_dictionary.py",
        "kinds": {
            "text": "string, as written",
            "integer": "int (decimal digits)",
            "decimal": "Decimal ('1319,24' -> 1319.24; comma as decimal separator)",
            "bool": "'0' false, '1' true",
            "date": "date from JJMMAAAA (day/month '00' = unknown: kept as text)",
            "datetime": "datetime from JJMMAAAAHHMM",
            "date_hex": "date from 4 hex digits, days since 2000-01-01 (FFFF = none)",
            "time": "time from HHMMSS",
            "time_hhmm": "time from HHMM",
            "hex_int": "int from hexadecimal digits",
            "base36_int": "int from one base-36 digit (0-9A-Z)",
            "url": "string: UTF-8 URL decoded from RFC 4648 Base32 without padding",
        },
        "identifiers": identifiers,
    }


def _dumps(data: dict[str, Any]) -> str:
    """JSON with one identifier per line, so that a change shows as a one-line diff."""
    head = {key: value for key, value in data.items() if key != "identifiers"}
    lines = json.dumps(head, ensure_ascii=False, indent=1)[:-2].split("\n")
    rows = [json.dumps(row, ensure_ascii=False) for row in data["identifiers"]]
    return (
        "\n".join(
            [
                *lines[:-1],
                lines[-1] + ",",
                ' "identifiers": [',
                "  " + ",\n  ".join(rows),
                " ]",
                "}",
            ]
        )
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--spec-dir",
        type=Path,
        default=os.environ.get("SEALDOC_SPEC_DIR"),
        help="the 2D-Doc spec pack (default: $SEALDOC_SPEC_DIR)",
    )
    parser.add_argument("--check", action="store_true", help="fail if the output is out of date")
    args = parser.parse_args()
    if args.spec_dir is None:
        parser.error("--spec-dir (or SEALDOC_SPEC_DIR) is required")
    text = _dumps(build(args.spec_dir))
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUTPUT} is out of date: run {Path(__file__).name}")
        return
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({text.count(chr(10))} lines)")


if __name__ == "__main__":
    main()
