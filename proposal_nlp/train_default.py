"""The default emergency-management model: its labelled set, training and dev evaluation.

The labelled set lives in ``corpora/em/labels.csv`` as pointers (source, row id, optional
character span) into the public texts of the shared data folder, never the texts
themselves; :func:`load_em_dataset` resolves them. :func:`train_default_model` trains the
shipped ``em-v1`` model and :func:`evaluate_default` measures the shipped model on the dev
split. ``python -m proposal_nlp.train_default`` retrains and rewrites the model file.
"""
from __future__ import annotations

import gzip
import json
import logging
import sys
from pathlib import Path

from .errors import ResourceError
from .normalize import SENTENCE_ENDS
from .resources import TOPIC_IDS

logger = logging.getLogger(__name__)

MODEL_ID = "em-v1"
MODEL_FILE = f"{MODEL_ID}.skops"
TOPICS = TOPIC_IDS  # the taxonomy's ids, in order
LABELS_RELPATH = Path("corpora") / "em" / "labels.csv"
#: the intake set: Teddy citizen messages read and labelled by people (ids, labels, evidence offsets)
INTAKE_RELPATH = Path("corpora") / "intake" / "labels.csv"
#: intake-like training texts the project wrote itself, beside the labels file
WRITTEN_FILE = "written.csv"
#: columns of :func:`load_em_dataset`
DATASET_COLUMNS = ["source", "row_id", "start", "end", "text", "topics", "fire", "method", "split", "group"]

# source name -> (file under the data folder, what row_id means)
SOURCES = {
    "teddy_fj2_921": ("teddy2020_c/fj2_full_subset921_messages_labeled.csv", "留言编号"),
    "teddy_fj2_sample": ("teddy2020_c/fj2_sample_messages_labeled.csv", "留言编号"),
    "teddy_fj2_test2801": ("teddy2020_c/fj2_official_testset2801_unlabeled_with_team_predictions.csv", "留言编号"),
    "teddy_fj4": ("teddy2020_c/fj4_message_reply_pairs.csv", "留言编号 (message only, not the reply)"),
    "teddy_fj2_seg9210": ("teddy2020_c/fj2_full_segmented9210_labeled.csv",
                          "row number from 0 (the tokenised text; only rows that duplicate no raw row are labelled)"),
    "jszx2019": ("jszx_cppcc_proposals/jszx_cppcc_proposals_2019_2022.jsonl", "pkid (year 2019 only)"),
    "law_articles": ("lawrefbook_laws/laws_articles.jsonl.gz", "path#idx"),
    "law_subset": ("lawrefbook_laws/laws_emergency_fire_safety_subset.jsonl", "path + start/end span in text"),
    "cec": ("cec_emergency/cec_documents.jsonl", "id"),
    "duee_dev": ("duee1/duee1_dev.jsonl", "id"),
    "duee_sample": ("duee1/duee1_sample_data.jsonl", "id"),
    "hazmat": ("hazmat_accident_cases/hazmat_road_accident_cases.jsonl", "id"),
    "govcn": ("govcn_state_council_docs/govcn_policies.jsonl", "index_number"),
}
# sets DATASETS.md reserves for evaluating the default model: never read for training
RESERVED = ("teddy2020_c/fj3_hot_issue_messages.csv", "jszx_cppcc_proposals 2022")


