"""proposal_nlp.batch: process_table and process_file end to end with stand-in models."""
from __future__ import annotations

import importlib.util

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch_standins import FRAMEWORK, STANDINS, KeywordClassifier, proposals_frame, run
from proposal_nlp.batch import process_file, process_table
from proposal_nlp.engine import load_policy
from proposal_nlp.errors import BatchError, InputError, ProposalNLPError
from proposal_nlp.io import cell_str
from proposal_nlp.results import BatchResult

# Model quality is tested in the modules that own the models; here the small stand-ins of
# tests/batch_standins.py are plugged in so the tests are fast and deterministic. One test
# runs the real modules when they are installed. Engine internals: tests/test_engine.py.


def test_tables_and_joins():
    res = run(proposals_frame(8))
    assert isinstance(res, BatchResult)
    p = res.proposals
    assert len(p) == 8 and p["row"].tolist() == list(range(1, 9))
    assert p["id"].tolist() == proposals_frame(8)["编号"].tolist()
    assert p["kind"].tolist()[:2] == ["政协提案", "人大代表建议"]
    assert p.loc[0, "topics"] == ["fire_safety", "e_bikes"] and bool(p.loc[0, "fire_relevant"])
    # every ask belongs to a proposal row, ids agree, offsets slice the text
    s = res.suggestions
    assert set(s["row"]) <= set(p["row"])
    texts = dict(zip(p["row"], p["text"]))
    for r in s.itertuples():
        assert texts[r.row][r.start:r.end] == r.text
    assert (p["n_asks"].fillna(0).astype(int) == p["row"].map(s.groupby("row").size()).fillna(0).astype(int)).all()
    # matches: top-k per ask, coverage carried to the ask and counted per proposal
    m = res.matches
    assert set(m["suggestion_id"]) == set(s["suggestion_id"])
    assert m.groupby("suggestion_id")["rank"].max().max() == 3
    assert set(m["clause_id"]) <= set(FRAMEWORK["clause_id"])
    assert (p["n_covered"] + p["n_partial"] + p["n_uncovered"] == p["n_asks"]).all()
    assert set(res.uncovered["suggestion_id"]) == set(s.loc[s["coverage"] == "uncovered", "suggestion_id"])
    assert res.errors.empty
    # measures: every clause in policy order, with the asks it answers best
    ms = res.measures
    assert ms["clause_id"].tolist() == FRAMEWORK["clause_id"].tolist()
    answered = s[s["coverage"].isin(["covered", "partial"])]
    assert ms["n_asks"].sum() == len(answered)
    assert (ms["n_covered"] + ms["n_partial"] == ms["n_asks"]).all()


def test_summary_counts_like_a_handling_report():
    res = run(proposals_frame(8))
    s = res.summary.set_index(["metric", "kind", "handling"])["value"]
    assert s["proposals", "all", "all"] == 8
    assert s["proposals", "政协提案", "all"] == 4 and s["proposals", "人大代表建议", "all"] == 4
    assert s["proposals", "政协提案", "主办"] == 2 and s["proposals", "政协提案", "会办"] == 2
    assert s["fire", "政协提案", "all"] == 2 and s["fire", "人大代表建议", "all"] == 0
    assert s["asks", "all", "all"] == len(res.suggestions)
    text = res.summary_text()
    assert text.startswith("本批共受理建议提案8件")
    assert "人大代表建议4件（主办2件，会办2件）" in text and "政协提案4件（主办2件，会办2件），其中消防事项2件" in text
    assert f"共提取具体建议{len(res.suggestions)}条" in text and "尚未覆盖" in text


def test_messages_without_kinds():
    df = pd.DataFrame({"留言编号": ["1", "2"], "留言主题": ["小区消防通道被占", "路灯坏了"],
                       "留言详情": ["建议加强消防通道管理。", "希望修路灯。"]})
    res = run(df)
    assert res.meta["text_col"] == "留言详情" and res.meta["title_col"] == "留言主题"
    assert res.summary_text().startswith("本批共受理2件，")
    assert "消防事项1件" in res.summary_text()


