"""proposal_nlp.summary: the summary table and the 办理情况 paragraph written from it."""
from __future__ import annotations

import pandas as pd

from proposal_nlp.summary import build_summary, summary_paragraph


def test_summary_paragraph_of_the_seed_figures():
    # the seed's 基本情况: 29 suggestions (11 主办, 18 会办, 13 fire: 6 / 7), 28 proposals (9 / 19, 9 fire: 1 / 8)
    rows = []
    for kind, host, assist, fire_host, fire_assist in (("人大代表建议", 11, 18, 6, 7), ("政协提案", 9, 19, 1, 8)):
        for h, n, f in (("主办", host, fire_host), ("会办", assist, fire_assist)):
            rows += [{"kind": kind, "handling": h, "fire_relevant": i < f, "topics": []} for i in range(n)]
    summary = build_summary(pd.DataFrame(rows), None)
    text = summary_paragraph(summary)
    assert text == ("本批共受理建议提案57件。包括人大代表建议29件（主办11件，会办18件），其中消防事项13件（主办6件，会办7件）；"
                    "政协提案28件（主办9件，会办19件），其中消防事项9件（主办1件，会办8件）。")