def _jsonl(path: Path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _teddy(path: Path):
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for r in df.itertuples(index=False):
        row = r._asdict()
        yield {"row_id": row["留言编号"].strip(), "text": f"{row['留言主题'].strip()}\n{row['留言详情'].strip()}",
               "group": None, "meta": {}}


def _law_subset_spans(meta: dict):
    """Offsets of each article body inside the document text."""
    text = meta.get("text") or ""
    arts = meta.get("articles") or []
    if isinstance(arts, str):
        import ast

        arts = ast.literal_eval(arts)
    pos = 0
    for art in arts:
        body = (art.get("text") or "").strip()
        if not body:
            continue
        start = text.find(body, pos)
        if start < 0:
            continue
        end = start + len(body)
        pos = end
        yield start, end


def iter_source(name: str, root: Path):
    """Whole records ``{"row_id", "text", "group", "meta"}`` of one source (spans slice ``text``)."""
    rel, _ = SOURCES[name]
    path = Path(root) / rel
    if name == "teddy_fj2_seg9210":
        import pandas as pd

        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        for i, text in enumerate(df["tokens_stopwords_removed"]):
            yield {"row_id": str(i), "text": text, "group": None, "meta": {}}
    elif name.startswith("teddy_"):
        yield from _teddy(path)
    elif name == "jszx2019":
        for r in _jsonl(path):
            if str(r.get("year")) != "2019":  # 2022 is reserved for evaluation
                continue
            yield {"row_id": r["pkid"], "text": f"{r['title'].strip()}\n{r['content'].strip()}",
                   "group": r["pkid"], "meta": {"category": r.get("category"), "title": r["title"]}}
    elif name == "law_articles":
        for r in _jsonl(path):
            yield {"row_id": f"{r['path']}#{r['idx']}", "text": r["text"], "group": r["title"],
                   "meta": {"title": r["title"], "article": r.get("article")}}
    elif name == "law_subset":
        for r in _jsonl(path):
            yield {"row_id": r["path"], "text": r["text"] or "", "group": r["title"],
                   "meta": {"title": r["title"], "articles": r.get("articles")}}
    elif name == "cec":
        for r in _jsonl(path):
            yield {"row_id": r["id"], "text": r["text"], "group": r["id"],
                   "meta": {"category": r["category"], "title": r.get("title")}}
    elif name.startswith("duee_"):
        for r in _jsonl(path):
            yield {"row_id": r["id"], "text": r["text"], "group": r["id"],
                   "meta": {"event_types": list(r.get("event_types") or []), "is_fire": int(r.get("is_fire") or 0)}}
    elif name == "hazmat":
        for r in _jsonl(path):
            yield {"row_id": r["id"], "text": f"{r['title'].strip()}\n{r['text'].strip()}", "group": r["id"],
                   "meta": {"title": r["title"]}}
    elif name == "govcn":
        for r in _jsonl(path):
            yield {"row_id": r["index_number"], "text": r["text"], "group": r["index_number"],
                   "meta": {"title": r["title"]}}
    else:  # pragma: no cover - SOURCES and this function change together
        raise ResourceError(f"unknown source {name!r} in labels; known: {sorted(SOURCES)}", code="PN205")


_SENT_END = SENTENCE_ENDS.replace("\n", "").replace("…", "")  # a passage ends at a sentence mark, not a line


def _chunks(text: str, *, start: int = 0, size: int = 300):
    """Offsets of consecutive sentence groups of about ``size`` characters."""
    begin, i, n = start, start, len(text)
    while i < n:
        if text[i] in _SENT_END and i + 1 - begin >= size:
            yield begin, i + 1
            begin = i + 1
        i += 1
    if n - begin >= 40:
        yield begin, n


def iter_units(name: str, root: Path):
    """Annotation units of one source: whole records, or spans (``start``/``end``) of them.

    Law-subset documents are cut into their articles; Jiangsu proposals give the whole
    proposal and also passages of about 300 characters (so short asks are labelled too).
    """
    for rec in iter_source(name, root):
        text = rec["text"]
        if name == "law_subset":
            for start, end in _law_subset_spans({"text": text, "articles": rec["meta"]["articles"]}):
                yield {**rec, "start": start, "end": end, "text": text[start:end]}
        elif name == "jszx2019":
            yield rec
            body = text.index("\n") + 1
            for start, end in _chunks(text, start=body):
                yield {**rec, "start": start, "end": end, "text": text[start:end]}
        else:
            yield rec


def _resolve_data_dir(data_dir):
    from .resources import data_dir as _data_dir

    root = _data_dir(data_dir)
    if root is None:
        raise ResourceError("shared data folder not found; pass data_dir=, set "
                            "PROPOSAL_NLP_DATA, or place the data in ../shared/data", code="PN203")
    return Path(root)


def _labels_path(labels=None) -> Path:
    if labels is not None:
        return Path(labels)
    return Path(__file__).resolve().parent.parent / LABELS_RELPATH


def _written_path(labels=None) -> Path:
    return _labels_path(labels).parent / WRITTEN_FILE


def read_labels(labels=None):
    """The annotation table (pointers and labels only, no text)."""
    import pandas as pd

    path = _labels_path(labels)
    if not path.exists():
    
        raise ResourceError(f"{path} not found; the labelled set ships with the source "
                            "checkout (corpora/em/labels.csv)", code="PN204")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return df


def read_written(labels=None):
    """The texts the project wrote itself (``written.csv`` beside the labels file: ``id, topics,
    fire, text``), as rows of :func:`load_em_dataset` (source ``written``, training split
    only); an empty frame when the file is absent."""
    import pandas as pd

    path = _written_path(labels)
    if not path.exists():
        return pd.DataFrame(columns=DATASET_COLUMNS)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)

    missing = {"id", "topics", "fire", "text"} - set(df.columns)
    if missing:
        raise ResourceError(f"{path} lacks the column(s) {sorted(missing)}; it needs id, topics, "
                            "fire, text (topics: taxonomy ids joined by |, fire: 0 or 1)", code="PN206")
    for i, r in enumerate(df.itertuples(index=False)):
        bad = [t for t in r.topics.split("|") if t and t not in TOPICS]
        if bad or r.fire not in ("0", "1") or not r.text.strip() or not r.id.strip():
            raise ResourceError(f"{path} row {i + 2} (id {r.id!r}) is not usable: topics must be "
                                f"taxonomy ids joined by | ({bad or 'ok'}), fire 0 or 1 ({r.fire!r}), id and "
                                "text not empty", code="PN206")
    if df["id"].duplicated().any():
        raise ResourceError(f"{path} repeats the id(s) {sorted(set(df['id'][df['id'].duplicated()]))}; "
                            "give each written text its own id", code="PN206")
    return pd.DataFrame({"source": "written", "row_id": df["id"], "start": "", "end": "", "text": df["text"],
                         "topics": [[t for t in x.split("|") if t] for x in df["topics"]],
                         "fire": df["fire"].eq("1"), "method": "written", "split": "train",
                         "group": "written:" + df["id"]}, columns=DATASET_COLUMNS)


