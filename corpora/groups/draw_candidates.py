"""Draw the texts to group (run as a script; writes its pools to /tmp/groups, outside the repository).

Messages: Teddy 附件2 raw rows and 附件4 messages, repeated texts once, minus near-duplicates
(cosine >= 0.7) of 附件3; candidate blocks = connected components of character 2-3-gram TF-IDF
cosine >= 0.30; blocks of 2-12 messages drawn at random to about 340 messages, plus 80 messages
that are alone but name a place one of those messages names (hard negatives). Proposals: Jiangsu
2019 (never the three reserved ones); every proposal in a block of similar titles and openings
(cosine >= 0.22) plus proposals alone in the same categories, 200 in all.
"""
import random, json, re, sys
import numpy as np, pandas as pd
from pathlib import Path
from sklearn.feature_extraction.text import TfidfVectorizer
from scipy.sparse.csgraph import connected_components
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
ROOT = Path(__file__).resolve().parent.parent.parent
D = ROOT.parent / "shared" / "data" / "teddy2020_c"
rng = random.Random(20261206)
def read(n): return pd.read_csv(D/n, dtype=str, keep_default_na=False)
parts = []
for src, name in [("teddy_fj2_921","fj2_full_subset921_messages_labeled.csv"),("teddy_fj2_sample","fj2_sample_messages_labeled.csv"),("teddy_fj2_test2801","fj2_official_testset2801_unlabeled_with_team_predictions.csv"),("teddy_fj4","fj4_message_reply_pairs.csv")]:
    d = read(name); parts.append(pd.DataFrame({"source": src, "row_id": d["留言编号"].str.strip(), "user": d["留言用户"], "time": d["留言时间"], "text": d["留言主题"].str.strip()+"\n"+d["留言详情"].str.strip()}))
M = pd.concat(parts, ignore_index=True)
M = M[~M.text.duplicated()].reset_index(drop=True)
fj3 = read("fj3_hot_issue_messages.csv"); F = (fj3["留言主题"].str.strip()+"\n"+fj3["留言详情"].str.strip()).tolist()
vec = TfidfVectorizer(analyzer="char", ngram_range=(2,3), sublinear_tf=True, min_df=2).fit(M.text.tolist()+F)
X = vec.transform(M.text); XF = vec.transform(F)
near3 = (X @ XF.T).max(axis=1).toarray().ravel() >= 0.7
M = M[~near3].reset_index(drop=True); X = vec.transform(M.text)
S = (X @ X.T).tocsr(); S.setdiag(0); S.eliminate_zeros()
S.data[S.data < 0.30] = 0; S.eliminate_zeros()
n, lab = connected_components(S, directed=False)
M["block"] = lab
sizes = M.block.value_counts()
multi = sizes[(sizes >= 2) & (sizes <= 12)].index.tolist()
print("messages", len(M), "blocks 2..12:", len(multi), "msgs in them", sizes[multi].sum(), "big blocks", (sizes>12).sum())
rng.shuffle(multi)
chosen, total = [], 0
for b in multi:
    if total >= 340: break
    chosen.append(b); total += sizes[b]
# hard negatives: singletons sharing a place-like word with chosen messages
place = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]{2,8}(?:小区|花园|公寓|广场|大厦|街道|社区|村|学校|中学|小学|公司|市场|路)")
sel = M[M.block.isin(chosen)]
places = set(p for t in sel.text for p in place.findall(t))
singles = M[M.block.map(sizes).eq(1) & M.text.map(lambda t: any(p in t for p in place.findall(t) if p in places))]
extra = singles.sample(n=min(80, len(singles)), random_state=1)
print("singles sharing a place", len(singles))
pool = pd.concat([sel, extra])
# reading batches: group whole candidate blocks by shared places so readers see hard negatives together
pool = pool.assign(key=pool.source+":"+pool.row_id)
pool.to_pickle("/tmp/groups/msg_pool.pkl")
print("message pool", len(pool))
# proposals
recs=[json.loads(l) for l in open(ROOT.parent / "shared" / "data" / "jszx_cppcc_proposals" / "jszx_cppcc_proposals_2019_2022.jsonl",encoding="utf-8")]
RES={"789ba86407344967998789872429f490","07ca0a82646e47d6b9e4d0457e95273d","b63563624c334a35b058c68dc6aace65"}
P=pd.DataFrame([{"row_id":r["pkid"],"title":r["title"].strip(),"text":r["title"].strip()+"\n"+r["content"].strip(),"proposer":r.get("proposer") or r.get("author") or "","category":r.get("category")} for r in recs if str(r.get("year"))=="2019" and r["pkid"] not in RES])
vp=TfidfVectorizer(analyzer="char",ngram_range=(2,3),sublinear_tf=True,min_df=2).fit(P.text)
XP=vp.transform(P.title+" "+P.title+" "+P.text.str[:600])
SP=(XP@XP.T).toarray(); np.fill_diagonal(SP,0)
# take each proposal's nearest neighbours; blocks = connected comps at 0.25 capped
import scipy.sparse as sp
A=sp.csr_matrix(np.where(SP>=0.22,SP,0)); n2,lab2=connected_components(A,directed=False); P["block"]=lab2
sz=P.block.value_counts(); print("proposals",len(P),"blocks>=2",(sz>=2).sum(),"in them",sz[sz>=2].sum(), "largest", sz.max())
P.to_pickle("/tmp/groups/prop_all.pkl")