def test_missing_text_column_is_a_clear_error():
    with pytest.raises(InputError, match=r"PN111.*columns found: '编号', '标题'"):
        run(pd.DataFrame({"编号": ["1"], "标题": ["x"]}))
    with pytest.raises(InputError, match="PN110"):
        run(proposals_frame(2), text_col="正文")


def test_empty_table():
    res = run(proposals_frame(0))
    assert len(res.proposals) == 0 and len(res.suggestions) == 0
    assert res.summary_text().startswith("本批共受理建议提案0件") or res.summary_text().startswith("本批共受理0件")


def test_chunks_give_the_same_tables():
    df = proposals_frame(23)
    a, b = run(df, chunk_size=1000), run(df, chunk_size=5)
    for name in ("proposals", "suggestions", "matches", "measures", "uncovered", "summary", "errors"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False)


def test_two_worker_processes_give_the_same_tables():
    df = proposals_frame(30)
    df.loc[4, "内容"] = "BOOM"
    a, b = run(df, chunk_size=7), run(df, chunk_size=7, jobs=2)
    for name in ("proposals", "suggestions", "matches", "measures", "uncovered", "summary", "errors"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False)


def test_process_file_streams_chunks(tmp_path):
    df = proposals_frame(17)
    p = tmp_path / "in.csv"
    df.to_csv(p, index=False, encoding="gb18030")
    out = tmp_path / "out.xlsx"
    res = process_file(p, out=out, chunk_size=4, **STANDINS, policy=FRAMEWORK)
    ref = run(df)
    pd.testing.assert_frame_equal(res.proposals, ref.proposals, check_dtype=False)
    assert out.exists()
    with pytest.raises(InputError, match="already exists"):
        process_file(p, out=out, **STANDINS)


_cell = st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.none(),
                  st.sampled_from(["建议加强消防检查。", "BOOM", "CRASH 建议", "", "  "]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(_cell, min_size=0, max_size=12), ids=st.lists(st.sampled_from(["a", "b", "", "c"]),
                                                                    min_size=12, max_size=12),
       chunk=st.integers(1, 5))
def test_one_output_row_per_input_row(cells, ids, chunk):
    df = pd.DataFrame({"编号": ids[:len(cells)], "内容": pd.Series(cells, dtype=object)})
    try:
        res = run(df, chunk_size=chunk)
    except BatchError as exc:  # only when a step failed for every row with text
        texts = [t for t in (cell_str(c) for c in cells) if t.strip()]
        assert texts and all(("BOOM" if exc.stage == "classify" else "CRASH") in t for t in texts)
        return
    assert len(res.proposals) == len(df)
    assert res.proposals["row"].tolist() == list(range(1, len(df) + 1))
    assert set(res.suggestions["row"]) <= set(res.proposals["row"])
    assert set(res.errors["row"]) <= set(res.proposals["row"])


def test_demo_files_ship_with_the_package():
    from proposal_nlp.batch import DEMO_FILES, demo_dir, demo_files
    from proposal_nlp.io import read_table

    proposals, framework = demo_files()
    assert (proposals.name, framework.name) == DEMO_FILES
    assert proposals.parent == framework.parent == demo_dir()
    assert demo_dir().parts[-3:] == ("proposal_nlp", "data", "demo")
    assert len(read_table(proposals)) == 36
    assert len(load_policy(framework)) == 15


def test_missing_demo_files_are_reported_with_a_code(tmp_path, monkeypatch):
    from proposal_nlp import resources
    from proposal_nlp.batch import demo_files
    from proposal_nlp.errors import ResourceError

    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "proposals.csv").write_text("编号\n", encoding="utf-8")
    monkeypatch.setattr(resources, "package_file", lambda name: tmp_path / name)
    with pytest.raises(ResourceError) as exc:
        demo_files()
    assert exc.value.code == "PN207"
    assert "framework_12345.csv is missing from the installed package" in str(exc.value)
    assert "reinstall proposal_nlp" in str(exc.value)


@pytest.mark.skipif(any(importlib.util.find_spec(f"proposal_nlp.{m}") is None for m in ("suggest", "match", "policy")),
                    reason="the suggest / match / policy modules are not installed yet")