def read_intake(labels=None):
    """The intake set's labels (``corpora/intake/labels.csv`` beside the em set: ``source,
    row_id, topics, fire, evidence_start, evidence_end, split, round, stratum, reader``); None
    when the file is absent (a custom labels file without one)."""
    import pandas as pd

    path = _labels_path(labels).parent.parent / "intake" / "labels.csv"
    if not path.exists():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_em_dataset(data_dir=None, *, labels=None, written: bool = True, intake: bool = True):
    """The labelled emergency-management set with its texts resolved from the shared data.

    Returns a DataFrame with columns ``source, row_id, start, end, text, topics`` (list of
    taxonomy ids, empty for none), ``fire`` (bool), ``method``, ``split`` (train / dev) and
    ``group`` (document key that never spans both splits), in the order of the labels file,
    followed (``written=True``) by the training texts the project wrote (:func:`read_written`).

    With ``intake=True`` the intake set (:func:`read_intake`, messages read by people) replaces
    the em set's rows of the same messages and adds the others: ``method`` is ``intake``, the
    split is the intake set's (train / dev / test) and ``evidence_start`` / ``evidence_end``
    locate the passage behind a fire label.
    """
    import pandas as pd

    root = _resolve_data_dir(data_dir)
    lab = read_labels(labels)
    lab = lab.assign(evidence_start="", evidence_end="")
    inl = read_intake(labels) if intake else None
    if inl is not None:
        keys = set(inl["source"] + ":" + inl["row_id"])
        lab = lab[~((lab["source"] + ":" + lab["row_id"]).isin(keys) & lab["start"].eq(""))]
        lab = pd.concat([lab, inl.assign(start="", end="", method="intake",
                                         group=inl["source"] + ":" + inl["row_id"])[list(lab.columns)]],
                        ignore_index=True)
    texts = {}
    for name in sorted(set(lab["source"])):
        if name not in SOURCES:
        
            raise ResourceError(f"unknown source {name!r} in labels; known: {sorted(SOURCES)}", code="PN205")
        for rec in iter_source(name, root):
            texts[(name, rec["row_id"])] = rec["text"]
    out = []
    missing = 0
    for r in lab.itertuples(index=False):
        text = texts.get((r.source, r.row_id))
        if text is None:
            missing += 1
            continue
        if r.start or r.end:
            text = text[int(r.start or 0):int(r.end) if r.end else None]
        out.append({"source": r.source, "row_id": r.row_id, "start": r.start, "end": r.end, "text": text,
                    "topics": [t for t in r.topics.split("|") if t], "fire": r.fire == "1",
                    "method": r.method, "split": r.split, "group": r.group,
                    "evidence_start": int(r.evidence_start) if r.evidence_start else None,
                    "evidence_end": int(r.evidence_end) if r.evidence_end else None})
    if missing:
        logger.warning("%d labelled rows did not resolve in %s", missing, root)
    frame = pd.DataFrame(out, columns=DATASET_COLUMNS + ["evidence_start", "evidence_end"])
    if written:
        frame = pd.concat([frame, read_written(labels)], ignore_index=True)
    return frame


