/* framing._records: the sentence records of `framing classify -o FILE.jsonl`, written in C.
 *
 * framing/outputs.py writes one line per document: json.dumps(record, ensure_ascii=False),
 * encoded as UTF-8 with errors="backslashreplace". Most of each line is its sentence records,
 * and most of their cost in Python is float.__repr__ and string quoting. sentence_records()
 * writes the records of every document of a chunk straight into bytes, the same bytes:
 *
 *  - strings as json.encoder.encode_basestring quotes them (" \ \n \r \t \b \f escaped, other
 *    code points below 0x20 as \u00xx), in UTF-8, with a lone surrogate (which JSON input can
 *    hold) written \udxxx as the backslashreplace error handler writes it;
 *  - integers in decimal;
 *  - floats as float.__repr__ writes them. A value that is the double nearest to k / 1e6 for
 *    100 <= k < 1e6 (round(x, 6) of most probabilities) is "0." and the six digits of k without
 *    its trailing zeros: no shorter decimal gives that double, so this is its repr (k is
 *    rint(v * 1e6), as framing/jsonl.py computes it). Any other value (0.0, 1.0, below 1e-4,
 *    where repr writes an exponent) takes PyOS_double_to_string, which is float.__repr__ itself.
 *
 * The frame names (labels and score keys) come already quoted and encoded from Python, which
 * also writes each document's own fields and proportions around its records. The arrays come
 * through the buffer protocol: no numpy C API, no build dependency on numpy. tests/test_records.py
 * compares the bytes with those of the Python path and of json.dumps.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* The longest int64 in decimal ("-9223372036854775808") and the longest float repr
 * ("-2.2250738585072014e-308"), rounded up. */
#define INT_CHARS 24
#define FLOAT_CHARS 32
/* Every escaped character takes at most 6 bytes: \u00xx, \udxxx, or up to 4 of UTF-8. */
#define CHAR_BYTES 6

static const char HEX[] = "0123456789abcdef";

/* --- a growable byte buffer ---------------------------------------------------------------- */
typedef struct {
    char *data;
    Py_ssize_t size, capacity;
} Writer;