def test_real_extractor_and_matcher_run_end_to_end():
    from proposal_nlp.batch import demo_dir
    from proposal_nlp.io import read_table

    try:  # the teammates' modules land in steps; test the wiring once they work on their own
        from proposal_nlp.match import ClauseMatcher
        from proposal_nlp.suggest import extract_suggestions

        extract_suggestions("建议加强消防检查。")
        ClauseMatcher().fit(FRAMEWORK)
    except (ImportError, ProposalNLPError) as exc:
        pytest.skip(f"the extraction / matching modules are not usable in this checkout: {exc}")

    demo = demo_dir() / "proposals.csv"
    df = read_table(demo).head(6) if demo.exists() else proposals_frame(6)
    res = process_table(df, classifier=KeywordClassifier(), policy=FRAMEWORK)
    assert len(res.proposals) == len(df)
    assert res.errors[res.errors["stage"] != "input"].empty, res.errors.to_string()
    texts = dict(zip(res.proposals["row"], res.proposals["text"]))
    for r in res.suggestions.itertuples():
        assert texts[r.row][r.start:r.end] == r.text
    assert set(res.matches["suggestion_id"]) <= set(res.suggestions["suggestion_id"])


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_streamed_output_equals_the_in_memory_one(tmp_path, fmt, jobs):
    from proposal_nlp.results import read_result, write_result

    df = proposals_frame(23)
    df.loc[2, "内容"] = "BOOM 建议加强"
    df.loc[5, "内容"] = "CRASH"
    df.loc[17, "编号"] = df.loc[1, "编号"]  # duplicate ids in different chunks
    df.loc[8, "标题"] = "=cmd|' /C calc'!A0"
    df.loc[9, "内容"] = "建议" + "长" * 40_000
    p = tmp_path / "in.csv"
    df.to_csv(p, index=False, encoding="gb18030")
    name = "out.xlsx" if fmt == "xlsx" else "out"
    streamed = process_file(p, out=f"{tmp_path / f's_{name}'}{'' if fmt == 'xlsx' else '/'}", stream=True, chunk_size=4, jobs=jobs, **STANDINS,
                            policy=FRAMEWORK)
    ref = run(df)
    write_result(ref, tmp_path / f"r_{name}")
    a, b = read_result(tmp_path / f"s_{name}"), read_result(tmp_path / f"r_{name}")
    for t in ("proposals", "suggestions", "matches", "measures", "uncovered", "summary", "errors"):
        pd.testing.assert_frame_equal(getattr(a, t), getattr(b, t), check_dtype=False)
    # what stays in memory is enough for the summary and the report
    assert streamed.meta["streamed"] and streamed.matches.empty and "text" not in streamed.proposals
    pd.testing.assert_frame_equal(streamed.summary, ref.summary, check_dtype=False)
    pd.testing.assert_frame_equal(streamed.uncovered, ref.uncovered, check_dtype=False)
    assert streamed.summary_text() == ref.summary_text()


def test_stream_needs_an_output(tmp_path):
    p = tmp_path / "in.csv"
    proposals_frame(3).to_csv(p, index=False)
    with pytest.raises(InputError, match="PN166"):
        process_file(p, stream=True, **STANDINS)


# ---------------------------------------------------------------- column roles, header rows, bad lines, -o

CATEGORIES = ("农林水利", "医卫体育", "城乡建设", "教育科技", "财政经济", "社会法制")
TOPICS = ("防汛排涝", "基层医疗", "老旧小区改造", "职业教育", "中小企业融资", "社区治理")


def intake_with_categories(n: int = 300) -> pd.DataFrame:
    """An intake table like a provincial CPPCC's, with a 类别 column of subject categories (texts
    written for the tests)."""
    rows = []
    for i in range(n):
        k = (i * 7) % len(CATEGORIES)
        rows.append({"序号": str(i + 1), "类别": CATEGORIES[k], "提案人": f"委员{i % 37}",
                     "标题": f"关于加强{TOPICS[k]}工作的提案",
                     "内容": f"当前{TOPICS[k]}仍有短板。建议加快完善{TOPICS[k]}制度；加强{'消防' if i % 5 == 0 else '资金'}保障。"})
    return pd.DataFrame(rows)


