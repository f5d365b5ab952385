"""Shipped resources (lexicon, display names, topic ids, models) and the shared data folder."""
from __future__ import annotations

import atexit
import contextlib
import csv
import hashlib
import io
import json
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as _res
from pathlib import Path

from .errors import InputError, InputTypeError, ResourceError

LEXICON_NAME = "lexicon.tsv"

#: the ten topic ids of the default taxonomy (``../shared/spec/taxonomy.md``), in order
TOPIC_IDS = (
    "resilient_city", "emergency_rescue", "hazardous_chemicals", "e_bikes", "fire_safety",
    "flood_disaster", "work_safety", "grassroots_capacity", "public_education", "smart_emergency",
)


@dataclass(frozen=True)
class LexiconEntry:
    """One term of a lexicon: the word, the jieba frequency fed to every backend, an
    optional taxonomy topic id (used as a seed keyword), a short source note, and the
    frequency jieba's own dictionary already gives the word (``None`` when it is new or
    unknown; it lets the fast backend reproduce jieba's dictionary total without a lookup)."""

    term: str
    freq: int | None = None
    topic: str = ""
    source: str = ""
    base_freq: int | None = None


def package_file(name: str):
    """A traversable for a file shipped in ``proposal_nlp/data``."""
    return _res.files("proposal_nlp").joinpath("data").joinpath(name)


def shipped_model_file(name_or_path, *, default: str, suffix: str, what: str, writer: str, code: str) -> Path:
    """A model file: a path to a ``suffix`` file, or ``"default"`` / a shipped name (``default``
    is the shipped name ``"default"`` means) in ``proposal_nlp/data/models``. ``what``, ``writer``
    and ``code`` word the error when there is none."""
    from .errors import ResourceError

    p = Path(str(name_or_path))
    if p.suffix == suffix or p.exists():
        if not p.is_file():
            raise ResourceError(f"{what} file {str(p)!r} not found; check the path", code=code)
        return p
    name = default if str(name_or_path) == "default" else str(name_or_path)
    shipped = Path(str(package_file("models"))) / f"{name}{suffix}"
    if not shipped.is_file():
        raise ResourceError(f"no shipped {what} named {name_or_path!r}; pass a path to a {suffix} file "
                            f"written by {writer}", code=code)
    return shipped


_extracted: dict[str, Path] = {}
_extract_lock = threading.Lock()


def package_path(name: str) -> Path:
    """A file shipped in ``proposal_nlp/data`` as a path on disk, for readers that want one.

    An installed package's files are returned in place. When the package is imported from a
    zip archive the file is extracted once to a temporary file that lives until the process ends.
    """
    res = package_file(name)
    if not res.is_file():
        raise ResourceError(f"shipped resource {name!r} is missing from the installed package; "
                            "reinstall proposal_nlp")
    if isinstance(res, Path):
        return res
    with _extract_lock:
        if name not in _extracted:
            stack = contextlib.ExitStack()
            _extracted[name] = stack.enter_context(_res.as_file(res))
            atexit.register(stack.close)
        return _extracted[name]