static int reserve(Writer *w, Py_ssize_t more) {
    if (more > PY_SSIZE_T_MAX - w->size) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t needed = w->size + more;
    if (needed <= w->capacity) return 0;
    Py_ssize_t capacity = w->capacity ? w->capacity : 4096;
    while (capacity < needed) capacity = capacity > PY_SSIZE_T_MAX / 2 ? needed : capacity * 2;
    char *bigger = PyMem_Realloc(w->data, (size_t)capacity);
    if (bigger == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    w->data = bigger;
    w->capacity = capacity;
    return 0;
}

/* The writers below assume that the room was reserved. */
static inline void put(Writer *w, const char *bytes, Py_ssize_t n) {
    memcpy(w->data + w->size, bytes, (size_t)n);
    w->size += n;
}

#define PUT_LITERAL(w, text) put((w), (text), (Py_ssize_t)(sizeof(text) - 1))

static inline void put_int(Writer *w, int64_t value) {
    char digits[INT_CHARS];
    int n = 0;
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do {
        digits[n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    char *out = w->data + w->size;
    if (value < 0) *out++ = '-';
    while (n) *out++ = digits[--n];
    w->size = out - w->data;
}

static int put_float(Writer *w, double value) {
    double scaled = rint(value * 1e6);
    if (scaled >= 100.0 && scaled < 1e6 && scaled / 1e6 == value) {
        int64_t k = (int64_t)scaled;
        char *out = w->data + w->size;
        out[0] = '0';
        out[1] = '.';
        for (int place = 7; place >= 2; place--) {
            out[place] = (char)('0' + k % 10);
            k /= 10;
        }
        int end = 8;
        while (out[end - 1] == '0') end--; /* stops at a nonzero digit: k >= 100 */
        w->size += end;
        return 0;
    }
    if (!isfinite(value)) {
        PyErr_Format(PyExc_ValueError, "rounded holds %s, which JSON cannot write", isnan(value) ? "nan" : "an infinity");
        return -1;
    }
    char *text = PyOS_double_to_string(value, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (text == NULL) return -1;
    Py_ssize_t n = (Py_ssize_t)strlen(text);
    if (n > FLOAT_CHARS && reserve(w, n) < 0) {
        PyMem_Free(text);
        return -1;
    }
    put(w, text, n);
    PyMem_Free(text);
    return 0;
}

/* One code point of a string as encode_basestring quotes it, encoded with backslashreplace;
 * put_text writes the plain ASCII ones itself. */
static char *put_char(char *out, Py_UCS4 c) {
    if (c < 0x80) {
        if (c >= 0x20 && c != '"' && c != '\\') {
            *out++ = (char)c;
            return out;
        }
        *out++ = '\\';
        switch (c) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '\n': *out++ = 'n'; break;
        case '\r': *out++ = 'r'; break;
        case '\t': *out++ = 't'; break;
        case '\b': *out++ = 'b'; break;
        case '\f': *out++ = 'f'; break;
        default:
            *out++ = 'u';
            *out++ = '0';
            *out++ = '0';
            *out++ = HEX[c >> 4];
            *out++ = HEX[c & 0xf];
        }
        return out;
    }
    if (c < 0x800) {
        *out++ = (char)(0xc0 | (c >> 6));
        *out++ = (char)(0x80 | (c & 0x3f));
    } else if (c >= 0xd800 && c <= 0xdfff) { /* a lone surrogate: no UTF-8, written \udxxx */
        *out++ = '\\';
        *out++ = 'u';
        *out++ = HEX[c >> 12];
        *out++ = HEX[(c >> 8) & 0xf];
        *out++ = HEX[(c >> 4) & 0xf];
        *out++ = HEX[c & 0xf];
    } else if (c < 0x10000) {
        *out++ = (char)(0xe0 | (c >> 12));
        *out++ = (char)(0x80 | ((c >> 6) & 0x3f));
        *out++ = (char)(0x80 | (c & 0x3f));
    } else {
        *out++ = (char)(0xf0 | (c >> 18));
        *out++ = (char)(0x80 | ((c >> 12) & 0x3f));
        *out++ = (char)(0x80 | ((c >> 6) & 0x3f));
        *out++ = (char)(0x80 | (c & 0x3f));
    }
    return out;
}

/* Whether a code point is written as itself, one byte: ASCII from space on, but " and \. */
#define PLAIN(c) ((c) < 0x80 && (c) >= 0x20 && (c) != '"' && (c) != '\\')

/* Eight characters at a time: whether every byte of x is PLAIN. Bit tricks on 64 bits (a byte
 * below n, for n <= 0x80, shows as (x - n * ONES) & ~x & HIGH; an equal byte as a zero byte of
 * the XOR); any byte flagged means "no", and the caller takes the characters one by one. */
static const uint64_t ONES = 0x0101010101010101ULL, HIGH = 0x8080808080808080ULL;

static inline int plain8(uint64_t x) {
    uint64_t quote = x ^ (ONES * '"'), backslash = x ^ (ONES * '\\');
    uint64_t below_space = (x - ONES * 0x20) & ~x;
    uint64_t is_quote = (quote - ONES) & ~quote, is_backslash = (backslash - ONES) & ~backslash;
    return ((x | below_space | is_quote | is_backslash) & HIGH) == 0;
}

/* A quoted string; reserve 2 + CHAR_BYTES * its length first. */
static void put_text(Writer *w, PyObject *text) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), i = 0;
    const void *data = PyUnicode_DATA(text);
    char *out = w->data + w->size;
    *out++ = '"';
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: {
        const Py_UCS1 *chars = data;
        while (i < length) {
            uint64_t eight;
            if (i + 8 <= length && (memcpy(&eight, chars + i, 8), plain8(eight))) {
                memcpy(out, &eight, 8);
                out += 8;
                i += 8;
            } else {
                Py_UCS4 c = chars[i++];
                out = PLAIN(c) ? (*out = (char)c, out + 1) : put_char(out, c);
            }
        }
        break;
    }
    case PyUnicode_2BYTE_KIND:
        for (const Py_UCS2 *chars = data; i < length; i++) {
            Py_UCS4 c = chars[i];
            out = PLAIN(c) ? (*out = (char)c, out + 1) : put_char(out, c);
        }
        break;
    default:
        for (const Py_UCS4 *chars = data; i < length; i++) {
            Py_UCS4 c = chars[i];
            out = PLAIN(c) ? (*out = (char)c, out + 1) : put_char(out, c);
        }
    }
    *out++ = '"';
    w->size = out - w->data;
}