def _kinds_in(text: str) -> list[str]:
    return [c for c in CATEGORIES if c in text]


def test_a_category_column_is_never_taken_as_the_kind():
    df = intake_with_categories(300)
    res = run(df, chunk_size=64)
    text = res.summary_text()
    assert _kinds_in(text) == [] and "包括" not in text and text.startswith("本批共受理300件")
    assert set(res.proposals["kind"]) == {""} and len(res.proposals) == 300
    assert "kind_col" not in res.meta and "'类别'" in res.meta["notes"] and "'农林水利'" in res.meta["notes"]
    assert set(res.summary["kind"]) == {"all"}


def test_a_category_column_beside_a_kind_column():
    df = intake_with_categories(40)
    df.insert(1, "类型", ["政协提案", "人大代表建议"] * 20)
    res = run(df)
    assert res.meta["kind_col"] == "类型" and "notes" not in res.meta
    assert "包括人大代表建议20件" in res.summary_text() and _kinds_in(res.summary_text()) == []


def test_kind_handling_and_result_columns_named_or_switched_off():
    df = proposals_frame(4).rename(columns={"类型": "件别", "办理方式": "承办"})
    df["答复类型"] = ["A类", "列入计划", "留作参考", "已函复"]
    res = run(df, kind_col="件别", handling_col="承办")
    assert res.proposals["kind"].tolist()[:2] == ["政协提案", "人大代表建议"]
    assert res.proposals["handling"].tolist() == ["主办", "会办", "主办", "会办"]
    assert res.proposals["result"].tolist() == ["解决采纳", "正在解决或列入计划", "留作参考", "已函复"]
    assert res.meta["result_col"] == "答复类型"
    res = run(proposals_frame(4), kind_col="none", handling_col="none")
    assert set(res.proposals["kind"]) == {""} and set(res.proposals["handling"]) == {""}
    assert res.summary_text().startswith("本批共受理4件")


def test_results_and_satisfaction_reach_the_summary_and_its_paragraph():
    df = proposals_frame(4)
    df["办理结果"] = ["A类", "解决采纳", "列入计划", "留作参考"]
    df["满意度"] = ["满意", "非常满意", "基本满意", "不满意"]
    res = run(df)
    assert res.meta["satisfaction_col"] == "满意度"
    assert res.proposals["satisfaction"].tolist() == ["满意", "满意", "基本满意", "不满意"]
    s = res.summary.set_index(["metric", "kind", "handling"])["value"]
    assert s["result:解决采纳", "all", "all"] == 2 and s["satisfaction:满意", "政协提案", "all"] == 1
    text = res.summary_text()
    assert "从办理结果看，解决采纳2件，正在解决或列入计划1件，留作参考1件。" in text
    assert "代表委员对办理工作表示满意2件、基本满意1件、不满意1件，满意和基本满意率75%。" in text
    assert "satisfaction" not in run(proposals_frame(4)).meta.get("notes", "")


def _titled(path, df):
    """``df`` below a title row and a 填报单位 row, as office sheets have it."""
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["2024年政协提案汇总表"])
        ws.append(["填报单位：市应急管理局", None, None, "填报日期：2024年12月"])
        ws.append(list(df.columns))
        for r in df.itertuples(index=False):
            ws.append(list(r))
        wb.save(path)
    else:
        width = len(df.columns)
        head = "2024年政协提案汇总表" + "," * (width - 1) + "\n" + "填报单位：市应急管理局" + "," * (width - 1) + "\n"
        path.write_text(head + df.to_csv(index=False), encoding="utf-8-sig")
    return path


@pytest.mark.parametrize("name", ["in.csv", "in.xlsx"])
@pytest.mark.parametrize("stream", [False, True])
def test_the_header_in_row_3_is_found_without_options(tmp_path, name, stream):
    df = intake_with_categories(30)
    p = _titled(tmp_path / name, df)
    res = process_file(p, out=f"{tmp_path}/out/", stream=stream, chunk_size=8, **STANDINS, policy=FRAMEWORK)
    assert res.proposals["id"].tolist() == df["序号"].tolist()  # rows in = rows out, none from the title
    assert res.meta["header_row"] == 3 and "row 3" in res.meta["notes"] and "'类别'" in res.meta["notes"]
    assert _kinds_in(res.summary_text()) == [] and res.meta["title_col"] == "标题"