def read_package_text(name: str) -> str:
    try:
        return package_file(name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:  # pragma: no cover - broken install
        raise ResourceError(
            f"shipped resource {name!r} is missing from the installed package; reinstall proposal_nlp"
        ) from exc


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _frequency(value, origin: str, term: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ResourceError(f"{origin}: frequency of {term!r} must be a positive integer, got {value!r}")
    return int(value)


def _parse_lexicon(text: str, origin: str) -> list[LexiconEntry]:
    entries: list[LexiconEntry] = []
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if lines and lines[0].split("\t")[0] == "term":
        # project TSV: term, freq, topic, source
        for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t", quoting=csv.QUOTE_NONE):
            term = (row.get("term") or "").strip()
            if not term:
                continue
            freq = _frequency(row.get("freq"), origin, term)
            base = _frequency(row.get("base_freq"), origin, term)
            entries.append(LexiconEntry(term, freq, (row.get("topic") or "").strip(),
                                        (row.get("source") or "").strip(), base))
        return entries
    # jieba user-dictionary format: "word [freq] [tag]" per line, or one word per line
    for n, line in enumerate(lines, 1):
        parts = line.split()
        freq = None
        if len(parts) >= 2:
            if not parts[1].isdigit() or int(parts[1]) < 1:
                raise ResourceError(
                    f"{origin}, line {n}: expected 'word [freq] [tag]' with a positive integer "
                    f"frequency, got {line!r}; put one word per line or give a frequency >= 1"
                )
            freq = int(parts[1])
        entries.append(LexiconEntry(parts[0], freq))
    return entries


def load_lexicon(source=None) -> list[LexiconEntry]:
    """Load a lexicon.

    ``source`` is ``None`` for the shipped domain lexicon, a path to a TSV file with a
    ``term`` header (columns ``term, freq, topic, source``) or to a jieba user dictionary
    (``word [freq] [tag]`` per line), or an iterable of words / ``LexiconEntry``.
    """
    if source is None:
        return _parse_lexicon(read_package_text(LEXICON_NAME), LEXICON_NAME)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ResourceError(f"lexicon file {str(path)!r} not found; pass an existing path or a list of words")
        return _parse_lexicon(path.read_text(encoding="utf-8-sig"), str(path))
    entries = []
    for item in source:
        if isinstance(item, LexiconEntry):
            entries.append(item)
        elif isinstance(item, str):
            if item.strip():
                entries.append(LexiconEntry(item.strip()))
        else:
            raise InputTypeError(f"lexicon items must be str or LexiconEntry, got {type(item).__name__}",
                                 code="PN002")
    return entries


def data_dir(path=None, *, required: bool = False) -> Path | None:
    """Locate the shared data folder: ``path``, else ``$PROPOSAL_NLP_DATA``, else
    ``../shared/data`` beside the checkout (searched upward from the working directory
    and from this package). Returns ``None`` when absent, unless ``required``.
    """
    candidates = []
    if path is not None:
        candidates.append(Path(path))
    elif os.environ.get("PROPOSAL_NLP_DATA"):
        candidates.append(Path(os.environ["PROPOSAL_NLP_DATA"]))
    else:
        for base in (Path.cwd(), Path(__file__).resolve().parent):
            for parent in (base, *base.parents):
                candidates.append(parent / ".." / "shared" / "data")
                candidates.append(parent / "shared" / "data")
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    if required:
        raise ResourceError(
            "shared data folder not found; pass its path, set PROPOSAL_NLP_DATA, "
            "or place it at ../shared/data beside the checkout"
        )
    return None


@lru_cache(maxsize=1)
def display_names() -> dict:
    """The shipped display names: ``{"tables": {...}, "columns": {...}, "topics": {...}}``."""
    return json.loads(read_package_text("display_names.json"))


def column_label(col: str, table: str | None = None) -> str:
    """The Chinese header of a column (``table`` picks a table's own name where it has one)."""
    own = display_names().get("table_columns", {}).get(table or "", {})
    if col in own:
        return own[col]
    names = display_names()["columns"]
    if col in names:
        return names[col]
    if col.startswith("score_"):
        topic = col[len("score_"):]
        return names.get("score_", "得分_") + display_names()["topics"].get(topic, topic)
    return col


def topic_label(topic: str) -> str:
    return display_names()["topics"].get(topic, topic)


def display_label(col: str, table: str | None = None) -> str:
    """The header of the Chinese column a workbook shows for a machine column (its
    ``display_columns`` name where it has one, else :func:`column_label`)."""
    own = display_names().get("display_columns", {}).get(table or "", {})
    return own[col] if col in own else column_label(col, table)


def inverse_columns(table: str | None = None) -> dict[str, str]:
    """Chinese header -> column id (a header two ids share, 建议序号, is the first one's:
    ``suggestion_id``; a table's own names win)."""
    inv: dict[str, str] = {}
    for k, v in display_names()["columns"].items():
        inv.setdefault(v, k)
    inv.update({v: k for k, v in display_names().get("table_columns", {}).get(table or "", {}).items()})
    inv.update({v: k for k, v in display_names().get("display_columns", {}).get(table or "", {}).items()})
    prefix = display_names()["columns"].get("score_", "得分_")
    for t, label in display_names()["topics"].items():
        inv[prefix + label] = f"score_{t}"
    return inv


@lru_cache(maxsize=1)
def load_t2s() -> dict[str, str]:
    """The shipped traditional -> simplified table (``t2s.tsv``): one character for one, so
    mapping a text keeps its length; no simplified character of it is a traditional one.
    Built by ``corpora/t2s/build_t2s.py`` from OpenCC's character table (Apache-2.0)."""
    pairs = {}
    for n, line in enumerate(read_package_text("t2s.tsv").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        trad, _, simp = line.partition("\t")
        if len(trad) != 1 or len(simp) != 1:
            raise ResourceError(f"t2s.tsv line {n} is not two single characters separated by a tab: {line!r}; "
                                "rebuild it with corpora/t2s/build_t2s.py or reinstall proposal_nlp")
        pairs[trad] = simp
    return pairs


# ---------------------------------------------------------------------------- synonyms
def read_domain(source) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(synonyms {variant: canonical}, concepts {concept: [terms]}) from ``source``."""
    if source is False:
        return {}, {}
    if isinstance(source, dict):
        out = {}
        for k, v in source.items():
            if isinstance(v, str):
                out[k] = v
            else:
                for x in v:
                    out[x] = k
        return out, {}
    if source is None:
        text = read_package_text("synonyms.tsv")
    else:
        path = Path(source)
        if not path.exists():
            raise InputError(f"synonym file {path} does not exist; give a TSV with columns "
                             "canonical, variants (|-separated) and optional kind (syn/concept)",
                             code="PN420")
        text = path.read_text(encoding="utf-8-sig")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    syn: dict[str, str] = {}
    concepts: dict[str, list[str]] = {}
    for row in csv.reader(io.StringIO("\n".join(lines)), delimiter="\t"):
        if not row or row[0] == "canonical":
            continue
        canon = row[0].strip()
        variants = [v.strip() for v in (row[1].split("|") if len(row) > 1 else []) if v.strip()]
        kind = row[2].strip() if len(row) > 2 and row[2].strip() else "syn"
        if kind == "concept":
            concepts[canon] = sorted(set(variants) | {canon}, key=len, reverse=True)
            continue
        for v in variants:
            if v != canon:
                syn.setdefault(v, canon)
    return syn, concepts


def load_synonyms(source=None) -> dict[str, str]:
    """Map each surface term to its canonical term.

    ``source``: None → the shipped ``synonyms.tsv``; False → no synonyms; a path to a TSV
    (``canonical<TAB>variant|variant…<TAB>kind``); a dict ``{variant: canonical}`` or
    ``{canonical: [variants]}``. Rows of kind ``concept`` are not synonyms (see
    ``load_concepts``).
    """
    return read_domain(source)[0]


def load_concepts(source=None) -> dict[str, list[str]]:
    """Policy concepts and the terms that evoke them (rows of kind ``concept``)."""
    return read_domain(source)[1]


def terms_regex(terms) -> re.Pattern:
    """One regex matching any of ``terms``, longest first, as a prefix tree (much faster
    than a flat alternation over long texts)."""
    trie: dict = {}
    for t in terms:
        node = trie
        for ch in t:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node) -> str:
        end = node.get("", False)
        branches = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return "(?:" + body + ")?"
        return body

    return re.compile(build(trie))
