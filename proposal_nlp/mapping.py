"""The tables a bureau files: the suggestion-to-measure mapping table (each ask with the
measure that answers it and the verdict) and the measures table (each measure with the asks
it answers)."""
from __future__ import annotations

import warnings

import pandas as pd

from .errors import DataWarning, InputError
from .match import ClauseMatcher
from .policy import clause_inputs
from .results import MEASURE_COLUMNS, object_column


def suggestion_frame(suggestions):
    import pandas as pd

    if isinstance(suggestions, pd.DataFrame):
        df = suggestions.copy()
    else:
        rows = []
        for i, s in enumerate(suggestions):
            if isinstance(s, dict):
                rows.append(dict(s))
            elif isinstance(s, str):
                rows.append({"text": s})
            else:
                d = {k: getattr(s, k) for k in ("suggestion_id", "query_id", "proposal_id", "text",
                                                  "action", "object", "section", "start", "end",
                                                  "source", "score") if hasattr(s, k)}
                rows.append(d)
        df = pd.DataFrame(rows)
    if "text" not in df.columns:
        raise InputError("suggestions need a text column (the ask); got "
                         f"{list(df.columns)[:10]}", code="PN440")
    if "query_id" not in df.columns:
        if "suggestion_id" in df.columns:
            df["query_id"] = df["suggestion_id"]
        else:
            df["query_id"] = range(len(df))
    if "proposal_id" not in df.columns and "id" in df.columns:  # suggest.suggestions_table
        df["proposal_id"] = df["id"]
    for c in ("proposal_id", "action"):
        if c not in df.columns:
            df[c] = None
    return df


def clause_texts(clauses):
    """({clause_id: text}, {clause_id: position}) from a matcher, clause list or DataFrame."""
    if clauses is None:
        return {}, {}
    if isinstance(clauses, ClauseMatcher):
        clauses._check_fitted()
        ids, texts = list(clauses.clause_ids_), clauses.texts_
    else:
        ids, texts, _ = clause_inputs(clauses)
    return dict(zip(ids, texts)), {c: i for i, c in enumerate(ids)}


