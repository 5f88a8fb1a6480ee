"""Training for staff (issue 15): a bank of synthetic case studies, modules built from the rules and the bank,
a quiz scored per item, role plays checked live, and records of who passed what in a local SQLite database.

bank.py     the case bank: YAML files validated against a JSON Schema (shipped in phiscan/data/training)
quiz.py     drawing a quiz (seedable) and scoring it
records.py  completions and scores in SQLite (never the text a trainee typed); CSV export
modules.py  the modules: each rule's docs and the bank's cases
cli.py      `phiscan training quiz | export | validate`
web.py      the pages under /training of `phiscan serve`
"""
