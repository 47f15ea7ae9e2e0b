"""The quality benchmark of issue 8: the product's stories, summaries and answers on a
hand-labelled day, scored by the labels' README rules.

``uv run python -m benchmarks.quality --day ZIP_OR_JSON --labels DIR [--json OUT] [--speed]``
(see ``__main__``). Modules: ``labels`` (reading a labelled day), ``run`` (the product's
stages as a user gets them), ``scoring`` (the rules, pure functions), ``evaluate`` (all
figures of a run), ``speed`` (CPU seconds of ask, digest and poll, in fresh processes).
"""
