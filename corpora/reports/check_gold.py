"""Check corpora/reports/gold.jsonl against the summaries it describes.

Run from anywhere: python corpora/reports/check_gold.py
It is independent of proposal_nlp (it reads numbers with its own small reader) and checks:
  * every summary has a gold row and vice versa; dev = r01-r12, test = r13-r18; 500-1,600 chars;
  * every evidence string is an exact substring of its summary and states the figure's value;
  * no two figures of a document share (kind, subset, handling, result, measure, value);
  * the sums: parts vs totals (kinds, handling, results, satisfaction), subsets vs parents,
    percentages vs counts; the documents where one fails are exactly those marked wrong_sum;
  * sections are heading lines of the text, in order; cited numbers and sessions occur in the
    text; plans equals the number of items in the last section;
  * gold_replies.jsonl: cited numbers and sessions occur in the State Council letters.
Exits non-zero on any error.
"""
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUMMARIES = HERE / "summaries"
FW = str.maketrans("０１２３４５６７８９．％ＡＢＣ", "0123456789.%ABC")
DIG = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
KINDS = {"total", "人大代表建议", "政协提案", "议案"}
RESULTS = ["解决采纳", "正在解决或列入计划", "留作参考", "因条件限制暂不能解决"]
SATIS = ["满意", "基本满意", "不满意"]
errors, notes = [], []


def err(msg):
    errors.append(msg)


def cn_int(s):
    if s == "":
        return None
    if all(c in DIG for c in s) and len(s) > 1 and "十" not in s and "百" not in s:
        return int("".join(str(DIG[c]) for c in s))
    total, cur = 0, 0
    for c in s:
        if c in DIG:
            cur = DIG[c]
        elif c == "十":
            total += (cur or 1) * 10
            cur = 0
        elif c == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur


def numbers_in(ev):
    """Every number an evidence string states (Arabic, full-width or Chinese)."""
    t = ev.translate(FW)
    out = [float(m) for m in re.findall(r"\d+(?:\.\d+)?", t)]
    for m in re.finditer(r"百分之([〇零一二两三四五六七八九十百]+)(?:点([〇零一二三四五六七八九]+))?", t):
        if m.group(1) == "百":
            out.append(100.0)
        else:
            v = cn_int(m.group(1))
            if v is not None:
                out.append(float(f"{v}.{''.join(str(DIG[c]) for c in m.group(2))}" if m.group(2) else v))
    for m in re.finditer(r"([〇零一二两三四五六七八九十百]+)件", t):
        v = cn_int(m.group(1))
        if v is not None:
            out.append(float(v))
    if "百分之百" in t:
        out.append(100.0)
    return out


def key(f):
    return (f["kind"], f["subset"], f["handling"], f["result"], f["measure"])


def agrees(pct, num, den):
    if den == 0:
        return False
    s = repr(float(pct))
    places = 0 if float(pct).is_integer() else len(s.split(".")[1])
    return round(num * 100.0 / den, places) == round(float(pct), places)


