/* framing._kernel: the TF-IDF rows of framing.features.FastFeatures, computed word by word in C.
 *
 * The Python side (framing/features.py) keeps all the knowledge of scikit-learn's analyzers:
 * it analyses each new word (its char_wb n-gram columns, its word-token ids) and hands the
 * lists to a Kernel. The Kernel remembers them per word and, for a batch of texts, splits each
 * text on whitespace exactly as str.split() does, looks its words up without making Python
 * objects, counts the columns of the text in a dense array, walks them in column order with a
 * two-level bitmap and writes the CSR row: 1 + log(count) from the caller's table, times idf,
 * divided by each block's l2 norm, summed in column order. That is the arithmetic of
 * TfidfTransformer and normalize(), operation for operation; given the model's weights it also
 * multiplies each row by them as scipy's csr_matvecs does, without keeping the rows. So the
 * results are bit for bit those of the numpy path and of scikit-learn (tests/test_features.py).
 * It is built with -ffp-contract=off so that no multiply-add is fused.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MAX_WORD_N 3
#define PREFETCH 8
#define EMPTY_KEY (-1)
static const uint64_t FIBONACCI = 0x9E3779B97F4A7C15ULL;

/* --- growable arrays --------------------------------------------------------------------- */
static int grow(void **array, Py_ssize_t *capacity, Py_ssize_t needed, size_t item) {
    if (needed <= *capacity) return 0;
    Py_ssize_t size = *capacity ? *capacity : 1024;
    while (size < needed) size *= 2;
    void *bigger = PyMem_Realloc(*array, (size_t)size * item);
    if (bigger == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *array = bigger;
    *capacity = size;
    return 0;
}

/* --- an exact int64 -> int64 table, laid out by framing.features._IntTable ----------------- */
typedef struct {
    int64_t *pairs; /* key, value, key, value...: a look-up reads one cache line */
    uint64_t shift, mask;
} IntTable;

static inline int64_t table_get(const IntTable *t, int64_t key) {
    uint64_t slot = ((uint64_t)key * FIBONACCI) >> t->shift;
    for (;;) {
        int64_t stored = t->pairs[2 * slot];
        if (stored == key) return t->pairs[2 * slot + 1];
        if (stored == EMPTY_KEY) return -1;
        slot = (slot + 1) & t->mask;
    }
}

/* --- one TF-IDF block of the union ----------------------------------------------------------- */
enum { CHAR_COLUMNS = 0, WORD_TOKENS = 1 };

typedef struct {
    int kind;
    int64_t offset, n_cols;
    /* WORD_TOKENS: token ids per word, n-grams formed across the words of a text. */
    int min_n, max_n;
    int64_t unknown, base;
    Py_buffer unigram; /* token id -> column or -1 */
    IntTable tables[MAX_WORD_N + 1];
} Block;

/* --- the kernel ------------------------------------------------------------------------------ */
typedef struct {
    PyObject_HEAD
    Py_ssize_t n_blocks;
    Block *blocks;
    int64_t n_cols;
    Py_buffer idf, log1;
    /* Remembered words. A word's record, in records: hash (two halves), number of code
     * points, offset of its lists (or PENDING | k until learn()), then the code points. Its lists,
     * in lists: one length per block, then each block's values. Slots hold the top half of
     * the hash and the record offset + 1 (0: free), so that a look-up reads a slot, a record
     * and the lists: a few cache lines per word. */
    uint32_t *records;
    Py_ssize_t records_used, records_capacity;
    int32_t *lists;
    Py_ssize_t lists_used, lists_capacity;
    uint64_t *slots;
    uint64_t slot_mask;
    Py_ssize_t entries;
    uint32_t *pending; /* records of the words added since the last learn(), in order */
    Py_ssize_t pending_used, pending_capacity;
    /* Scratch for one text. */
    int32_t *counts;   /* per column */
    uint64_t *level1;  /* a bit per column */
    uint64_t *level2;  /* a bit per level1 word */
    Py_ssize_t n_level2;
    int64_t *tokens;
    Py_ssize_t tokens_capacity;
    /* The batch's words in order: their lists' offsets, or ~k for the k-th pending word. */
    int32_t *batch_words;
    Py_ssize_t batch_words_used, batch_words_capacity;
    /* The batch's rows, kept between calls: fresh pages cost more than the rows themselves. */
    int32_t *out_indices;
    double *out_data;
    Py_ssize_t out_indices_capacity, out_data_capacity;
} Kernel;

static void release_blocks(Kernel *self) {
    if (self->blocks == NULL) return;
    for (Py_ssize_t b = 0; b < self->n_blocks; b++) {
        Block *block = &self->blocks[b];
        if (block->unigram.obj) PyBuffer_Release(&block->unigram);
        for (int n = 0; n <= MAX_WORD_N; n++) PyMem_Free(block->tables[n].pairs);
    }
    PyMem_Free(self->blocks);
    self->blocks = NULL;
}

static void Kernel_dealloc(Kernel *self) {
    release_blocks(self);
    if (self->idf.obj) PyBuffer_Release(&self->idf);
    if (self->log1.obj) PyBuffer_Release(&self->log1);
    PyMem_Free(self->records);
    PyMem_Free(self->lists);
    PyMem_Free(self->pending);
    PyMem_Free(self->slots);
    PyMem_Free(self->counts);
    PyMem_Free(self->level1);
    PyMem_Free(self->level2);
    PyMem_Free(self->tokens);
    PyMem_Free(self->out_indices);
    PyMem_Free(self->out_data);
    PyMem_Free(self->batch_words);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int get_array(PyObject *object, Py_buffer *view, const char *format, Py_ssize_t item, const char *what) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (view->itemsize != item || view->format == NULL || strchr(format, view->format[0]) == NULL ||
        view->format[1] != '\0') {
        PyErr_Format(PyExc_TypeError, "%s: expected a contiguous array of %s", what, format);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

#define INT64_FORMATS "lq"
#define FLOAT64_FORMATS "d"

/* record[3] of a word waiting for its lists: this bit, plus its place among the pending. */
#define PENDING 0x80000000u
#define FIRST_SLOTS 4096
/* Records and lists are addressed by 32-bit offsets; clear() long before. */
#define MAX_OFFSET ((Py_ssize_t)INT32_MAX - 1)

static int clear_words(Kernel *self) {
    self->entries = self->records_used = self->lists_used = self->pending_used = 0;
    PyMem_Free(self->slots);
    self->slot_mask = FIRST_SLOTS - 1;
    self->slots = PyMem_Calloc(FIRST_SLOTS, sizeof(uint64_t));
    if (self->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* Kernel(n_cols, idf, log1, blocks): blocks is a list of ("char", offset, n_cols) or
 * ("word", offset, n_cols, min_n, max_n, unknown, base, unigram, {n: (keys, values, shift)}). */
static int Kernel_init(Kernel *self, PyObject *args, PyObject *kwargs) {
    PyObject *idf, *log1, *blocks;
    long long n_cols;
    if (!PyArg_ParseTuple(args, "LOOO!", &n_cols, &idf, &log1, &PyList_Type, &blocks)) return -1;
    if (self->blocks != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Kernel is already initialised");
        return -1;
    }
    self->n_cols = n_cols;
    if (get_array(idf, &self->idf, FLOAT64_FORMATS, 8, "idf") < 0) return -1;
    if (get_array(log1, &self->log1, FLOAT64_FORMATS, 8, "log1") < 0) return -1;
    if (self->idf.len / 8 != n_cols) {
        PyErr_SetString(PyExc_ValueError, "idf must have one value per column");
        return -1;
    }
    self->n_blocks = PyList_GET_SIZE(blocks);
    self->blocks = PyMem_Calloc((size_t)self->n_blocks + 1, sizeof(Block));
    if (self->blocks == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t b = 0; b < self->n_blocks; b++) {
        Block *block = &self->blocks[b];
        PyObject *spec = PyList_GET_ITEM(blocks, b);
        const char *kind;
        long long offset, cols;
        if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) < 3) {
            PyErr_SetString(PyExc_TypeError, "a block is a tuple (kind, offset, n_cols, ...)");
            return -1;
        }
        if (PyTuple_GET_SIZE(spec) == 3) {
            if (!PyArg_ParseTuple(spec, "sLL", &kind, &offset, &cols)) return -1;
            if (strcmp(kind, "char") != 0) {
                PyErr_SetString(PyExc_ValueError, "a three-item block must be ('char', offset, n_cols)");
                return -1;
            }
            block->kind = CHAR_COLUMNS;
        } else {
            PyObject *unigram, *tables;
            int min_n, max_n;
            long long unknown, base;
            if (!PyArg_ParseTuple(spec, "sLLiiLLOO!", &kind, &offset, &cols, &min_n, &max_n, &unknown, &base,
                                  &unigram, &PyDict_Type, &tables))
                return -1;
            if (strcmp(kind, "word") != 0 || min_n < 1 || max_n < min_n || max_n > MAX_WORD_N) {
                PyErr_SetString(PyExc_ValueError, "a word block needs 1 <= min_n <= max_n <= 3");
                return -1;
            }
            block->kind = WORD_TOKENS;
            block->min_n = min_n;
            block->max_n = max_n;
            block->unknown = unknown;
            block->base = base;
            if (get_array(unigram, &block->unigram, INT64_FORMATS, 8, "unigram") < 0) return -1;
            if (block->unigram.len / 8 != base) {
                PyErr_SetString(PyExc_ValueError, "unigram must have one column per token id");
                return -1;
            }
            PyObject *key, *value;
            Py_ssize_t position = 0;
            while (PyDict_Next(tables, &position, &key, &value)) {
                long n = PyLong_AsLong(key);
                if (n == -1 && PyErr_Occurred()) return -1;
                if (n < 2 || n > MAX_WORD_N) {
                    PyErr_SetString(PyExc_ValueError, "word n-gram tables exist for n = 2 and 3");
                    return -1;
                }
                IntTable *table = &block->tables[n];
                PyObject *keys_object, *values_object;
                unsigned long long shift;
                Py_buffer keys, values;
                if (!PyArg_ParseTuple(value, "OOK", &keys_object, &values_object, &shift)) return -1;
                if (get_array(keys_object, &keys, INT64_FORMATS, 8, "keys") < 0) return -1;
                if (get_array(values_object, &values, INT64_FORMATS, 8, "values") < 0) {
                    PyBuffer_Release(&keys);
                    return -1;
                }
                Py_ssize_t size = keys.len / 8;
                int fits = size >= 2 && (size & (size - 1)) == 0 && values.len == keys.len && shift < 64 &&
                           (1ULL << (64 - shift)) == (unsigned long long)size;
                const int64_t *key = keys.buf, *column = values.buf;
                Py_ssize_t empty = 0;
                for (Py_ssize_t i = 0; fits && i < size; i++) empty += key[i] == EMPTY_KEY;
                if (fits && empty && table->pairs == NULL) table->pairs = PyMem_Malloc(16 * (size_t)size);
                if (fits && empty && table->pairs != NULL) {
                    for (Py_ssize_t i = 0; i < size; i++) {
                        table->pairs[2 * i] = key[i];
                        table->pairs[2 * i + 1] = column[i];
                    }
                }
                PyBuffer_Release(&keys);
                PyBuffer_Release(&values);
                if (!fits || !empty) {
                    /* A table without a free slot would make a look-up of an absent key loop. */
                    PyErr_SetString(PyExc_ValueError,
                                    "a table needs 2**k keys (some free) and values, and shift 64 - k");
                    return -1;
                }
                if (table->pairs == NULL) {
                    PyErr_NoMemory();
                    return -1;
                }
                table->shift = shift;
                table->mask = (uint64_t)size - 1;
            }
        }
        if (offset < 0 || cols < 0 || offset + cols > n_cols) {
            PyErr_SetString(PyExc_ValueError, "a block's columns must lie within n_cols");
            return -1;
        }
        block->offset = offset;
        block->n_cols = cols;
    }
    /* Blocks cover the columns in order, one after the other (the union's layout). */
    self->blocks[self->n_blocks].offset = n_cols;
    for (Py_ssize_t b = 0; b < self->n_blocks; b++) {
        if (self->blocks[b].offset + self->blocks[b].n_cols != self->blocks[b + 1].offset) {
            PyErr_SetString(PyExc_ValueError, "blocks must be consecutive and end at n_cols");
            return -1;
        }
    }
    Py_ssize_t n_level1 = (Py_ssize_t)((n_cols + 63) / 64);
    self->n_level2 = (n_level1 + 63) / 64;
    self->counts = PyMem_Calloc((size_t)n_cols + 1, sizeof(int32_t));
    self->level1 = PyMem_Calloc((size_t)n_level1 + 1, sizeof(uint64_t));
    self->level2 = PyMem_Calloc((size_t)self->n_level2 + 1, sizeof(uint64_t));
    if (self->counts == NULL || self->level1 == NULL || self->level2 == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return clear_words(self);
}

/* --- words ------------------------------------------------------------------------------------- */
static inline uint64_t finish_hash(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* The record of the word [start, end) of data, or -1; *slot_out gets the slot it is or would be in.
 * Always inlined, so that each caller with a constant kind gets its own loops. */
static inline __attribute__((always_inline)) Py_ssize_t find_word(const Kernel *self, int kind, const void *data,
                                                                  Py_ssize_t start, Py_ssize_t end, uint64_t hash,
                                                                  uint64_t *slot_out) {
    uint64_t slot = hash & self->slot_mask, tag = hash >> 32;
    Py_ssize_t length = end - start;
    for (;;) {
        uint64_t stored = self->slots[slot];
        if (stored == 0) break;
        if (stored >> 32 == tag) {
            const uint32_t *record = self->records + (uint32_t)stored - 1;
            if (record[0] == (uint32_t)hash && record[2] == (uint32_t)length) {
                Py_ssize_t i = 0;
                while (i < length && record[4 + i] == PyUnicode_READ(kind, data, start + i)) i++;
                if (i == length) {
                    *slot_out = slot;
                    return (uint32_t)stored - 1;
                }
            }
        }
        slot = (slot + 1) & self->slot_mask;
    }
    *slot_out = slot;
    return -1;
}

static int rehash(Kernel *self) {
    uint64_t size = (self->slot_mask + 1) * 2, *old = self->slots;
    uint64_t *slots = PyMem_Calloc(size, sizeof(uint64_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (uint64_t s = 0; s <= self->slot_mask; s++) {
        if (old[s] == 0) continue;
        uint64_t slot = self->records[(uint32_t)old[s] - 1] & (size - 1); /* the hash's low half */
        while (slots[slot]) slot = (slot + 1) & (size - 1);
        slots[slot] = old[s];
    }
    PyMem_Free(old);
    self->slots = slots;
    self->slot_mask = size - 1;
    return 0;
}

static Py_ssize_t add_word(Kernel *self, int kind, const void *data, Py_ssize_t start, Py_ssize_t end, uint64_t hash,
                           uint64_t slot) {
    Py_ssize_t length = end - start, at = self->records_used;
    if (at + 4 + length > MAX_OFFSET) {
        PyErr_SetString(PyExc_OverflowError, "too many remembered words; clear() first");
        return -1;
    }
    if (grow((void **)&self->records, &self->records_capacity, at + 4 + length, sizeof(uint32_t)) < 0 ||
        grow((void **)&self->pending, &self->pending_capacity, self->pending_used + 1, sizeof(uint32_t)) < 0)
        return -1;
    uint32_t *record = self->records + at;
    record[0] = (uint32_t)hash;
    record[1] = (uint32_t)(hash >> 32);
    record[2] = (uint32_t)length;
    record[3] = PENDING | (uint32_t)self->pending_used;
    for (Py_ssize_t i = 0; i < length; i++) record[4 + i] = PyUnicode_READ(kind, data, start + i);
    self->records_used = at + 4 + length;
    self->pending[self->pending_used++] = (uint32_t)at;
    self->slots[slot] = (hash >> 32 << 32) | (uint64_t)(at + 1);
    self->entries++;
    /* At most half full, so that probes stay short. */
    if ((uint64_t)self->entries * 2 > self->slot_mask + 1 && rehash(self) < 0) return -1;
    return at;
}

/* Appends each whitespace-separated word of text (str.split()'s words) to batch_words; a word
 * not remembered yet is added, and appended to found for analysis. */
static inline __attribute__((always_inline)) int scan_text(Kernel *self, int kind, const void *data,
                                                           Py_ssize_t length, PyObject *text, PyObject *found) {
    Py_ssize_t i = 0;
    while (i < length) {
        while (i < length && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i))) i++;
        if (i >= length) break;
        Py_ssize_t start = i;
        uint64_t hash = 0xcbf29ce484222325ULL; /* FNV-1a over code points */
        for (; i < length; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (Py_UNICODE_ISSPACE(c)) break;
            hash = (hash ^ c) * 0x100000001b3ULL;
        }
        hash = finish_hash(hash);
        uint64_t slot;
        Py_ssize_t record = find_word(self, kind, data, start, i, hash, &slot);
        if (record < 0) {
            record = add_word(self, kind, data, start, i, hash, slot);
            if (record < 0) return -1;
            PyObject *word = PyUnicode_Substring(text, start, i);
            if (word == NULL) return -1;
            int appended = PyList_Append(found, word);
            Py_DECREF(word);
            if (appended < 0) return -1;
        }
        if (grow((void **)&self->batch_words, &self->batch_words_capacity, self->batch_words_used + 1,
                 sizeof(int32_t)) < 0)
            return -1;
        uint32_t lists = self->records[record + 3];
        /* A learned word points at its lists; a pending one at ~(its place among the pending). */
        self->batch_words[self->batch_words_used++] = lists & PENDING ? ~(int32_t)(lists & ~PENDING) : (int32_t)lists;
    }
    return 0;
}

static int scan(Kernel *self, PyObject *text, PyObject *found) {
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    switch (PyUnicode_KIND(text)) {
        case PyUnicode_1BYTE_KIND:
            return scan_text(self, PyUnicode_1BYTE_KIND, data, length, text, found);
        case PyUnicode_2BYTE_KIND:
            return scan_text(self, PyUnicode_2BYTE_KIND, data, length, text, found);
        default:
            return scan_text(self, PyUnicode_4BYTE_KIND, data, length, text, found);
    }
}

static PyObject *sequence_of_texts(PyObject *texts) {
    PyObject *fast = PySequence_Fast(texts, "texts must be a sequence of str");
    if (fast == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    for (Py_ssize_t t = 0; t < n; t++) {
        if (!PyUnicode_Check(items[t])) {
            PyErr_Format(PyExc_TypeError, "texts must be str, not %.100s", Py_TYPE(items[t])->tp_name);
            Py_DECREF(fast);
            return NULL;
        }
    }
    return fast;
}

/* Gives the pending words their lists: analyse(words) returned, per block, (values int32,
 * lengths int64) with one length per word. */
static int learn(Kernel *self, PyObject *lists) {
    Py_ssize_t words = self->pending_used, n_blocks = self->n_blocks;
    if (!PyList_Check(lists) || PyList_GET_SIZE(lists) != n_blocks) {
        PyErr_SetString(PyExc_TypeError, "analyse() must return a list with one (values, lengths) pair per block");
        return -1;
    }
    Py_buffer *values = PyMem_Calloc((size_t)n_blocks + 1, sizeof(Py_buffer));
    Py_buffer *lengths = PyMem_Calloc((size_t)n_blocks + 1, sizeof(Py_buffer));
    Py_ssize_t *read = PyMem_Calloc((size_t)n_blocks + 1, sizeof(Py_ssize_t));
    int status = -1;
    if (values == NULL || lengths == NULL || read == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t total = self->lists_used + words * n_blocks;
    for (Py_ssize_t b = 0; b < n_blocks; b++) {
        PyObject *values_object, *lengths_object;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(lists, b), "OO", &values_object, &lengths_object)) goto done;
        if (get_array(values_object, &values[b], "i", 4, "values") < 0) goto done;
        if (get_array(lengths_object, &lengths[b], INT64_FORMATS, 8, "lengths") < 0) goto done;
        const int64_t *length = lengths[b].buf;
        const int32_t *value = values[b].buf;
        Py_ssize_t sum = 0, n_values = values[b].len / 4;
        int64_t limit = self->blocks[b].kind == CHAR_COLUMNS ? self->blocks[b].n_cols : self->blocks[b].base;
        int bad = lengths[b].len / 8 != words;
        for (Py_ssize_t w = 0; !bad && w < words; w++) {
            bad = length[w] < 0 || length[w] > INT32_MAX;
            sum += length[w];
        }
        bad = bad || sum != n_values;
        for (Py_ssize_t i = 0; !bad && i < n_values; i++) bad = value[i] < 0 || value[i] >= limit;
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "analyse(): one list per word, of the block's columns or tokens");
            goto done;
        }
        total += n_values;
    }
    if (total > MAX_OFFSET) {
        PyErr_SetString(PyExc_OverflowError, "too many remembered words; clear() first");
        goto done;
    }
    if (grow((void **)&self->lists, &self->lists_capacity, total, sizeof(int32_t)) < 0) goto done;
    for (Py_ssize_t w = 0; w < words; w++) {
        int32_t *list = self->lists + self->lists_used;
        Py_ssize_t at = n_blocks;
        for (Py_ssize_t b = 0; b < n_blocks; b++) {
            int64_t length = ((const int64_t *)lengths[b].buf)[w];
            list[b] = (int32_t)length;
            memcpy(list + at, (const int32_t *)values[b].buf + read[b], (size_t)length * 4);
            read[b] += length;
            at += length;
        }
        self->records[self->pending[w] + 3] = (uint32_t)self->lists_used;
        self->lists_used += at;
    }
    self->pending_used = 0;
    status = 0;
done:
    for (Py_ssize_t b = 0; values != NULL && b < n_blocks; b++) {
        if (values[b].obj) PyBuffer_Release(&values[b]);
        if (lengths[b].obj) PyBuffer_Release(&lengths[b]);
    }
    PyMem_Free(values);
    PyMem_Free(lengths);
    PyMem_Free(read);
    return status;
}

/* --- rows ------------------------------------------------------------------------------------- */
typedef struct {
    int32_t *indices;
    double *data;
    Py_ssize_t used;
} Row;

/* Where block b's values start in a word's lists: after the lengths and the earlier blocks' values. */
static inline const int32_t *block_values(const int32_t *list, Py_ssize_t n_blocks, Py_ssize_t b) {
    const int32_t *values = list + n_blocks;
    for (Py_ssize_t before = 0; before < b; before++) values += list[before];
    return values;
}

static inline void count_column(Kernel *self, int64_t column) {
    /* Branch-free: whether a column is new to the text is a coin toss the processor cannot predict. */
    self->counts[column]++;
    self->level1[column >> 6] |= 1ULL << (column & 63);
    self->level2[column >> 12] |= 1ULL << ((column >> 6) & 63);
}

static void count_word_ngrams(Kernel *self, const Block *block, const int64_t *tokens, Py_ssize_t n_tokens) {
    const int64_t *unigram = block->unigram.buf;
    for (Py_ssize_t i = 0; i < n_tokens; i++) {
        int64_t key = tokens[i];
        int usable = key != block->unknown;
        if (block->min_n == 1 && usable) {
            int64_t column = unigram[key];
            if (column >= 0) count_column(self, block->offset + column);
        }
        for (int n = 2; n <= block->max_n && i + n <= n_tokens; n++) {
            int64_t next = tokens[i + n - 1];
            usable = usable && next != block->unknown;
            key = key * block->base + next;
            if (!usable) break;
            if (n < block->min_n || block->tables[n].pairs == NULL) continue;
            int64_t column = table_get(&block->tables[n], key);
            if (column >= 0) count_column(self, block->offset + column);
        }
    }
}

/* Divides the row's values from `from` on by the l2 norm whose square is `squares` (as normalize() does). */
static inline void normalise(Row *row, Py_ssize_t from, double squares) {
    if (squares != 0.0) {
        double norm = sqrt(squares);
        for (Py_ssize_t j = from; j < row->used; j++) row->data[j] /= norm;
    }
}

/* The counted columns in order into row, weighted and normalised per block; 0, or 1 when a
 * count is beyond the log table (the caller then computes this batch another way). */
static int emit_row(Kernel *self, Row *row) {
    const double *idf = self->idf.buf, *log1 = self->log1.buf;
    Py_ssize_t n_log = self->log1.len / 8, segment = row->used;
    Py_ssize_t b = 0;
    double squares = 0.0;
    int overflow = 0;
    for (Py_ssize_t i2 = 0; i2 < self->n_level2; i2++) {
        uint64_t word2 = self->level2[i2];
        self->level2[i2] = 0;
        while (word2) {
            Py_ssize_t i1 = i2 * 64 + __builtin_ctzll(word2);
            word2 &= word2 - 1;
            uint64_t word1 = self->level1[i1];
            self->level1[i1] = 0;
            while (word1) {
                int64_t column = i1 * 64 + __builtin_ctzll(word1);
                word1 &= word1 - 1;
                int32_t count = self->counts[column];
                self->counts[column] = 0;
                while (column >= self->blocks[b + 1].offset) {
                    normalise(row, segment, squares);
                    squares = 0.0;
                    segment = row->used;
                    b++;
                }
                overflow |= count >= n_log;
                double value = (overflow ? 1.0 : log1[count]) * idf[column];
                row->indices[row->used] = (int32_t)column;
                row->data[row->used] = value;
                row->used++;
                squares += value * value;
            }
        }
    }
    normalise(row, segment, squares);
    return overflow;
}

/* transform(texts, analyse[, weights]) -> (indptr, indices, data) as bytearrays of int32, int32
 * and float64; or, given weights (float64, n_cols x k, C order), the rows' products with them as
 * one bytearray of n x k float64, summed as scipy's csr_matvecs sums them. None when a count in
 * some text is beyond the log table. Words seen for the first time are analysed by one call
 * analyse(words), which returns their lists (see learn()). */
static PyObject *Kernel_transform(Kernel *self, PyObject *args) {
    PyObject *texts, *analyse, *weights_object = Py_None;
    if (!PyArg_ParseTuple(args, "OO|O:transform", &texts, &analyse, &weights_object)) return NULL;
    if (self->n_cols >= INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "too many columns for int32 indices");
        return NULL;
    }
    Py_buffer weights = {0};
    Py_ssize_t k = 0;
    if (weights_object != Py_None) {
        if (get_array(weights_object, &weights, FLOAT64_FORMATS, 8, "weights") < 0) return NULL;
        k = self->n_cols ? weights.len / 8 / self->n_cols : 0;
        if (weights.ndim != 2 || k < 1 || weights.len != 8 * k * self->n_cols) {
            PyErr_SetString(PyExc_ValueError, "weights must be a C-contiguous n_cols x k array");
            PyBuffer_Release(&weights);
            return NULL;
        }
    }
    PyObject *fast = sequence_of_texts(texts);
    if (fast == NULL) {
        if (weights.obj) PyBuffer_Release(&weights);
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    PyObject *result = NULL, *found = PyList_New(0);
    int32_t *indptr = PyMem_Malloc(sizeof(int32_t) * ((size_t)n + 1));
    Py_ssize_t *ends = PyMem_Malloc(sizeof(Py_ssize_t) * ((size_t)n + 1));
    double *products = k ? PyMem_Calloc((size_t)(n * k) + 1, sizeof(double)) : NULL;
    Row row = {NULL, NULL, 0};
    int overflow = 0;
    if (found == NULL || indptr == NULL || ends == NULL || (k && products == NULL)) {
        if (found != NULL) PyErr_NoMemory();
        goto done;
    }
    self->batch_words_used = 0;
    ends[0] = indptr[0] = 0;
    for (Py_ssize_t t = 0; t < n; t++) {
        if (scan(self, items[t], found) < 0) goto forget;
        ends[t + 1] = self->batch_words_used;
    }
    if (PyList_GET_SIZE(found)) {
        PyObject *lists = PyObject_CallOneArg(analyse, found);
        int learned = lists == NULL ? -1 : learn(self, lists);
        Py_XDECREF(lists);
        if (learned < 0) goto forget;
        for (Py_ssize_t i = 0; i < self->batch_words_used; i++) {
            int32_t at = self->batch_words[i];
            if (at < 0) self->batch_words[i] = (int32_t)self->records[self->pending[~at] + 3];
        }
    }
    /* Room first, for every text (a text has at most its words' list lengths of columns), so that
     * the counting below cannot fail and runs without the GIL: it touches only the kernel's own
     * arrays, which the caller's lock keeps to one thread at a time. */
    Py_ssize_t room = 0, most_tokens = 0;
    for (Py_ssize_t t = 0; t < n; t++) {
        const int32_t *words = self->batch_words + ends[t];
        Py_ssize_t n_words = ends[t + 1] - ends[t], most = 0;
        for (Py_ssize_t b = 0; b < self->n_blocks; b++) {
            Py_ssize_t items_of_block = 0;
            for (Py_ssize_t w = 0; w < n_words; w++) items_of_block += self->lists[words[w] + b];
            if (self->blocks[b].kind == WORD_TOKENS) {
                most_tokens = items_of_block > most_tokens ? items_of_block : most_tokens;
                items_of_block *= self->blocks[b].max_n;
            }
            most += items_of_block;
        }
        room = k ? (most > room ? most : room) : room + most; /* products keep one row at a time */
    }
    if (room > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "too many values in one batch; transform fewer texts at once");
        goto done;
    }
    if (grow((void **)&self->tokens, &self->tokens_capacity, most_tokens + 1, sizeof(int64_t)) < 0 ||
        grow((void **)&self->out_indices, &self->out_indices_capacity, room + 1, sizeof(int32_t)) < 0 ||
        grow((void **)&self->out_data, &self->out_data_capacity, room + 1, sizeof(double)) < 0)
        goto done;
    row.indices = self->out_indices;
    row.data = self->out_data;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t t = 0; t < n; t++) {
        const int32_t *words = self->batch_words + ends[t];
        Py_ssize_t n_words = ends[t + 1] - ends[t];
        for (Py_ssize_t b = 0; b < self->n_blocks; b++) {
            const Block *block = &self->blocks[b];
            if (block->kind == CHAR_COLUMNS) {
                for (Py_ssize_t w = 0; w < n_words; w++) {
                    const int32_t *list = self->lists + words[w], *columns = block_values(list, self->n_blocks, b);
                    if (w + 1 < n_words) __builtin_prefetch(self->lists + words[w + 1]);
                    for (int32_t i = 0; i < list[b]; i++) count_column(self, block->offset + columns[i]);
                }
            } else {
                Py_ssize_t n_tokens = 0;
                for (Py_ssize_t w = 0; w < n_words; w++) {
                    const int32_t *list = self->lists + words[w], *ids = block_values(list, self->n_blocks, b);
                    for (int32_t i = 0; i < list[b]; i++) self->tokens[n_tokens++] = ids[i];
                }
                count_word_ngrams(self, block, self->tokens, n_tokens);
            }
        }
        Py_ssize_t first = row.used;
        overflow |= emit_row(self, &row);
        if (k) {
            /* y += a * w for each value a of the row, in column order: scipy's axpy loop. */
            double *y = products + t * k;
            const double *w = weights.buf;
            for (Py_ssize_t j = first; j < row.used; j++) {
                /* The weights are megabytes read at random: ask for a later row's early. */
                if (j + PREFETCH < row.used) __builtin_prefetch(w + (Py_ssize_t)row.indices[j + PREFETCH] * k);
                const double a = row.data[j], *x = w + (Py_ssize_t)row.indices[j] * k;
                for (Py_ssize_t c = 0; c < k; c++) y[c] += a * x[c];
            }
            row.used = 0; /* the rows themselves are not kept */
        }
        indptr[t + 1] = (int32_t)row.used;
    }
    Py_END_ALLOW_THREADS
    if (overflow) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    if (k) {
        result = PyByteArray_FromStringAndSize((const char *)products, (Py_ssize_t)(8 * n * k));
        goto done;
    }
    PyObject *parts[3] = {
        PyByteArray_FromStringAndSize((const char *)indptr, (Py_ssize_t)(4 * (n + 1))),
        PyByteArray_FromStringAndSize((const char *)row.indices, 4 * row.used),
        PyByteArray_FromStringAndSize((const char *)row.data, 8 * row.used),
    };
    if (parts[0] && parts[1] && parts[2]) result = PyTuple_Pack(3, parts[0], parts[1], parts[2]);
    for (int k = 0; k < 3; k++) Py_XDECREF(parts[k]);
    goto done;
forget:
    /* Words added but not learned would have no lists: start the memo afresh instead. */
    if (clear_words(self) < 0) PyErr_Clear();
done:
    if (weights.obj) PyBuffer_Release(&weights);
    PyMem_Free(products);
    PyMem_Free(indptr);
    PyMem_Free(ends);
    Py_XDECREF(found);
    Py_DECREF(fast);
    return result;
}

static PyObject *Kernel_clear(Kernel *self, PyObject *unused) {
    if (clear_words(self) < 0) return NULL;
    Py_RETURN_NONE;
}

static Py_ssize_t Kernel_len(Kernel *self) { return self->entries; }

static PyMethodDef Kernel_methods[] = {
    {"transform", (PyCFunction)Kernel_transform, METH_VARARGS,
     "transform(texts, analyse) -> (indptr, indices, data) bytearrays, or None when a count is beyond the log\n"
     "table; analyse(words) gives the lists of the words seen for the first time."},
    {"clear", (PyCFunction)Kernel_clear, METH_NOARGS, "Forget every remembered word."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods Kernel_as_sequence = {.sq_length = (lenfunc)Kernel_len};

static PyTypeObject KernelType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "framing._kernel.Kernel",
    .tp_basicsize = sizeof(Kernel),
    .tp_dealloc = (destructor)Kernel_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "TF-IDF rows of a FastFeatures union, word by word (see framing/features.py).",
    .tp_methods = Kernel_methods,
    .tp_as_sequence = &Kernel_as_sequence,
    .tp_init = (initproc)Kernel_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef kernel_module = {
    PyModuleDef_HEAD_INIT, "_kernel", "The compiled TF-IDF kernel of framing.features.", -1, NULL,
};

PyMODINIT_FUNC PyInit__kernel(void) {
    if (PyType_Ready(&KernelType) < 0) return NULL;
    PyObject *module = PyModule_Create(&kernel_module);
    if (module == NULL) return NULL;
    Py_INCREF(&KernelType);
    if (PyModule_AddObject(module, "Kernel", (PyObject *)&KernelType) < 0) {
        Py_DECREF(&KernelType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