/* --- arguments ------------------------------------------------------------------------------ */
/* A native 8-byte item: format (an optional byte-order prefix meaning native) is one of codes. */
static int native_item(const Py_buffer *view, const char *codes) {
    const char *format = view->format;
    if (format == NULL || view->itemsize != 8) return 0;
    if (*format == '@' || *format == '=') format++;
#if PY_LITTLE_ENDIAN
    else if (*format == '<') format++;
#else
    else if (*format == '>') format++;
#endif
    return format[0] != '\0' && format[1] == '\0' && strchr(codes, format[0]) != NULL;
}

/* A C-contiguous array of ndim dimensions with items of codes (int64 "lq", float64 "d"). */
static int get_array(PyObject *obj, Py_buffer *view, const char *name, const char *codes, const char *what, int ndim) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous %s array, not %.100s", name, what, Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (!native_item(view, codes) || view->ndim != ndim) {
        PyErr_Format(PyExc_TypeError, "%s must be a %dD %s array (got %dD, format '%s', item size %zd)", name, ndim, what,
                     view->ndim, view->format ? view->format : "B", view->itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* Quoted names as bytes: their pointers and lengths into arrays of PyMem_Malloc'ed memory. */
static int get_names(PyObject *fast, const char *name, const char ***bytes, Py_ssize_t **lengths) {
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    *bytes = PyMem_Malloc(sizeof(char *) * (size_t)(n ? n : 1));
    *lengths = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n ? n : 1));
    if (*bytes == NULL || *lengths == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyBytes_Check(items[i])) {
            PyErr_Format(PyExc_TypeError, "%s[%zd] must be bytes (a quoted, encoded name), not %.100s", name, i,
                         Py_TYPE(items[i])->tp_name);
            return -1;
        }
        (*bytes)[i] = PyBytes_AS_STRING(items[i]);
        (*lengths)[i] = PyBytes_GET_SIZE(items[i]);
    }
    return 0;
}

/* --- sentence_records() ---------------------------------------------------------------------- */
typedef struct {
    PyObject *texts, *labels, *keys, *sizes; /* PySequence_Fast of the arguments */
    Py_buffer numbers, label_index, rounded;
    Py_ssize_t n, n_docs, n_labels, k;
    Py_ssize_t *counts, *label_lengths, *key_lengths;
    const char **label_bytes, **key_bytes;
} Args;

static void release_args(Args *a) {
    PyMem_Free(a->counts);
    PyMem_Free(a->label_bytes);
    PyMem_Free(a->label_lengths);
    PyMem_Free(a->key_bytes);
    PyMem_Free(a->key_lengths);
    PyBuffer_Release(&a->numbers);
    PyBuffer_Release(&a->label_index);
    PyBuffer_Release(&a->rounded);
    Py_XDECREF(a->texts);
    Py_XDECREF(a->labels);
    Py_XDECREF(a->keys);
    Py_XDECREF(a->sizes);
}

