"""Shipped resources (lexicon, display names, models) and the shared data folder."""
from __future__ import annotations

import atexit
import contextlib
import csv
import hashlib
import io
import os
import threading
from dataclasses import dataclass
from importlib import resources as _res
from pathlib import Path

from .errors import ResourceError

LEXICON_NAME = "lexicon.tsv"


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
            raise TypeError(f"[PN002] lexicon items must be str or LexiconEntry, got {type(item).__name__}")
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