# ---------------------------------------------------------------------- training and evaluation
#: texts the project wrote itself: the card records the shipped model's predictions for them
SAMPLE_TEXTS = (
    "小区楼道里每天都有居民给电动自行车充电，电线从窗户拉下来飞线充电，上周隔壁单元电瓶车起火，烧黑了整个楼道，请求物业和消防部门整治并建设集中充电桩。",
    "建议改善中小学午餐质量，增加蔬菜和水果的供应，规范学校食堂的招标和收费，让家长放心。",
    "新开的火锅店生意火爆，晚上排队的人很多，希望附近增加停车位，方便顾客停车。",
    "今年汛期暴雨频繁，老城区多处道路严重内涝，建议加快排水管网改造，提升城市防汛排涝能力。",
    "建议加强危险化学品运输车辆的监管，化工园区周边设置专用停车场，严防槽罐车泄漏和爆炸事故。",
    "建议在社区建立应急志愿者队伍，配备应急物资，定期开展居民应急演练和自救互救知识培训。",
    "建议建设城市安全风险监测预警平台，利用物联网和大数据对燃气管网、桥梁和高层建筑进行实时监测。",
    "希望开通从火车站到机场的直达公交线路，方便旅客出行。",
    # a long message whose fire concern is one passage among others (passage scoring)
    "我是本小区的业主，想反映几个问题。一是小区物业费连年上涨，但服务质量没有提高，绿化带长期无人修剪，"
    "垃圾桶满了也不及时清运，夏天气味很大。二是小区门口的道路每天早晚高峰都堵得厉害，学生上学和居民上班都受影响，"
    "希望交警部门在路口增加信号灯并安排人员疏导。三是三号楼的楼道里堆满了纸箱和旧家具，还有居民把电动车推进楼道，"
    "晚上从家里拉电线给电瓶充电，消防通道也被杂物堵死，一旦起火人员根本无法疏散，物业多次接到投诉却不处理。"
    "四是小区的健身器材损坏已久，老人和孩子活动时容易受伤，希望尽快维修更换。五是停车位严重不足，"
    "很多车辆停在消防车道和绿地上，希望物业重新规划车位并公开收费标准。以上问题请有关部门督促物业整改。",
)

#: both parts read the same features (one segmentation): words and word bigrams, and single
#: characters and character bigrams weighted twice the words (single characters carry 火, 燃, 爆
#: whatever the segmenter makes of the words around them)
FEATURE_PARAMS = dict(char_ngram_range=(1, 2), char_weight=2.0, n_features=2**17)
TOPIC_PARAMS = dict(model="svm", C=0.5, class_weight=None, cv=3, **FEATURE_PARAMS)
FIRE_PARAMS = dict(model="svm", C=2.0, class_weight=None, cv=3, **FEATURE_PARAMS)
REGISTER_PARAMS = dict(model="svm", C=0.5, class_weight=None, cv=3, **FEATURE_PARAMS)
#: how fire is scored. A long text's fire model score is the highest of the whole text and of its
#: passages of about 150 characters (a fire concern inside a long message is not drowned).
#: fire_score is the average of that and the topic model's fire_safety probability (training CV:
#: best F1 on messages and proposals 0.770 -> 0.791, flat for shares from 0.4 to 0.7).
#: A long text is scored on its concerns only (``fire_whole=False``): a complaint is fire-relevant
#: because one of its concerns is, not because fire words are scattered through it (intake dev
#: average precision equal either way, 0.814 / 0.813; chosen for what it means).
SCORING_PARAMS = dict(fire_passages=True, passage_chars=150, passage_min_chars=300, fire_topic_weight=0.5,
                      fire_whole=False)


def _default_out_dir() -> Path:
    return Path(__file__).resolve().parent / "data" / "models"