RAGGED = ("编号,类型,标题,内容\n"
          "1,政协提案,关于防汛的提案,建议加快排水管网改造。\n"
          "2,政协提案,关于消防的提案,建议加强检查, 完善预案。\n"  # an unquoted comma: 5 fields
          "3,人大代表建议,关于急救的建议,建议完善急救站点。\n"
          "4,人大代表建议,关于路灯的建议,建议修路灯,再种树,多设站\n"
          "5,人大代表建议,关于公交的建议,建议增开公交。\n")


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("chunk", [1, 2, 100])
def test_ragged_lines_kept_and_listed(tmp_path, stream, chunk):
    p = tmp_path / "in.csv"
    p.write_text(RAGGED, encoding="utf-8")
    out = f"{tmp_path}/out.xlsx"
    res = process_file(p, out=out, stream=stream, bad_lines="keep", chunk_size=chunk, **STANDINS, policy=FRAMEWORK)
    assert res.proposals["id"].tolist() == ["1", "3", "5"] and res.proposals["row"].tolist() == [1, 2, 3]
    bad = res.errors[res.errors["message"].str.startswith("line ")]
    assert bad["message"].str.extract(r"^line (\d+)")[0].tolist() == ["3", "5"]
    assert (bad["stage"] == "input").all() and bad["row"].isna().all()
    assert "建议加强检查, 完善预案。" in bad["message"].iloc[0] and "has 6 fields" in bad["message"].iloc[1]
    assert len(res.proposals) + len(bad) == 5 and res.meta["bad_lines"] == 2  # rows in = rows out + lines listed
    from proposal_nlp.results import read_result

    back = read_result(out)
    assert back.errors["message"].str.startswith("line ").sum() == 2 and len(back.proposals) == 3