/* Take and check the arguments; on an error, release_args() frees what was taken. */
static int parse_args(Args *a, PyObject *args) {
    PyObject *texts, *numbers, *label_index, *rounded, *labels, *keys, *sizes;
    if (!PyArg_ParseTuple(args, "OOOOOOO:sentence_records", &texts, &numbers, &label_index, &rounded, &labels, &keys,
                          &sizes))
        return -1;
    /* Everything that may run Python code comes first: after it, the sequences cannot change. */
    a->sizes = PySequence_Fast(sizes, "sizes must be a sequence of sentence counts");
    if (a->sizes == NULL) return -1;
    a->n_docs = PySequence_Fast_GET_SIZE(a->sizes);
    a->counts = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(a->n_docs ? a->n_docs : 1));
    if (a->counts == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t d = 0; d < a->n_docs; d++) {
        PyObject *count = PySequence_Fast_GET_ITEM(a->sizes, d);
        if (!PyLong_Check(count)) {
            PyErr_Format(PyExc_TypeError, "sizes[%zd] must be an int (a number of sentences), not %.100s", d,
                         Py_TYPE(count)->tp_name);
            return -1;
        }
        a->counts[d] = PyLong_AsSsize_t(count);
        if (a->counts[d] == -1 && PyErr_Occurred()) return -1;
        if (a->counts[d] < 0) {
            PyErr_Format(PyExc_ValueError, "sizes[%zd] is %zd; a number of sentences cannot be negative", d, a->counts[d]);
            return -1;
        }
    }
    if (get_array(numbers, &a->numbers, "numbers", "lq", "int64", 2) < 0) return -1;
    if (get_array(label_index, &a->label_index, "label_index", "lq", "int64", 1) < 0) return -1;
    if (get_array(rounded, &a->rounded, "rounded", "d", "float64", 2) < 0) return -1;
    a->labels = PySequence_Fast(labels, "labels must be a sequence of bytes");
    if (a->labels == NULL) return -1;
    a->keys = PySequence_Fast(keys, "keys must be a sequence of bytes");
    if (a->keys == NULL) return -1;
    a->texts = PySequence_Fast(texts, "texts must be a sequence of str");
    if (a->texts == NULL) return -1;
    if (get_names(a->labels, "labels", &a->label_bytes, &a->label_lengths) < 0) return -1;
    if (get_names(a->keys, "keys", &a->key_bytes, &a->key_lengths) < 0) return -1;

    Py_ssize_t n = a->n = PySequence_Fast_GET_SIZE(a->texts), k = a->k = PySequence_Fast_GET_SIZE(a->keys);
    a->n_labels = PySequence_Fast_GET_SIZE(a->labels);
    const Py_ssize_t *shape = a->numbers.shape;
    if (shape[0] != n || shape[1] != 3) {
        PyErr_Format(PyExc_ValueError, "numbers must have shape (%zd, 3), an (index, start, end) per text, not (%zd, %zd)",
                     n, shape[0], shape[1]);
        return -1;
    }
    if (a->label_index.shape[0] != n) {
        PyErr_Format(PyExc_ValueError, "label_index must hold one label per text (%zd), not %zd", n,
                     a->label_index.shape[0]);
        return -1;
    }
    shape = a->rounded.shape;
    if (shape[0] != n || shape[1] != k + 1) {
        PyErr_Format(PyExc_ValueError,
                     "rounded must have shape (%zd, %zd), a confidence and a score per key for each text, not (%zd, %zd)",
                     n, k + 1, shape[0], shape[1]);
        return -1;
    }
    Py_ssize_t total = 0; /* the counts are >= 0: total stays <= n + 1, no overflow */
    for (Py_ssize_t d = 0; d < a->n_docs && total <= n; d++)
        total = a->counts[d] > n - total ? n + 1 : total + a->counts[d];
    if (total != n) {
        PyErr_Format(PyExc_ValueError, "sizes must add up to the number of texts (%zd)", n);
        return -1;
    }
    const int64_t *label = a->label_index.buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (label[i] < 0 || label[i] >= a->n_labels) {
            PyErr_Format(PyExc_ValueError, "label_index[%zd] is %lld, not an index of labels (0 to %zd)", i,
                         (long long)label[i], a->n_labels - 1);
            return -1;
        }
    }
    PyObject **items = PySequence_Fast_ITEMS(a->texts);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyUnicode_Check(items[i])) {
            PyErr_Format(PyExc_TypeError, "texts[%zd] must be str, not %.100s", i, Py_TYPE(items[i])->tp_name);
            return -1;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(items[i]) < 0) return -1;
#endif
        if (PyUnicode_GET_LENGTH(items[i]) > (PY_SSIZE_T_MAX / 2) / CHAR_BYTES) {
            PyErr_NoMemory();
            return -1;
        }
    }
    return 0;
}