def _sha256_file(path: Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _f1(tp, fp, fn) -> float:
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def em_metrics(gold_topics, gold_fire, pred_topics, pred_fire) -> dict:
    """Dev figures of an emergency model: topic micro-F1, per-topic F1, fire F1, none accuracy."""
    per = {}
    TP = FP = FN = 0
    for t in TOPICS:
        tp = sum(t in g and t in p for g, p in zip(gold_topics, pred_topics))
        fp = sum(t not in g and t in p for g, p in zip(gold_topics, pred_topics))
        fn = sum(t in g and t not in p for g, p in zip(gold_topics, pred_topics))
        per[t] = round(_f1(tp, fp, fn), 4)
        TP, FP, FN = TP + tp, FP + fp, FN + fn
    none_idx = [i for i, g in enumerate(gold_topics) if not g]
    tpf = sum(g and p for g, p in zip(gold_fire, pred_fire))
    fpf = sum((not g) and p for g, p in zip(gold_fire, pred_fire))
    fnf = sum(g and not p for g, p in zip(gold_fire, pred_fire))
    return {
        "em_dev_micro_f1": round(_f1(TP, FP, FN), 4),
        "em_dev_macro_f1": round(sum(per.values()) / len(per), 4),
        "fire_dev_f1": round(_f1(tpf, fpf, fnf), 4),
        "fire_dev_precision": round(tpf / max(1, tpf + fpf), 4),
        "fire_dev_recall": round(tpf / max(1, tpf + fnf), 4),
        "none_accuracy": round(sum(not pred_topics[i] for i in none_idx) / max(1, len(none_idx)), 4),
        "exact_match": round(sum(set(g) == set(p) for g, p in zip(gold_topics, pred_topics)) / max(1, len(gold_topics)), 4),
        "per_topic_f1": per,
        "n": len(gold_topics),
    }


def _evaluate(clf, dev) -> dict:
    frame = clf.predict_frame(dev["text"].tolist())
    out = em_metrics(dev["topics"].tolist(), dev["fire"].tolist(), frame["topics"].tolist(),
                     frame["fire_relevant"].tolist())
    by_source = {}
    fam = source_family(dev)
    for name in sorted(set(fam)):
        m = fam == name
        sub = em_metrics(dev["topics"][m].tolist(), dev["fire"][m].tolist(),
                         frame["topics"][m].tolist(), frame["fire_relevant"][m].tolist())
        by_source[name] = {k: sub[k] for k in ("em_dev_micro_f1", "fire_dev_f1", "none_accuracy", "n")}
    out["by_source"] = by_source
    man = (dev["method"] == "manual").to_numpy()
    if man.any():
        sub = em_metrics(dev["topics"][man].tolist(), dev["fire"][man].tolist(),
                         frame["topics"][man].tolist(), frame["fire_relevant"][man].tolist())
        out["manual_dev"] = {k: sub[k] for k in ("em_dev_micro_f1", "fire_dev_f1", "none_accuracy", "n")}
    return out


def _plain_vocabularies(clf) -> None:
    """Hold vectorizer vocabularies as ``str -> int`` (sklearn keeps numpy integers, which
    skops stores as one array each: slow to write and read for 100,000 terms)."""
    def walk(obj):
        if hasattr(obj, "vocabulary_") and isinstance(obj.vocabulary_, dict):
            obj.vocabulary_ = {str(k): int(v) for k, v in obj.vocabulary_.items()}
        for attr in ("steps", "transformer_list"):
            for _, sub in getattr(obj, attr, None) or ():
                walk(sub)

    walk(clf.pipeline_)


#: source families whose texts are like the intake's (citizen messages, proposals): the fire
#: threshold is chosen for them
TARGET_FAMILIES = ("teddy", "jszx2019")
THRESHOLD_GRID = tuple(round(0.2 + 0.05 * i, 2) for i in range(11))  # 0.20 .. 0.70
#: thresholds whose cross-validated F1 is this close to the best are taken as equally good (the
#: F1 of ~150 positives moves by about 0.03 between partitions into folds)
THRESHOLD_TOLERANCE = 0.01


def _f1_curve(y_true, scores, grid=THRESHOLD_GRID) -> list[float]:
    """F1 of ``scores >= t`` against ``y_true`` for each ``t`` of ``grid``; ``scores`` may be a
    list of score arrays (repeated cross-validation), then the F1 is averaged over them."""
    import numpy as np

    y = np.asarray(y_true, dtype=bool)
    several = isinstance(scores, (list, tuple)) and len(scores) > 0 and np.ndim(scores[0]) == 1
    runs = [np.asarray(s, dtype=float) for s in (scores if several else [scores])]
    curve = []
    for thr in grid:
        f1 = 0.0
        for s in runs:
            p = s >= thr
            f1 += _f1(int((p & y).sum()), int((p & ~y).sum()), int((~p & y).sum())) / len(runs)
        curve.append(f1)
    return curve


def _best_threshold(y_true, scores, grid=THRESHOLD_GRID, default=0.5) -> float:
    """The grid threshold with the best F1 of ``scores`` against ``y_true`` (:func:`_f1_curve`:
    ``scores`` may be a list of repeated-CV score arrays, whose F1 is averaged). Ties go to the
    threshold nearest 0.5."""
    if not any(bool(v) for v in y_true):
        return default
    return _argbest(grid, _f1_curve(y_true, scores, grid), default)


def _argbest(grid, curve, default, allowed=None) -> float:
    """The threshold of ``grid`` with the highest ``curve`` value among ``allowed`` (a mask;
    all when None), ties going to the one nearest 0.5."""
    best, best_f1 = default, -1.0
    for k, (thr, f1) in enumerate(zip(grid, curve)):
        if allowed is not None and not allowed[k]:
            continue
        if f1 > best_f1 + 1e-9 or (abs(f1 - best_f1) <= 1e-9 and abs(thr - 0.5) < abs(best - 0.5)):
            best, best_f1 = thr, f1
    return float(best)


def _plateau_threshold(y_first, scores_first, y_then, scores_then, *, tolerance: float,
                       grid=THRESHOLD_GRID, default=0.5) -> float:
    """Among the thresholds whose F1 on the first set is within ``tolerance`` of its best, the
    one with the best F1 on the second set (ties nearest 0.5). Used when the first curve is flat:
    the first set decides what is good enough, the second picks inside the plateau."""
    if not any(bool(v) for v in y_first):
        return _best_threshold(y_then, scores_then, grid, default)
    if not any(bool(v) for v in y_then):
        return _best_threshold(y_first, scores_first, grid, default)
    first = _f1_curve(y_first, scores_first, grid)
    plateau = [f1 >= max(first) - tolerance - 1e-9 for f1 in first]
    return _argbest(grid, _f1_curve(y_then, scores_then, grid), default, plateau)


def fire_training(train, *, passage_chars: int | None = None):
    """The fire model's training texts and labels: every text, plus the concerns of the
    messages read by people (:func:`~proposal_nlp.emergency.concern_spans`), so that the model
    learns what one fire concern looks like, as it scores a long text (concern by concern):

    - the concern holding the evidence passage of a fire-relevant message (positive);
    - every concern of a message that is not fire-relevant (negative).

    The other concerns of a fire-relevant message are left out (they may or may not speak of
    fire). ``passage_chars`` defaults to the shipped scoring option."""
    from .emergency import concern_spans

    size = passage_chars or SCORING_PARAMS["passage_chars"]
    texts = train["text"].tolist()
    labels = train["fire"].astype(bool).tolist()
    if "evidence_start" not in train.columns:
        return texts, labels
    extra_t, extra_y = [], []
    read = train["method"].eq("intake").to_numpy()
    for r, is_read in zip(train.itertuples(index=False), read):
        if not is_read:
            continue
        spans = concern_spans(r.text, size)
        if len(spans) < 2:
            continue
        if r.fire:
            if r.evidence_start is None or r.evidence_start != r.evidence_start:
                continue
            a, b = int(r.evidence_start), int(r.evidence_end)
            hit = [(x, y) for x, y in spans if x < b and a < y]
            extra_t.extend(r.text[x:y] for x, y in hit)
            extra_y.extend([True] * len(hit))
        else:
            extra_t.extend(r.text[x:y] for x, y in spans)
            extra_y.extend([False] * len(spans))
    return texts + extra_t, labels + extra_y


#: whether the default model scores fire with the two experts of EmergencyClassifier (an intake
#: fire model and a register model); see :func:`fire_experts`
FIRE_EXPERTS = True


def fire_experts(train, *, seed: int = 0) -> dict:
    """The fire experts of the default model (:class:`~proposal_nlp.emergency.EmergencyClassifier`
    ``fire_intake`` and ``register``), or ``{}`` when :data:`FIRE_EXPERTS` is off: a fire model
    learned from the intake-like texts only (messages, proposals and the texts the project wrote,
    with their concerns, :func:`fire_training`), and a register model telling those texts from
    laws, news and other documents. Laws and news dominate the training set and their fire
    vocabulary is not the intake's (on the intake dev split, a fire model learned from the
    intake-like texts alone ranks fire messages better, average precision 0.81 -> 0.85, but
    laws worse, fire F1 0.96 -> 0.66): each text is judged by the model that learned from texts
    like it."""
    from .classify import TextClassifier

    if not FIRE_EXPERTS:
        return {}
    like = intake_like(train) | train["source"].eq("written").to_numpy()
    fire_intake = TextClassifier(random_state=seed, **FIRE_PARAMS)
    fire_intake.fit(*fire_training(train[like]))
    register = TextClassifier(random_state=seed, **REGISTER_PARAMS)
    register.fit(train["text"].tolist(), [bool(x) for x in like])
    return {"fire_intake": fire_intake, "register": register}


def cv_scores(train, *, seed: int = 0, folds: int = 3, scoring: dict | None = None):
    """Topic and fire scores of every training text from grouped cross-validation (each text
    scored by models that never saw its document, the way the shipped model scores it with
    the :class:`~proposal_nlp.emergency.EmergencyClassifier` options ``scoring``, e.g.
    :data:`SCORING_PARAMS`): ``(T, F)``, T of shape (texts, topics) in :data:`TOPICS` order."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from .classify import TextClassifier
    from .emergency import EmergencyClassifier

    texts = train["text"].tolist()
    groups = train["group"].to_numpy()
    T = np.zeros((len(train), len(TOPICS)))
    F = np.zeros(len(train))
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)  # scikit-learn >= 1.6
    for k, (a, b) in enumerate(splitter.split(texts, groups=groups)):
        logger.info("threshold fold %d/%d", k + 1, folds)
        sub = train.iloc[a]
        held = [texts[i] for i in b]
        tm = TextClassifier(multilabel=True, random_state=seed, **TOPIC_PARAMS)
        tm.fit(sub["text"].tolist(), [list(t) for t in sub["topics"]])
        fm = TextClassifier(random_state=seed, **FIRE_PARAMS)
        fm.fit(*fire_training(sub))
        frame = EmergencyClassifier(tm, fm, topic_ids=TOPICS, **fire_experts(sub, seed=seed),
                                    **(scoring or {})).predict_frame(held)
        for i, t in enumerate(TOPICS):
            T[b, i] = frame[f"score_{t}"].to_numpy()
        F[b] = frame["fire_score"].to_numpy()
    return T, F


def source_family(frame):
    """The source family of each row (``teddy_fj2_921`` -> ``teddy``), as an array."""
    return frame["source"].str.replace(r"_.*", "", regex=True).to_numpy()


def intake_like(train):
    """Boolean mask of the rows whose source family is like the intake (:data:`TARGET_FAMILIES`)."""
    import numpy as np

    return np.isin(source_family(train), TARGET_FAMILIES)


def cv_thresholds(train, *, seed: int = 0, folds: int = 3, repeats: int = 3,
                  scoring: dict | None = None) -> dict:
    """Decision thresholds from grouped cross-validation on the *training* split only
    (:func:`cv_scores`, repeated ``repeats`` times with seeds ``seed``, ``seed + 1`` ...; the
    F1 of each threshold is averaged over the repeats). Each threshold has a primary set of
    texts and a second one that picks inside the primary's plateau (thresholds within
    :data:`THRESHOLD_TOLERANCE` of its best F1; :func:`_plateau_threshold`):

    - per topic, primary all training texts, second the intake-like ones (messages and
      proposals): laws and news dominate the topic positives and their F1 is flat over most
      of the grid, while the intake's own texts are what the model is for;
    - fire, primary the intake-like texts, second all: the intake's fire curve is flat (F1
      within 0.02 from 0.2 to 0.45; one partition into folds chose 0.2, another 0.45).

    The dev split is not used."""
    import numpy as np

    runs = [cv_scores(train, seed=seed + r, folds=folds, scoring=scoring) for r in range(max(1, repeats))]
    fam = intake_like(train)
    topic_thr = {}
    for i, t in enumerate(TOPICS):
        y_t = np.array([t in g for g in train["topics"]])
        topic_thr[t] = _plateau_threshold(y_t, [T[:, i] for T, _ in runs], y_t[fam], [T[fam, i] for T, _ in runs],
                                          tolerance=THRESHOLD_TOLERANCE)
    y = train["fire"].to_numpy()
    fire_thr = _plateau_threshold(y[fam], [F[fam] for _, F in runs], y, [F for _, F in runs],
                                  tolerance=THRESHOLD_TOLERANCE)
    return {"topics": topic_thr, "fire": fire_thr}


def train_default_model(out_dir=None, *, data_dir=None, seed: int = 0, labels=None, save: bool = True,
                        tune_thresholds: bool = True):
    """Train the default emergency model (``em-v1``) on the train split of the labelled set,
    measure it on the dev split, and (``save=True``) write ``<out_dir>/em-v1.skops`` with its
    JSON card (dev metrics, data hashes, seed, training command, sample predictions).

    Returns ``(model, metrics)``.
    """
    import time

    from .classify import TextClassifier
    from .emergency import EmergencyClassifier
    from .persist import save_classifier

    data = load_em_dataset(data_dir, labels=labels)
    train = data[data["split"] == "train"]
    dev = data[data["split"] == "dev"]
    t0 = time.perf_counter()
    topics = TextClassifier(multilabel=True, random_state=seed, **TOPIC_PARAMS)
    topics.fit(train["text"].tolist(), [list(t) for t in train["topics"]])
    fire = TextClassifier(multilabel=False, random_state=seed, **FIRE_PARAMS)
    fire.fit(*fire_training(train))
    experts = fire_experts(train, seed=seed)
    for part in (topics, fire, *experts.values()):
        _plain_vocabularies(part)
    thresholds = (cv_thresholds(train, seed=seed, scoring=SCORING_PARAMS) if tune_thresholds
                  else {"topics": {}, "fire": 0.5})
    clf = EmergencyClassifier(topics, fire, name=MODEL_ID, topic_thresholds=thresholds["topics"],
                              fire_threshold=thresholds["fire"], **experts, **SCORING_PARAMS)
    seconds = time.perf_counter() - t0
    metrics = _evaluate(clf, dev)
    logger.info("em-v1 dev: topics micro-F1 %.3f, fire F1 %.3f", metrics["em_dev_micro_f1"], metrics["fire_dev_f1"])
    if save:
        out_dir = Path(out_dir) if out_dir is not None else _default_out_dir()
        lab_path = _labels_path(labels)
        card = {
            "model_id": MODEL_ID,
            "description": "Default emergency-management model: taxonomy topics (multi-label) + fire relevance",
            "seed": seed,
            "training_command": "python -m proposal_nlp.train_default",
            "labels_file": str(LABELS_RELPATH).replace("\\", "/"),
            "labels_sha256": _sha256_file(lab_path),
            "written_file": str(LABELS_RELPATH.parent / WRITTEN_FILE).replace("\\", "/"),
            "written_sha256": _sha256_file(_written_path(labels)) if _written_path(labels).exists() else None,
            "data_sources": sorted(set(data["source"])),
            "n_train": int(len(train)), "n_dev": int(len(dev)),
            "train_seconds": round(seconds, 1),
            "params": {"topics": TOPIC_PARAMS, "fire": FIRE_PARAMS, "scoring": SCORING_PARAMS,
                       "fire_experts": {"fire_intake": FIRE_PARAMS, "register": REGISTER_PARAMS} if experts else None},
            "thresholds": {"how": "grouped 3-fold CV on the train split repeated 3 times (F1 averaged), "
                                  "held-out texts scored with the shipped scoring options; topics: within "
                                  f"{THRESHOLD_TOLERANCE} of the best F1 on all training texts, then the best "
                                  "F1 on messages and proposals; fire: the other way round",
                           **thresholds},
            "metrics": metrics,
            "sample_texts": list(SAMPLE_TEXTS),
        }
        path = save_classifier(clf, out_dir / MODEL_FILE, card=card)
        logger.info("wrote %s", path)
    return clf, metrics


def evaluate_default(data_dir=None, *, model="em-v1", labels=None) -> dict:
    """Dev-split figures of the shipped default model (``em_dev_micro_f1``, ``fire_dev_f1``,
    ``per_topic_f1``, ``none_accuracy``, ...), measured now from the shared data."""
    from .persist import load_classifier

    clf = load_classifier(model)
    data = load_em_dataset(data_dir, labels=labels)
    return _evaluate(clf, data[data["split"] == "dev"])


#: the keyword baseline of the intake figures: a text is fire-relevant when it names one of these
FIRE_KEYWORDS = ("消防", "火灾", "起火", "着火", "失火", "灭火", "防火", "火情", "火患", "消防通道", "电动车充电", "燃气泄漏")


def intake_metrics(frame, texts, gold_topics, gold_fire) -> dict:
    """Figures of predictions on messages read by people: fire F1 (precision, recall), scope
    accuracy (in or out of the taxonomy: some topic or none, as the reading says), topic
    micro-F1, and the keyword baseline's fire F1."""
    m = em_metrics(list(gold_topics), list(gold_fire), frame["topics"].tolist(), frame["fire_relevant"].tolist())
    kw = [any(w in t for w in FIRE_KEYWORDS) for t in texts]
    base = em_metrics(list(gold_topics), list(gold_fire), [[] for _ in texts], kw)
    scope = sum(bool(g) == bool(p) for g, p in zip(gold_topics, frame["topics"])) / max(1, len(texts))
    return {"fire_f1": m["fire_dev_f1"], "fire_precision": m["fire_dev_precision"],
            "fire_recall": m["fire_dev_recall"], "scope_acc": round(scope, 4), "topic_micro_f1": m["em_dev_micro_f1"],
            "keyword_fire_f1": base["fire_dev_f1"], "n": len(texts), "fire_n": int(sum(bool(x) for x in gold_fire))}


