"""Build the built-in "surnames by origin" data set from Faker's locale data.

The name-origin classifier lesson needs labelled surnames in the layout of the
PyTorch "names" tutorial: one ``<Origin>.txt`` file per class, one name per
line. That tutorial's data cannot be bundled here, so this script derives an
equivalent set from the person providers that ship with the Faker package
(``faker.providers.person.<locale>``), which hold hand-curated surname lists
for many locales.

Pipeline:

1. For every locale in ``LOCALE_ORIGINS`` read the surname attributes of its
   ``Provider`` class (``last_names``, ``last_names_male``, ``male_last_names``,
   OrderedDicts of name -> weight, ...). If a locale offers a romanized list
   (``last_romanized_names``) only that one is used, because native-script
   lists (kanji, hanzi) cannot be turned into Latin letters by a simple table.
2. Transliterate Cyrillic (ru_RU) and Greek (el_GR) with the small tables
   below, then ASCII-fold like the tutorial: NFD-normalise, drop combining
   marks, and keep a name only if it then consists of ASCII letters, space,
   apostrophe and hyphen. Empty and single-letter names are dropped.
3. Dedupe inside each class (case-insensitively), then remove every name that
   occurs in more than one class from *all* classes, so each name has exactly
   one label.
4. Keep only classes with at least ``MIN_NAMES`` names and write them, sorted,
   together with a README.md that records the Faker version and the counts.

Everything is deterministic (no sampling, sorted output), so running the script
twice yields byte-identical files. Regenerate with:

    python3 tools/make_names.py [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import faker

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "models" / "data" / "names"

# A class smaller than this is too thin to learn from and would mostly add noise.
MIN_NAMES = 200
# The lesson is only interesting with a reasonable number of classes; fail loudly
# if a Faker upgrade ever shrinks the data below that.
MIN_CLASSES = 8

# Faker locale -> origin class. Only locales whose surname lists reflect the
# origin well are mapped: e.g. fr_CA, de_LU and nl_BE are left out because their
# lists mix in English, Portuguese or Flemish names that would blur the classes.
# Vietnamese, Korean and Arabic are skipped: their lists are tiny or written in
# scripts that do not romanize with a simple table.
LOCALE_ORIGINS: dict[str, str] = {
    "zh_CN": "Chinese",
    "zh_TW": "Chinese",
    "cs_CZ": "Czech",
    "nl_NL": "Dutch",
    "en_GB": "English",
    "en_US": "English",
    "fi_FI": "Finnish",
    "fr_FR": "French",
    "de_AT": "German",
    "de_CH": "German",
    "de_DE": "German",
    "el_GR": "Greek",
    "hu_HU": "Hungarian",
    "en_IE": "Irish",
    "ga_IE": "Irish",
    "it_IT": "Italian",
    "ja_JP": "Japanese",
    "pl_PL": "Polish",
    "pt_BR": "Portuguese",
    "pt_PT": "Portuguese",
    "ru_RU": "Russian",
    "es_ES": "Spanish",
    "sv_SE": "Swedish",
    "tr_TR": "Turkish",
}

# Russian Cyrillic -> Latin, a plain passport-style scheme (one entry per letter).
CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}

# Greek -> Latin, simplified ELOT 743 (the scheme of Greek passports). The
# digraph "ου" must be matched before single letters; the context-dependent
# rules for "αυ/ευ/ηυ" and nasal "γ" are handled in greek_to_latin().
GREEK = {
    "ου": "ou",
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i",
    "θ": "th", "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x",
    "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y",
    "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}

# Latin letters that NFD does not split into base + mark, so plain folding
# would reject names such as "Małecki" or "Strauß". Spelled the usual way.
EXTRA_LATIN = {
    "ł": "l", "Ł": "L", "ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae",
    "œ": "oe", "Œ": "Oe", "đ": "d", "Đ": "D", "ı": "i", "ð": "d", "þ": "th",
}

VALID_NAME = re.compile(r"[A-Za-z' -]+")
COMBINING_ACUTE = "\u0301"  # Greek tonos after NFD


def apply_table(text: str, table: dict[str, str]) -> str:
    """Greedy longest-match transliteration of lower-case ``text``.

    A character missing from the table is looked up by its NFD base letter
    (so accented "ϊ" falls back to "ι"); if that fails it is kept as is and the
    name is later rejected by the ASCII check.
    """
    longest = max(len(key) for key in table)
    out = []
    i = 0
    while i < len(text):
        for size in range(longest, 0, -1):
            chunk = text[i:i + size]
            if chunk in table:
                out.append(table[chunk])
                i += size
                break
        else:
            char = text[i]
            base = unicodedata.normalize("NFD", char)[0]
            out.append(table.get(base, char))
            i += 1
    return "".join(out)


def capitalise_parts(name: str) -> str:
    """Upper-case the first letter of each space/hyphen separated part."""
    return re.sub(r"(^|[ -])([a-z])", lambda m: m.group(1) + m.group(2).upper(), name)


def cyrillic_to_latin(name: str) -> str:
    return capitalise_parts(apply_table(name.lower(), CYRILLIC))


def greek_to_latin(name: str) -> str:
    # Drop the stress mark (tonos) but keep the diaeresis: "ού" is still the
    # digraph "ou" whereas "οϋ" is two separate vowels.
    text = unicodedata.normalize("NFD", name.lower()).replace(COMBINING_ACUTE, "")
    text = unicodedata.normalize("NFC", text)
    # ELOT 743: the "υ" of αυ/ευ/ηυ sounds "f" before a voiceless consonant or
    # at the end of the word and "v" elsewhere; rewriting it to φ/β first lets
    # the plain table do the rest.
    text = re.sub(r"(?<=[αεη])υ(?=[θκξπστφχψς]|$)", "φ", text)
    text = re.sub(r"(?<=[αεη])υ", "β", text)
    # "γ" before γ/ξ/χ is nasal: Αγγελόπουλος -> Angelopoulos.
    text = re.sub(r"γ(?=[γξχ])", "ν", text)
    return capitalise_parts(apply_table(text, GREEK))


# Locales whose surnames are not in Latin script and need transliteration.
TRANSLITERATORS = {"ru_RU": cyrillic_to_latin, "el_GR": greek_to_latin}


def ascii_fold(name: str) -> str:
    """Tutorial-style folding: NFD, drop combining marks, map EXTRA_LATIN."""
    decomposed = unicodedata.normalize("NFD", name)
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return "".join(EXTRA_LATIN.get(c, c) for c in kept)


def clean_name(raw: str, locale: str) -> str | None:
    """Return the ASCII form of ``raw`` or None if it cannot be used."""
    name = " ".join(raw.split())  # strip and collapse inner whitespace
    if locale in TRANSLITERATORS:
        name = TRANSLITERATORS[locale](name)
    name = ascii_fold(name)
    if name.isupper():
        # zh_TW spells its romanized names in capitals ("CHEN"); match the rest.
        name = capitalise_parts(name.lower())
    if not VALID_NAME.fullmatch(name):
        return None
    if sum(c.isalpha() for c in name) < 2:
        return None
    return name


def surname_attributes(locale: str) -> dict[str, object]:
    """Surname collections defined by the locale's own Provider classes.

    Attributes inherited from the generic ``faker.providers.person.Provider``
    are ignored: pl_PL, for example, inherits ``last_names = ("Doe",)`` while
    its real lists are ``unisex_last_names`` and ``male_last_names``.
    """
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    found: dict[str, object] = {}
    for cls in provider.__mro__:
        if not cls.__module__.startswith("faker.providers.person."):
            continue  # the generic base provider and everything above it
        for attr, value in vars(cls).items():
            if "last" in attr and "names" in attr and attr not in found:
                if isinstance(value, (tuple, list, dict)):
                    found[attr] = value
    romanized = {a: v for a, v in found.items() if "romanized" in a}
    return dict(sorted((romanized or found).items()))


def raw_surnames(locale: str) -> list[str]:
    names: list[str] = []
    for value in surname_attributes(locale).values():
        # Tuples/lists hold names; (Ordered)dicts map name -> weight, so
        # iterating yields the names either way. Non-strings (e.g. ja_JP's
        # (kanji, kana, romaji) pairs) are not surnames on their own.
        names.extend(item for item in value if isinstance(item, str))
    return names


def build(min_names: int = MIN_NAMES) -> tuple[dict[str, list[str]], list[dict]]:
    """Return (kept classes -> sorted names, per-class statistics)."""
    stats: dict[str, dict] = {}
    # origin -> lower-cased name -> spellings seen (for case-insensitive dedupe)
    spellings: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for locale, origin in sorted(LOCALE_ORIGINS.items()):
        row = stats.setdefault(origin, {"origin": origin, "locales": [], "raw": 0, "unusable": 0})
        row["locales"].append(locale)
        for raw in raw_surnames(locale):
            row["raw"] += 1
            name = clean_name(raw, locale)
            if name is None:
                row["unusable"] += 1
            else:
                spellings[origin][name.lower()].add(name)

    # A name listed under several origins has no single correct label.
    owners: dict[str, set[str]] = defaultdict(set)
    for origin, names in spellings.items():
        for key in names:
            owners[key].add(origin)
    shared = {key for key, origins in owners.items() if len(origins) > 1}

    kept: dict[str, list[str]] = {}
    for origin in sorted(stats):
        row = stats[origin]
        names = spellings[origin]
        row["distinct"] = len(names)
        row["shared"] = sum(key in shared for key in names)
        # min() picks one spelling deterministically when only case differs.
        final = sorted(min(names[key]) for key in names if key not in shared)
        row["final"] = len(final)
        row["kept"] = len(final) >= min_names
        if row["kept"]:
            kept[origin] = final
    return kept, [stats[o] for o in sorted(stats)]


def format_table(rows: list[dict]) -> str:
    header = (
        f"{'Origin':<11} {'Locales':<19} {'Raw':>5} {'Unusable':>8} "
        f"{'Distinct':>8} {'Shared':>6} {'Final':>5}  Status"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        status = "kept" if r["kept"] else f"dropped (< {MIN_NAMES})"
        lines.append(
            f"{r['origin']:<11} {','.join(r['locales']):<19} {r['raw']:>5} {r['unusable']:>8} "
            f"{r['distinct']:>8} {r['shared']:>6} {r['final']:>5}  {status}"
        )
    return "\n".join(lines)


def readme_text(kept: dict[str, list[str]], rows: list[dict]) -> str:
    total = sum(len(v) for v in kept.values())
    table = "\n".join(
        f"| {r['origin']} | {', '.join(r['locales'])} | {r['final']} |" for r in rows if r["kept"]
    )
    dropped = ", ".join(f"{r['origin']} ({r['final']})" for r in rows if not r["kept"]) or "none"
    return f"""# Surnames by origin

