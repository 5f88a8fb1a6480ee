#!/usr/bin/env python3
"""Evaluation text that leaked into the repo: lines of files that share 24 characters with a post of
../shared/eval set A or C, or hold one of their labeled spans (8+ characters) verbatim. Measures only; the test
suite never reads ../shared. Common words of the lexicons (a first-name list holds every first name) are noise:
read the multiword hits.

    python benchmarks/dev_overlap.py src rules tests fixtures README.md
"""
import json, sys, re, glob, os  # noqa: E401
dev=[]
EVAL = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'eval')
for f in [os.path.join(EVAL, 'social-dev.jsonl'), os.path.join(EVAL, 'social-dev-c.jsonl')]:
    for l in open(f):
        if l.strip(): dev.append(json.loads(l))
N=24
grams={}
for r in dev:
    t=r['text']
    for i in range(0, max(1,len(t)-N+1)): grams.setdefault(t[i:i+N].lower(), r['id'])
labels={}
for r in dev:
    for lab in r.get('labels',[]):
        if len(lab['text'])>=8 and lab['label'] in ('NAME','HANDLE','LOCATION','QUASI','MRN','ID','EMAIL','PHONE','URL'): labels[lab['text'].lower()]=r['id']
paths=sys.argv[1:]
files=[]
for p in paths:
    if os.path.isdir(p):
        for root,_,fs in os.walk(p):
            files += [os.path.join(root,f) for f in fs if f.endswith(('.py','.yaml','.yml','.jsonl','.json','.md','.txt','.csv','.js','.html'))]
    else: files.append(p)
tot=0
for f in files:
    try: t=open(f,encoding='utf-8').read()
    except Exception: continue
    for line_no, line in enumerate(t.splitlines(),1):
        low=line.lower(); found=set()
        for i in range(0, max(0,len(low)-N+1)):
            g=low[i:i+N]
            if g in grams: found.add(('text',grams[g])); 
        for lab,id_ in labels.items():
            if lab in low: found.add(('label:'+lab, id_))
        if found:
            tot+=1; print(f"{f}:{line_no}: {sorted(found)[:3]} | {line.strip()[:120]}")
print('total', tot)
