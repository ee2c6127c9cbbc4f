"""Default settings, defined once and shared by the library and the command line."""

from __future__ import annotations

from pathlib import Path

#: Folder of the default model and corpus, relative to the project root.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_PATH = PROJECT_ROOT / "models" / "default.framing"
DEFAULT_CORPUS_PATH = PROJECT_ROOT / "corpus" / "labeled"
DEFAULT_CODEBOOK_PATH = PROJECT_ROOT / "corpus" / "codebook.json"

#: Corpus column names.
TEXT_COLUMN = "text"
LABEL_COLUMN = "label"
GROUP_COLUMN = "doc_id"
SOURCE_COLUMN = "source"
CORPUS_SUFFIXES = (".csv", ".tsv", ".jsonl")

#: Model hyperparameters.
SEED = 0
CV_FOLDS = 5
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
MIN_DF = 1
C = 10.0
MAX_ITER = 2000
CLASS_WEIGHT = "balanced"

#: Segmentation: sentences longer than this are split (bounded time and memory).
MAX_SENTENCE_CHARS = 2000

#: Classification.
UNCLASSIFIED = "unclassified"
MIN_CONFIDENCE = 0.0
TEXT_FIELD = "text"
ID_FIELD = "id"

#: Evaluation.
BOOTSTRAP_SAMPLES = 1000