def sum_checks(figs):
    """Return the failing checks of one document's figures (list of strings)."""
    c = {}
    for f in figs:
        if f["measure"] == "count":
            c[(f["kind"], f["subset"], f["handling"], f["result"])] = f["value"]
    p = {(f["kind"], f["subset"], f["handling"], f["result"]): f["value"] for f in figs if f["measure"] == "percent"}
    fails = []
    kinds_present = {k for (k, s, h, r) in c if k != "total" and (s, h, r) == ("", "", "")}
    # kinds add up to the total
    for (k, s, h, r), v in c.items():
        if k != "total":
            continue
        parts = [c.get((kk, s, h, r)) for kk in sorted(kinds_present)]
        if kinds_present and all(x is not None for x in parts) and sum(parts) != v:
            fails.append(f"kinds: {parts} sum to {sum(parts)} != total {v} ({s or '-'}/{h or '-'}/{r or '-'})")
    # handling adds up
    for (k, s, h, r), v in c.items():
        if h:
            continue
        a, b = c.get((k, s, "主办", r)), c.get((k, s, "会办", r))
        if a is not None and b is not None and a + b != v:
            fails.append(f"handling: 主办{a} + 会办{b} != {v} ({k}/{s or '-'}/{r or '-'})")
    # results and satisfaction add up to (or stay under) their parent
    parents = {(k, s, h) for (k, s, h, r) in c}
    for (k, s, h) in parents:
        parent = c.get((k, s, h, ""))
        res = [c[(k, s, h, r)] for r in RESULTS if (k, s, h, r) in c]
        if parent is not None and len(res) >= 2 and sum(res) != parent:
            fails.append(f"results: {res} sum to {sum(res)} != {parent} ({k}/{s or '-'}/{h or '-'})")
        sat = [c[(k, s, h, r)] for r in SATIS if (k, s, h, r) in c]
        if parent is not None and sat and sum(sat) > parent:
            fails.append(f"satisfaction: {sat} exceed {parent} ({k}/{s or '-'}/{h or '-'})")
        if parent is not None and len(sat) >= 2 and sum(sat) != parent:
            notes.append(f"satisfaction counts {sat} cover {sum(sat)} of {parent} ({k}/{s or '-'}/{h or '-'})")
    # subsets never exceed their parent (same kind and handling, and the total's subset)
    for (k, s, h, r), v in c.items():
        if not s:
            continue
        for par in [(k, "", h, r), (k, s, "", r), ("total", s, h, r)]:
            if par != (k, s, h, r) and par in c and v > c[par]:
                fails.append(f"subset: {k}/{s}/{h or '-'} = {v} exceeds {par} = {c[par]}")
    # handling part never exceeds its kind
    for (k, s, h, r), v in c.items():
        if h and (k, s, "", r) in c and v > c[(k, s, "", r)]:
            fails.append(f"handling part {k}/{s or '-'}/{h} = {v} exceeds {c[(k, s, '', r)]}")
    # percentages agree with counts
    for (k, s, h, r), v in p.items():
        if r == "满意或基本满意":
            num = [c.get((k, s, h, x)) for x in ("满意", "基本满意")]
            num = None if any(x is None for x in num) else sum(num)
        else:
            num = c.get((k, s, h, r))
        if r:
            den = c.get((k, s, h, ""))
            if den is None and r in SATIS + ["满意或基本满意"]:
                sat = [c[(k, s, h, x)] for x in SATIS if (k, s, h, x) in c]
                den = sum(sat) if len(sat) >= 2 else None
        else:
            den = c.get((k, "", h, ""))
        if den is None and k == "total" and not r:
            den = sum(c.get((kk, "", h, ""), 0) for kk in kinds_present) or None
        if num is None or den is None:
            notes.append(f"percent {k}/{s or '-'}/{h or '-'}/{r or '-'} {v}% has no counts to check")
            continue
        if not agrees(v, num, den):
            fails.append(f"percent: {k}/{s or '-'}/{h or '-'}/{r or '-'} stated {v}% but {num}/{den} = {num * 100 / den:.2f}%")
    return fails


HEAD = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．]|第[一二三四五六七八九十]+部分\s*|【)(.+?)】?$")


def check_doc(d, text):
    name = d["doc"]
    n = int(name[1:3])
    want = "dev" if n <= 12 else "test"
    if d["split"] != want:
        err(f"{name}: split {d['split']} should be {want}")
    if not 500 <= len(text) <= 1600:
        err(f"{name}: {len(text)} characters")
    seen = set()
    for f in d["figures"]:
        ev = f["evidence"]
        if f["kind"] not in KINDS:
            err(f"{name}: kind {f['kind']}")
        if f["handling"] not in ("", "主办", "会办"):
            err(f"{name}: handling {f['handling']}")
        if f["result"] not in RESULTS + SATIS + ["满意或基本满意", ""]:
            err(f"{name}: result {f['result']}")
        if f["measure"] not in ("count", "percent"):
            err(f"{name}: measure {f['measure']}")
        if f["subset"] and re.search(r"^(涉及|有关)|(方面|事项|类|的)$", f["subset"]):
            err(f"{name}: subset not stripped: {f['subset']}")
        if ev not in text:
            err(f"{name}: evidence not in text: {ev!r}")
        elif text.count(ev) > 1:
            notes.append(f"{name}: evidence occurs {text.count(ev)} times: {ev!r}")
        if float(f["value"]) not in numbers_in(ev):
            err(f"{name}: value {f['value']} not stated in {ev!r} (read {numbers_in(ev)})")
        k = key(f) + (f["value"],)
        if k in seen:
            err(f"{name}: duplicate figure {k}")
        seen.add(k)
        if (key(f)) in {key(g) for g in d["figures"] if g is not f}:
            err(f"{name}: two values for {key(f)}")
    fails = sum_checks(d["figures"])
    if bool(fails) != d["wrong_sum"]:
        err(f"{name}: wrong_sum={d['wrong_sum']} but checks give {fails}")
    if d["wrong_sum"] and not d["wrong_sum_note"]:
        err(f"{name}: wrong_sum without a note")
    # sections: heading lines, in order
    heads = []
    for line in text.split("\n"):
        m = HEAD.match(line.strip())
        if m and len(line.strip()) <= 30 and not line.strip().endswith(("；", "。")):
            heads.append(m.group(1).strip())
    if heads != d["sections"]:
        err(f"{name}: sections {d['sections']} but heading lines give {heads}")
    # cited
    flat = text.translate(FW)
    for c in d["cited"]:
        if f"第{c['number']}号" not in flat:
            err(f"{name}: cited number {c['number']} not in text")
        if not re.search(c["session"][:-4].replace("届", "届(?:人大)?") + c["session"][-4:], flat):
            err(f"{name}: session {c['session']} not in text")
    # plans: items in the last section
    last = text.split("\n" + [ln for ln in text.split("\n") if ln.strip().endswith(d["sections"][-1]) or ln.strip().endswith(d["sections"][-1] + "】")][-1] + "\n", 1)[1]
    last = last.split("\n\n")[0]
    items = len(re.findall(r"(?:^|\n)(?:（[一二三四五六七八九十\d]+）|\d+[.．]|[１２３４５６７８９][．.])", last))
    if not items:
        items = len(re.findall(r"[一二三四五六七八九十]是", last))
    if items != d["plans"]:
        err(f"{name}: plans {d['plans']} but the last section lists {items}")
    return fails