def evaluate_intake(data_dir=None, *, model="em-v1", labels=None, split: str = "test") -> dict:
    """Figures of the shipped default model on one split of the intake set (messages read by
    people, :func:`read_intake`): :func:`intake_metrics`, and whether every fire evidence lies
    inside its text."""
    from .persist import load_classifier

    clf = load_classifier(model) if isinstance(model, str) else model
    data = load_em_dataset(data_dir, labels=labels, written=False)
    sub = data[(data["method"] == "intake") & (data["split"] == split)]
    texts = sub["text"].tolist()
    frame = clf.predict_frame(texts)
    out = intake_metrics(frame, texts, sub["topics"].tolist(), sub["fire"].tolist())
    ok = True
    for fire, start, end, text in zip(frame["fire_relevant"], frame["fire_evidence_start"],
                                      frame["fire_evidence_end"], texts):
        if fire:
            ok &= 0 <= int(start) < int(end) <= len(text)
    out["evidence_inside"] = bool(ok)
    return out


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m proposal_nlp.train_default",
                                 description="Retrain the default emergency-management model (em-v1).")
    ap.add_argument("--data", default=None, help="shared data folder (default: $PROPOSAL_NLP_DATA or ../shared/data)")
    ap.add_argument("--out", default=None, help="output folder (default: the package's data/models)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    _, metrics = train_default_model(args.out, data_dir=args.data, seed=args.seed)
    sys.stdout.write(json.dumps({k: metrics[k] for k in ("em_dev_micro_f1", "fire_dev_f1", "none_accuracy",
                                                          "per_topic_f1")}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
