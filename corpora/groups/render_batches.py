"""Write the reading batches (texts, outside the repository): messages sorted by the first place
they name and by candidate block, in two halves; proposals by category and block, with their
asks; the second-reading batches (42 consecutive messages, 30 consecutive proposals)."""
import re, json, random
from pathlib import Path
import pandas as pd
pool = pd.read_pickle("/tmp/groups/msg_pool.pkl")
place = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]{2,8}(?:小区|花园|公寓|广场|大厦|街道|社区|村|学校|中学|小学|公司|市场|路)")
pool["place"] = pool.text.map(lambda t: (place.findall(t) or ["~"])[0][-6:])
# order: blocks kept together; blocks and singles ordered by their first place
first = pool.groupby("block")["place"].transform("min")
pool = pool.assign(order_place=first).sort_values(["order_place", "block", "time"]).reset_index(drop=True)
pool["pos"] = range(len(pool))
half = len(pool) // 2
def write(path, rows, what):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows.itertuples():
            f.write(f"=== {r.key}\nuser: {r.user} | time: {r.time}\n{r.text[:900]}\n\n")
write("/tmp/groups/messages_1.txt", pool.iloc[:half], "m")
write("/tmp/groups/messages_2.txt", pool.iloc[half:], "m")
write("/tmp/groups/reread_messages.txt", pool.iloc[100:142], "m")
pool.to_pickle("/tmp/groups/msg_pool2.pkl")
P = pd.read_pickle("/tmp/groups/prop_all.pkl")
recs = {json.loads(l)["pkid"]: json.loads(l) for l in open(Path(__file__).resolve().parents[3] / "shared" / "data" / "jszx_cppcc_proposals" / "jszx_cppcc_proposals_2019_2022.jsonl", encoding="utf-8")}
sz = P.block.value_counts()
inblk = P[P.block.map(sz) >= 2]
cats = inblk.category.value_counts().index.tolist()
rest = P[(P.block.map(sz) == 1) & P.category.isin(cats)].sample(frac=1, random_state=2)
chosen = pd.concat([inblk, rest.head(200 - len(inblk))])
chosen = chosen.sort_values(["category", "block"]).reset_index(drop=True)
with open("/tmp/groups/proposals.txt", "w", encoding="utf-8") as f:
    for r in chosen.itertuples():
        rec = recs[r.row_id]
        asks = (rec.get("sec_具体建议") or "").strip()
        body = asks if asks else rec["content"].strip()[-900:]
        f.write(f"=== jszx2019:{r.row_id}\ncategory: {r.category} | title: {r.title}\nasks: {body[:1100]}\n\n")
with open("/tmp/groups/reread_proposals.txt", "w", encoding="utf-8") as f:
    for r in chosen.iloc[60:90].itertuples():
        rec = recs[r.row_id]; asks = (rec.get("sec_具体建议") or "").strip(); body = asks if asks else rec["content"].strip()[-900:]
        f.write(f"=== jszx2019:{r.row_id}\ncategory: {r.category} | title: {r.title}\nasks: {body[:1100]}\n\n")
chosen.to_pickle("/tmp/groups/prop_pool.pkl")
print(len(pool), half, len(chosen), chosen.category.value_counts().to_dict())
