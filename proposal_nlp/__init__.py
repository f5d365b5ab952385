"""proposal_nlp: Chinese deputies' suggestions and members' proposals, from text to mapping tables.

Importing the package does no work: every public name below is loaded on first use.
"""
from __future__ import annotations

import importlib
import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# public name -> module that defines it
_EXPORTS = {
    # normalize
    "normalize": "proposal_nlp.normalize",
    "split_sentences": "proposal_nlp.normalize",
    "split_clauses": "proposal_nlp.normalize",
    "Span": "proposal_nlp.normalize",
    # segment
    "Segmenter": "proposal_nlp.segment",
    "Token": "proposal_nlp.segment",
    "score_segmentation": "proposal_nlp.segment",
    "load_lexicon": "proposal_nlp.resources",
    "data_dir": "proposal_nlp.resources",
    # classify
    "TextClassifier": "proposal_nlp.classify",
    "load_classifier": "proposal_nlp.persist",
    "train_classifier": "proposal_nlp.classify",
    "EmergencyClassifier": "proposal_nlp.emergency",
    "save_classifier": "proposal_nlp.persist",
    # suggest
    "Suggestion": "proposal_nlp.suggest",
    "extract_suggestions": "proposal_nlp.suggest",
    "parse_proposal": "proposal_nlp.proposal_fields",
    "suggestions_table": "proposal_nlp.suggest",
    # policy / match
    "Clause": "proposal_nlp.policy",
    "parse_policy": "proposal_nlp.policy",
    "load_clauses": "proposal_nlp.policy",
    "ClauseMatcher": "proposal_nlp.match",
    "mapping_table": "proposal_nlp.mapping",
    # grouping / hot issues
    "group_similar": "proposal_nlp.grouping",
    "find_similar": "proposal_nlp.grouping",
    "extract_places": "proposal_nlp.places",
    "groups_table": "proposal_nlp.hot",
    "hot_issues": "proposal_nlp.hot",
    "heat_index": "proposal_nlp.hot",
    "group_file": "proposal_nlp.hot",
    "group_dask": "proposal_nlp.dask",
    "boilerplate_kind": "proposal_nlp.policy",
    "load_word_vectors": "proposal_nlp.vectors",
    "load_match_model": "proposal_nlp.rerank",
    # batch / report
    "process_table": "proposal_nlp.batch",
    "BatchResult": "proposal_nlp.batch",
    "process_file": "proposal_nlp.batch",
    "process_dask": "proposal_nlp.dask",
    "read_table": "proposal_nlp.io",
    "write_result": "proposal_nlp.io",
    "render_report": "proposal_nlp.report",
    # handling summaries
    "parse_report": "proposal_nlp.handling_report",
    "HandlingReport": "proposal_nlp.handling_report",
    "read_figures": "proposal_nlp.report_figures",
    "check_figures": "proposal_nlp.report_checks",
    "audit_summary": "proposal_nlp.audit",
    "figures_from_table": "proposal_nlp.audit",
    "figures_from_result": "proposal_nlp.audit",
    "compare_figures": "proposal_nlp.audit",
    "basic_situation": "proposal_nlp.audit",
    # errors
    "ProposalNLPError": "proposal_nlp.errors",
    "InputError": "proposal_nlp.errors",
    "ResourceError": "proposal_nlp.errors",
    "ModelError": "proposal_nlp.errors",
    "BatchError": "proposal_nlp.errors",
    "ProposalNLPWarning": "proposal_nlp.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'proposal_nlp' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