/* The records of one document: rows [row, row + count) into w, from its start. */
static int write_document(Writer *w, const Args *a, Py_ssize_t row, Py_ssize_t count, Py_ssize_t record) {
    PyObject **texts = PySequence_Fast_ITEMS(a->texts);
    const int64_t *numbers = a->numbers.buf, *label = a->label_index.buf;
    const double *values = a->rounded.buf;
    Py_ssize_t k = a->k;
    w->size = 0;
    for (Py_ssize_t i = row; i < row + count; i++) {
        if (reserve(w, record + 2 + CHAR_BYTES * PyUnicode_GET_LENGTH(texts[i])) < 0) return -1;
        const int64_t *number = numbers + 3 * i;
        const double *value = values + (k + 1) * i;
        if (i > row) PUT_LITERAL(w, ", ");
        PUT_LITERAL(w, "{\"index\": ");
        put_int(w, number[0]);
        PUT_LITERAL(w, ", \"start\": ");
        put_int(w, number[1]);
        PUT_LITERAL(w, ", \"end\": ");
        put_int(w, number[2]);
        PUT_LITERAL(w, ", \"text\": ");
        put_text(w, texts[i]);
        PUT_LITERAL(w, ", \"frame\": ");
        put(w, a->label_bytes[label[i]], a->label_lengths[label[i]]);
        PUT_LITERAL(w, ", \"confidence\": ");
        if (put_float(w, value[0]) < 0) return -1;
        PUT_LITERAL(w, ", \"scores\": {");
        for (Py_ssize_t j = 0; j < k; j++) {
            if (j) PUT_LITERAL(w, ", ");
            put(w, a->key_bytes[j], a->key_lengths[j]);
            PUT_LITERAL(w, ": ");
            if (put_float(w, value[j + 1]) < 0) return -1;
        }
        PUT_LITERAL(w, "}}");
    }
    return 0;
}

static PyObject *write_documents(const Args *a) {
    Py_ssize_t longest_label = 0, all_keys = 0;
    for (Py_ssize_t j = 0; j < a->n_labels; j++)
        if (a->label_lengths[j] > longest_label) longest_label = a->label_lengths[j];
    for (Py_ssize_t j = 0; j < a->k; j++) all_keys += a->key_lengths[j];
    /* The room a record takes besides its text: the ", " before it and its literals (under 128
     * bytes), three integers, the label, the keys with their ": " and ", ", and k + 1 floats. */
    Py_ssize_t record = 128 + 3 * INT_CHARS + longest_label + all_keys + 4 * a->k + FLOAT_CHARS * (a->k + 1);
    Writer w = {0};
    PyObject *result = PyList_New(a->n_docs);
    if (result == NULL) return NULL;
    for (Py_ssize_t d = 0, row = 0; d < a->n_docs; row += a->counts[d], d++) {
        PyObject *part = NULL;
        if (write_document(&w, a, row, a->counts[d], record) < 0 ||
            (part = PyBytes_FromStringAndSize(w.data, w.size)) == NULL) {
            Py_DECREF(result);
            PyMem_Free(w.data);
            return NULL;
        }
        PyList_SET_ITEM(result, d, part);
    }
    PyMem_Free(w.data);
    return result;
}

static PyObject *sentence_records(PyObject *Py_UNUSED(module), PyObject *args) {
    Args a = {0};
    PyObject *result = parse_args(&a, args) < 0 ? NULL : write_documents(&a);
    release_args(&a);
    return result;
}

static PyMethodDef records_methods[] = {
    {"sentence_records", sentence_records, METH_VARARGS,
     "sentence_records(texts, numbers, label_index, rounded, labels, keys, sizes) -> list[bytes]\n\n"
     "Per document, its sentence records joined by ', ' (what goes between \"sentences\": [ and ]), as\n"
     "json.dumps(..., ensure_ascii=False) writes them, in UTF-8 with errors='backslashreplace'.\n"
     "texts: n str; numbers: int64 (n, 3) of index, start, end; label_index: int64 (n,) into labels;\n"
     "rounded: float64 (n, 1 + len(keys)) of confidence then scores, rounded to 6 decimals;\n"
     "labels, keys: quoted, encoded names (bytes); sizes: the number of sentences of each document."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef records_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_records",
    .m_doc = "The compiled JSONL sentence records of framing.outputs.",
    .m_size = -1,
    .m_methods = records_methods,
};

PyMODINIT_FUNC PyInit__records(void) { return PyModule_Create(&records_module); }