Generated by `tools/make_names.py`; do not edit by hand. Regenerate with:

    python3 tools/make_names.py

Source: the surname lists of the person providers in the Faker package
(`faker.providers.person.<locale>`), Faker {faker.VERSION}.

Processing: Russian and Greek names are transliterated to Latin letters with
the small tables in the script. All names are then folded to ASCII like the
PyTorch "names" tutorial (NFD, accents dropped; a few letters NFD cannot split,
such as Polish "l" with stroke or German sharp s, are spelled out) and kept only
if they consist of letters, space, apostrophe and hyphen with at least two
letters. Names are deduplicated per class, a name listed under more than one
origin is removed from all of them, and classes left with fewer than
{MIN_NAMES} names are dropped (this run: {dropped}).

Format: one `<Origin>.txt` per class, one name per line, sorted, UTF-8.

| Origin | Faker locales | Names |
|---|---|---|
{table}
| **Total** | | **{total}** |
"""


def write_output(out_dir: Path, kept: dict[str, list[str]], rows: list[dict]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    # Remove old class files so a class dropped by this run cannot linger.
    for stale in out_dir.glob("*.txt"):
        stale.unlink()
    for origin, names in kept.items():
        (out_dir / f"{origin}.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    (out_dir / "README.md").write_text(readme_text(kept, rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output directory (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)

    kept, rows = build()
    print(f"Faker {faker.VERSION}")
    print(format_table(rows))
    for r in rows:
        if not r["kept"]:
            print(f"Dropping {r['origin']}: only {r['final']} names (need {MIN_NAMES}).")
    print(f"Kept {len(kept)} classes, {sum(len(v) for v in kept.values())} names in total.")

    if len(kept) < MIN_CLASSES:
        print(f"error: only {len(kept)} classes reach {MIN_NAMES} names, need {MIN_CLASSES}",
              file=sys.stderr)
        return 1
    write_output(args.out, kept, rows)
    print(f"Wrote {len(kept)} files and README.md to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