def test_a_ragged_line_stops_the_run_before_any_work(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text(RAGGED + "".join(f"{i},政协提案,标题,建议加强。\n" for i in range(6, 60)), encoding="utf-8")
    with pytest.raises(InputError, match=r"PN107.*line 3 has 5 fields, the header has 4.*also line 5.*--bad-lines keep"):
        process_file(p, out=f"{tmp_path}/out/", stream=True, chunk_size=2, **STANDINS)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["in.csv"]


def test_lines_left_out_by_read_table_reach_the_errors_table(tmp_path):
    from proposal_nlp.io import read_table

    p = tmp_path / "in.csv"
    p.write_text(RAGGED, encoding="utf-8")
    res = run(read_table(p, bad_lines="keep"))
    assert len(res.proposals) == 3 and res.errors["message"].str.startswith("line 3 has 5 fields").sum() == 1


@pytest.mark.parametrize("out, fmt", [("r.xlsx", "xlsx"), ("r.XLSX", "xlsx"), ("r/", "csv"), ("existing", "csv"),
                                      ("r.csv", None), ("r", None), ("r.xls", None), ("r.html", None)])
def test_what_an_output_name_asks_for(tmp_path, monkeypatch, out, fmt):
    from proposal_nlp.batch import output_format

    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()
    if fmt:
        assert output_format(out) == fmt
    else:
        with pytest.raises(InputError, match=r"PN158.*-o r\.xlsx for a workbook.*-o r/"):
            output_format(out)


def test_a_wrong_output_name_is_refused_before_any_work(tmp_path):
    p = tmp_path / "in.csv"
    proposals_frame(3).to_csv(p, index=False)
    with pytest.raises(InputError, match=r"PN158.*one CSV file cannot hold"):
        process_file(p, out=tmp_path / "out.csv", **STANDINS)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["in.csv"]


def test_progress_lines_in_the_log(tmp_path, caplog, monkeypatch):
    import logging

    from proposal_nlp import progress

    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    p = tmp_path / "in.csv"
    proposals_frame(9).to_csv(p, index=False)
    with caplog.at_level(logging.INFO, logger="proposal_nlp.progress"):
        process_file(p, chunk_size=4, progress="log", **STANDINS, policy=FRAMEWORK)
    lines = [r.getMessage() for r in caplog.records if r.name == "proposal_nlp.progress"]
    assert any(x.startswith("classify, extract, match: 4 of 9 rows done") for x in lines), lines
    assert lines[-1].startswith("classify, extract, match: 9 rows in all")


@pytest.mark.slow
def test_a_provincial_intake_from_the_shared_data(tmp_path):
    """300 proposals of the shared Jiangsu CPPCC set as a clerk's CSV export: a title row, a
    填报单位 row, and the official 类别 column (built here, never stored in the repository)."""
    import json

    from proposal_nlp.resources import data_dir

    base = data_dir()
    src = base / "jszx_cppcc_proposals" / "jszx_cppcc_proposals_2019_2022.jsonl" if base else None
    if src is None or not src.exists():
        pytest.skip("shared data folder (../shared/data) not present")
    recs = [json.loads(line) for _, line in zip(range(300), src.open(encoding="utf-8"))]
    df = pd.DataFrame({"序号": [str(r["proposal_number"]) for r in recs], "类别": [r["category"] for r in recs],
                       "提案人": [r["proposer"] for r in recs], "标题": [r["title"] for r in recs],
                       "内容": [r["content"] for r in recs]})
    p = _titled(tmp_path / "intake.csv", df)
    res = process_file(p, out=f"{tmp_path}/out.xlsx", stream=True, **STANDINS, policy=FRAMEWORK)
    categories = set(df["类别"])
    assert len(res.proposals) == 300 and res.meta["header_row"] == 3
    assert not [c for c in categories if c in res.summary_text()], res.summary_text()


# ------------------------------------------------------------------------------------------- the group step
def _intake_messages() -> pd.DataFrame:
    rows = [
        ("1", "u1", "A5区魅力之城小区油烟扰民", "2019-11-01 10:00", "魅力之城小区楼下餐馆油烟直排，噪音扰民。", "3"),
        ("2", "u2", "A5区魅力之城小区临街餐馆油烟扰民", "2019-11-20 09:00", "魅力之城小区临街餐馆油烟扰民严重。", "10"),
        ("3", "u3", "投诉A2区丽发新城附近搅拌站噪音", "2019-12-20 22:00", "丽发新城附近搅拌站日夜施工，噪音扰民。", "0"),
        ("4", "u4", "", "2019-12-21 22:00", "", "0"),
    ]
    return pd.DataFrame(rows, columns=["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数"])


def test_the_group_step_adds_the_hot_issues_and_the_group_of_every_row():
    df = _intake_messages()
    res = process_table(df, steps=("extract", "group"))
    assert len(res.groups) == len(df) and res.groups["id"].tolist() == ["1", "2", "3", "4"]
    assert res.groups.loc[0, "group"] == res.groups.loc[1, "group"] != res.groups.loc[2, "group"]
    hot = res.hot_issues
    assert hot["size"].iloc[0] == 2 and hot["reactions"].iloc[0] == 13 and "魅力之城" in hot["label"].iloc[0]
    assert res.meta["group_kind"] == "messages"
    assert list(res.tables())[:3] == ["proposals", "hot_issues", "groups"]
    assert process_table(df, steps=("extract",)).hot_issues is None


def test_the_group_step_of_a_file_writes_the_hot_issue_sheet(tmp_path):
    df = _intake_messages()
    path = tmp_path / "in.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "out.xlsx"
    res = process_file(path, out=out, stream=True, steps=("extract", "group"))
    from proposal_nlp.results import read_result

    back = read_result(out)
    pd.testing.assert_frame_equal(back.hot_issues.drop(columns=["ids"]), res.hot_issues.drop(columns=["ids"]),
                                  check_dtype=False)
    assert back.hot_issues["ids"].tolist() == res.hot_issues["ids"].tolist()
    assert back.groups["group"].tolist() == res.groups["group"].tolist()