def mapping_table(suggestions, matches, *, clauses=None):
    """The suggestion-to-measure table and its transpose.

    Parameters
    ----------
    suggestions : DataFrame (``query_id`` or ``suggestion_id``, ``text``, optional
        ``proposal_id``, ``action``…) or a list of ``Suggestion``-like objects / dicts / str,
        in the order given to ``ClauseMatcher.match`` (their ``query_id`` defaults to 0..n-1).
    matches : the DataFrame ``ClauseMatcher.match`` returned.
    clauses : the fitted ``ClauseMatcher``, the clause list or a clause DataFrame, optional
        — fills ``clause_text`` and orders the transpose as the policy does.

    Returns
    -------
    (table, transpose)
        ``table``: one row per ask — ``query_id, proposal_id, ask, action, clause_id,
        clause_text, score, coverage, evidence, best_clause_id, p_covered, related`` (best
        measure; no clause when uncovered, its closest one in ``best_clause_id``).
        ``transpose``: one row per measure that answers at least one ask — ``clause_id,
        clause_text, n_asks, n_covered, n_partial, query_ids, proposal_ids, asks``, plus
        one row with ``clause_id`` None listing the uncovered asks.
    """
    import pandas as pd

    sug = suggestion_frame(suggestions)
    need = {"query_id", "rank", "clause_id", "score", "coverage"}
    if not need <= set(matches.columns):
        raise InputError(f"matches lacks columns {sorted(need - set(matches.columns))}; pass the "
                         "DataFrame ClauseMatcher.match returned", code="PN441")
    best = matches[matches["rank"] == 1].drop_duplicates("query_id")
    for c, empty in (("evidence", ""), ("related", ""), ("p_covered", float("nan"))):
        if c not in best.columns:
            best = best.assign(**{c: empty})
    texts, order = clause_texts(clauses)
    if "clause_text" not in best.columns:
        best = best.assign(clause_text=best["clause_id"].map(lambda c: texts.get(c)))
    sug = sug.assign(query_id=sug["query_id"])
    table = sug[["query_id", "proposal_id", "text", "action"]].rename(columns={"text": "ask"}).merge(
        best[["query_id", "clause_id", "clause_text", "score", "coverage", "evidence", "p_covered", "related"]],
        on="query_id", how="left")
    missing = table["coverage"].isna()
    if missing.any():
        warnings.warn(f"[PN442] {int(missing.sum())} suggestion(s) have no match row (ids "
                      f"{table.loc[missing, 'query_id'].tolist()[:5]}); they are marked uncovered — "
                      "pass the same suggestions to match()", DataWarning, stacklevel=2)
        table.loc[missing, "coverage"] = "uncovered"
    unc = table["coverage"] == "uncovered"
    table["best_clause_id"] = table["clause_id"]  # closest candidate, kept for reviewers
    table.loc[unc, ["clause_id", "clause_text"]] = None
    table = table[["query_id", "proposal_id", "ask", "action", "clause_id", "clause_text", "score",
                   "coverage", "evidence", "best_clause_id", "p_covered", "related"]]

    rows = []
    answered = table[~unc]
    for cid, g in answered.groupby("clause_id", sort=False):
        rows.append({"clause_id": cid, "clause_text": g["clause_text"].iloc[0], "n_asks": len(g),
                     "n_covered": int((g["coverage"] == "covered").sum()),
                     "n_partial": int((g["coverage"] == "partial").sum()),
                     "query_ids": list(g["query_id"]),
                     "proposal_ids": sorted({p for p in g["proposal_id"] if p is not None and p == p}),
                     "asks": list(g["ask"])})
    transpose = pd.DataFrame(rows, columns=["clause_id", "clause_text", "n_asks", "n_covered",
                                            "n_partial", "query_ids", "proposal_ids", "asks"])
    if order:
        transpose = transpose.assign(_o=transpose["clause_id"].map(order)).sort_values(
            ["_o", "clause_id"], na_position="last").drop(columns="_o")
    if unc.any():
        g = table[unc]
        transpose = pd.concat([transpose, pd.DataFrame([{
            "clause_id": None, "clause_text": None, "n_asks": len(g), "n_covered": 0, "n_partial": 0,
            "query_ids": list(g["query_id"]),
            "proposal_ids": sorted({p for p in g["proposal_id"] if p is not None and p == p}),
            "asks": list(g["ask"])}])], ignore_index=True)
    return table.reset_index(drop=True), transpose.reset_index(drop=True)


MAX_IDS_PER_MEASURE = 200


def measures_table(suggestions: pd.DataFrame, clauses: pd.DataFrame | None) -> pd.DataFrame:
    """Each measure (clause, in policy order) with the asks it answers best: counts of covered
    and partly covered asks and their ``suggestion_id`` s (the first 200, then …)."""
    if clauses is None:
        return pd.DataFrame(columns=MEASURE_COLUMNS)
    answered = pd.DataFrame(columns=["best_clause_id", "coverage", "suggestion_id"])
    if len(suggestions) and "best_clause_id" in suggestions.columns:
        answered = suggestions[suggestions["coverage"].isin(["covered", "partial"])]
    groups = {str(k): g for k, g in answered.groupby("best_clause_id", sort=False)} if len(answered) else {}
    rows = []
    for cid, group, text in zip(clauses["clause_id"], clauses["group"], clauses["text"]):
        g = groups.get(str(cid))
        ids = [] if g is None else g["suggestion_id"].astype(str).tolist()
        cov = 0 if g is None else int((g["coverage"] == "covered").sum())
        shown = "|".join(ids[:MAX_IDS_PER_MEASURE]) + ("|…" if len(ids) > MAX_IDS_PER_MEASURE else "")
        rows.append({"clause_id": str(cid), "clause_group": group, "clause_text": text, "n_asks": len(ids),
                     "n_covered": cov, "n_partial": len(ids) - cov, "suggestion_ids": shown})
    out = pd.DataFrame(rows, columns=MEASURE_COLUMNS)
    for c in ("n_asks", "n_covered", "n_partial"):
        out[c] = out[c].astype("Int64")
    for c in ("clause_id", "clause_group", "clause_text", "suggestion_ids"):
        out[c] = object_column(out[c])
    return out


__all__ = ["mapping_table", "measures_table"]