def check_seed_overlap(texts):
    seed_dir = HERE.parents[1] / ".." / "shared" / "seeds"
    seeds = [p.read_text(encoding="utf-8") for p in sorted(Path(seed_dir).glob("*.txt"))] if Path(seed_dir).exists() else []
    if not seeds:
        notes.append("seed not found: overlap check skipped")
        return
    grams = set()
    for s in seeds:
        s = re.sub(r"\s", "", s)
        grams.update(s[i:i + 15] for i in range(len(s) - 14))
    for name, t in texts.items():
        t = re.sub(r"\s", "", t)
        hits = {t[i:i + 15] for i in range(len(t) - 14)} & grams
        if hits:
            err(f"{name}: shares 15-character passages with the seed: {sorted(hits)[:3]}")


def check_replies():
    path = HERE / "gold_replies.jsonl"
    data = HERE.parents[1] / ".." / "shared" / "data" / "govcn_state_council_docs" / "govcn_policies.jsonl"
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    if len(rows) != 5:
        err(f"gold_replies: {len(rows)} rows")
    if not data.exists():
        notes.append("govcn data not found: reply check skipped")
        return rows
    docs = {}
    for line in data.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        docs[r["index_number"]] = r
    for row in rows:
        r = docs.get(row["doc"])
        if r is None:
            err(f"gold_replies: {row['doc']} not in data")
            continue
        for c in row["cited"]:
            if f"第{c['number']}号" not in r["title"]:
                err(f"gold_replies: {row['doc']} number {c['number']}")
            a, b = c["session"].split("届")
            if not re.search(a + "届(?:全国人大)?" + b, r["title"]):
                err(f"gold_replies: {row['doc']} session {c['session']}")
        for s in row["sections"]:
            if s not in r["text"]:
                err(f"gold_replies: {row['doc']} section {s}")
    return rows


def main():
    gold = [json.loads(x) for x in (HERE / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    files = {p.stem: p.read_text(encoding="utf-8") for p in sorted(SUMMARIES.glob("*.txt"))}
    if sorted(files) != sorted(d["doc"] for d in gold):
        err(f"files {sorted(files)} vs gold {[d['doc'] for d in gold]}")
    wrong = []
    for d in gold:
        if d["doc"] in files:
            fails = check_doc(d, files[d["doc"]])
            if fails:
                wrong.append((d["doc"], d["split"], fails))
    check_seed_overlap(files)
    replies = check_replies()
    for n in notes:
        print("note:", n)
    for doc, split, fails in wrong:
        print(f"wrong sum ({split}) {doc}: {fails}")
    n_fig = sum(len(d["figures"]) for d in gold)
    by = defaultdict(int)
    for d in gold:
        by[d["split"]] += len(d["figures"])
    print(f"{len(gold)} summaries, {n_fig} figures (dev {by['dev']}, test {by['test']}), "
          f"{len(replies)} replies, {len(errors)} errors")
    for e in errors:
        print("ERROR:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
