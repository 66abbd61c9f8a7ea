"""sattn from Python: numpy arrays in and out, over the C library's shared object (ctypes).

    import numpy as np, sattn
    q = np.random.rand(1, 8, 128, 64).astype(np.float32)   # [batch, heads, seq, dim]
    out = sattn.attention(q, q, q, causal=True)

Arrays may have any strides (tokens-major views included) as long as the last dimension is contiguous
(otherwise that tensor is copied first); their strides become sattn's. The GIL is released during every
call (ctypes does so for a CDLL). The library is found at $SATTN_LIBRARY, else as libsattn.so on the
loader's path (ctypes.util.find_library), else in the usual install folders.
"""
import ctypes
import ctypes.util
import os

import numpy as np

__all__ = ["attention", "attention_packed", "attention_merge", "sgemm", "softmax", "self_attention", "convert", "quantize",
           "set_num_threads", "get_num_threads", "set_isa", "get_isa", "isa_available", "version", "SattnError"]

F32, F16, BF16, I8, I4 = range(5)
# sattn_status: SattnError.status is one of these.
OK, E_NULL, E_SHAPE, E_STRIDE, E_OVERFLOW, E_NOMEM, E_ISA, E_ARG = range(8)
ISAS = {"auto": 0, "scalar": 1, "avx2": 2, "avx512": 3, "neon": 4, "neon_fp16": 5, "neon_bf16": 6, "avx512_bf16": 7,
        "amx_bf16": 8}
_size_t, _p = ctypes.c_size_t, ctypes.c_void_p


def _load():
    names = [os.environ.get("SATTN_LIBRARY"), ctypes.util.find_library("sattn")]
    for prefix in ("/usr/local/lib", "/usr/lib", "/usr/local/lib64", "/usr/lib64"):
        for sub in ("", "x86_64-linux-gnu", "aarch64-linux-gnu"):
            names.append(os.path.join(prefix, sub, "libsattn.so"))
    for name in names:
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                pass
    raise ImportError("libsattn.so not found: build or install sattn, or set SATTN_LIBRARY to its path")


_lib = _load()


class _Strides(ctypes.Structure):
    _fields_ = [("batch", _size_t), ("head", _size_t), ("seq", _size_t)]


class _AttentionDesc(ctypes.Structure):
    """sattn_attention_desc, field for field (include/sattn.h); passed with its size (the descriptor rule)."""
    _fields_ = [("batch", _size_t), ("heads", _size_t), ("kv_heads", _size_t), ("q_len", _size_t),
                ("kv_len", _size_t), ("head_dim", _size_t), ("v_head_dim", _size_t), ("scale", ctypes.c_float),
                ("causal", ctypes.c_int), ("window", _size_t), ("kv_lens", _p), ("bias", _p),
                ("q_strides", _Strides), ("k_strides", _Strides), ("v_strides", _Strides), ("o_strides", _Strides),
                ("bias_strides", _Strides), ("softcap", ctypes.c_float), ("alibi_slopes", _p), ("sinks", _p),
                ("lse", _p), ("lse_strides", _Strides), ("q_type", ctypes.c_int), ("k_type", ctypes.c_int),
                ("v_type", ctypes.c_int), ("o_type", ctypes.c_int), ("k_scales", _p), ("v_scales", _p),
                ("kv_group", _size_t), ("k_scale_strides", _Strides), ("v_scale_strides", _Strides),
                ("q_lens", _p), ("q_starts", _p), ("kv_starts", _p), ("block_table", _p),
                ("block_table_stride", _size_t), ("page_size", _size_t), ("page_count", _size_t)]


class _LayerDesc(ctypes.Structure):
    """sattn_self_attention_desc (include/sattn.h)."""
    _fields_ = [("batch", _size_t), ("seq_len", _size_t), ("d_model", _size_t), ("heads", _size_t),
                ("head_dim", _size_t), ("causal", ctypes.c_int), ("b_q", _p), ("b_k", _p), ("b_v", _p),
                ("b_o", _p), ("seq_lens", _p), ("weights_transposed", ctypes.c_int)]


def _signature(name, *args, restype=ctypes.c_int):
    f = getattr(_lib, name)
    f.argtypes, f.restype = list(args), restype
    return f


_attention = _signature("sattn_attention_sized", ctypes.POINTER(_AttentionDesc), _size_t, _p, _p, _p, _p)
_sgemm = _signature("sattn_sgemm", ctypes.c_int, ctypes.c_int, _size_t, _size_t, _size_t, ctypes.c_float, _p, _size_t,
                    _p, _size_t, ctypes.c_float, _p, _size_t)
_softmax = _signature("sattn_softmax", _size_t, _size_t, _p, _size_t, _p, _size_t)
_convert = _signature("sattn_convert", ctypes.c_int, ctypes.c_int, _size_t, _p, _p)
_quantize = _signature("sattn_quantize", ctypes.c_int, _size_t, _size_t, _size_t, _p, _size_t, _p, _size_t, _p)
_merge = _signature("sattn_attention_merge", _size_t, _size_t, _size_t, ctypes.POINTER(_p), _size_t,
                    ctypes.POINTER(_p), _p, _size_t, _p)
_layer = _signature("sattn_self_attention_ctx_sized", _p, ctypes.POINTER(_LayerDesc), _size_t, _p, _p, _p, _p, _p,
                    _p, _p, _size_t)
_strerror = _signature("sattn_strerror", ctypes.c_int, restype=ctypes.c_char_p)
_version = _signature("sattn_version", restype=ctypes.c_char_p)
_set_threads = _signature("sattn_set_num_threads", ctypes.c_int)
_get_threads = _signature("sattn_get_num_threads")
_set_isa = _signature("sattn_set_isa", ctypes.c_int)
_get_isa = _signature("sattn_get_isa")
_isa_available = _signature("sattn_isa_available", ctypes.c_int)
_isa_name = _signature("sattn_isa_name", ctypes.c_int, restype=ctypes.c_char_p)


class SattnError(RuntimeError):
    """A sattn call returned a status other than SATTN_OK (its number is .status)."""

    def __init__(self, status, what):
        self.status = status
        super().__init__("%s: %s" % (what, _strerror(status).decode()))


def _check(status, what):
    if status != 0:
        raise SattnError(status, what)


def _bfloat16():
    try:
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    except ImportError:
        return None


def _dtype_code(dtype, what):
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return F32
    if dtype == np.float16:
        return F16
    if dtype == _bfloat16():
        return BF16
    if dtype == np.int8:
        return I8
    raise TypeError("%s: dtype %s is not float32, float16, bfloat16 (ml_dtypes) or int8" % (what, dtype))


def _numpy_dtype(code):
    return {F32: np.dtype(np.float32), F16: np.dtype(np.float16), BF16: _bfloat16()}[code]


def _ptr(a):
    return None if a is None else a.ctypes.data


def _element_strides(a, what, per_byte=1):
    """a's strides in elements (per_byte elements per byte of storage: 2 for packed int4); the last must be 1."""
    item = a.itemsize
    if any(s % item for s in a.strides) or any(s < 0 for s in a.strides):
        raise ValueError("%s: strides %s are not non-negative multiples of the element size" % (what, a.strides))
    return [s // item * per_byte for s in a.strides]


def _last_contiguous(a):
    """a itself when its last dimension is contiguous and its strides are usable, else a dense copy."""
    if a.ndim and (a.strides[-1] != a.itemsize and a.shape[-1] > 1 or any(s < 0 for s in a.strides)):
        return np.ascontiguousarray(a)
    if any(s % a.itemsize for s in a.strides):
        return np.ascontiguousarray(a)
    return a


def _tensor(a, what, ndim=4):
    if not isinstance(a, np.ndarray):
        raise TypeError("%s must be a numpy array" % what)
    if a.ndim != ndim:
        raise ValueError("%s must have %d dimensions, it has %d" % (what, ndim, a.ndim))
    a = _last_contiguous(a)
    # All-zero strides mean "dense" to sattn: a fully broadcast view is made dense instead.
    if a.size > a.shape[-1] and not any(a.strides[:-1]):
        a = np.ascontiguousarray(a)
    return a


def _vector(arr, what, n, dtype=np.float32):
    """arr as a contiguous 1-D array of n values of dtype, or ValueError."""
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if arr.shape != (n,):
        raise ValueError("%s must have shape (%d,)" % (what, n))
    return arr


def _strides4(a, what, per_byte=1):
    s = _element_strides(a, what, per_byte)
    return _Strides(s[0], s[1], s[2])


def attention(q, k, v, *, causal=False, scale=None, window=0, kv_lens=None, bias=None, softcap=0.0,
              alibi_slopes=None, sinks=None, return_lse=False, out_dtype=None, k_scales=None, v_scales=None,
              kv_group=0, int4=False, q_lens=None, block_table=None):
    """softmax(scale * q kᵀ + bias) v per head (sattn_attention), for q [batch, heads, q_len, head_dim] and k, v
    [batch, kv_heads, kv_len, dim] (kv_heads dividing heads: GQA / MQA). q: float32, float16 or bfloat16; k and v:
    those or int8 with k_scales / v_scales ([batch, kv_heads, kv_len, dim / kv_group] floats, or any array whose
    strides say where each scale is); int4=True reads k and v as uint8 arrays of packed int4 pairs (last dimension
    dim / 2). bias: float32, broadcastable to [batch, heads, q_len, kv_len]. kv_lens: [batch] key counts.
    q_lens: [batch] query rows per sequence (rows past them are not computed: zeros in out, -inf in lse); causal
    and window are anchored at each sequence's own lengths. block_table [batch, pages_per_seq] int32: k and v are
    a paged cache [page_count, kv_heads, page_size, dim], key j of sequence b in page block_table[b, j //
    page_size] (kv_lens then gives each sequence's keys). Returns out [batch, heads, q_len, v_dim] (dtype
    out_dtype, default q's), and with return_lse also the log-sum-exp [batch, heads, q_len]."""
    q, k, v = _tensor(q, "q"), _tensor(k, "k"), _tensor(v, "v")
    d = _AttentionDesc()
    per_byte = 2 if int4 else 1
    d.q_type = _dtype_code(q.dtype, "q")
    if int4:
        if k.dtype != np.uint8 or v.dtype != np.uint8:
            raise TypeError("int4=True takes k and v as uint8 arrays of packed nibble pairs")
        d.k_type = d.v_type = I4
    else:
        d.k_type, d.v_type = _dtype_code(k.dtype, "k"), _dtype_code(v.dtype, "v")
    if d.q_type == I8:
        raise TypeError("q must be float32, float16 or bfloat16")
    out_code = _dtype_code(out_dtype or q.dtype, "out_dtype")
    d.o_type = out_code
    B, H, Sq, D = q.shape
    paged = block_table is not None
    if (not paged and (k.shape[0] != B or v.shape[0] != B)) or k.shape[:3] != v.shape[:3]:
        raise ValueError("q %s, k %s and v %s do not fit together" % (q.shape, k.shape, v.shape))
    if k.shape[3] * per_byte != D:
        raise ValueError("k's head dimension %d differs from q's %d" % (k.shape[3] * per_byte, D))
    Hkv, Skv, Dv = k.shape[1], k.shape[2], v.shape[3] * per_byte
    if paged:
        block_table = np.ascontiguousarray(block_table, dtype=np.int32)
        if block_table.ndim != 2 or block_table.shape[0] != B:
            raise ValueError("block_table must be [batch, pages per sequence]")
        d.block_table, d.block_table_stride = _ptr(block_table), block_table.shape[1]
        d.page_size, d.page_count = Skv, k.shape[0]
        Skv = block_table.shape[1] * Skv  # the longest sequence the table can hold
    d.batch, d.heads, d.kv_heads, d.q_len, d.kv_len, d.head_dim, d.v_head_dim = B, H, Hkv, Sq, Skv, D, Dv
    d.scale = 0.0 if scale is None else float(scale)
    d.causal, d.window, d.softcap = int(bool(causal)), int(window), float(softcap)
    d.q_strides, d.k_strides, d.v_strides = _strides4(q, "q"), _strides4(k, "k", per_byte), _strides4(v, "v", per_byte)
    out = (np.zeros if q_lens is not None else np.empty)((B, H, Sq, Dv), dtype=_numpy_dtype(out_code))
    d.o_strides = _strides4(out, "out")
    keep = [q, k, v, out, block_table]  # the arrays whose memory the call reads, alive until it returns
    if q_lens is not None:
        q_lens = _vector(q_lens, "q_lens", B, np.int32)
        d.q_lens = _ptr(q_lens)
        keep.append(q_lens)
    if kv_lens is not None:
        kv_lens = _vector(kv_lens, "kv_lens", B, np.int32)
        d.kv_lens = _ptr(kv_lens)
        keep.append(kv_lens)
    if bias is not None:
        bias = np.asarray(bias, dtype=np.float32)
        bias = _last_contiguous(np.broadcast_to(bias, (B, H, Sq, Skv)))
        s = _element_strides(bias, "bias")
        d.bias, d.bias_strides = _ptr(bias), _Strides(s[0], s[1], s[2])
        keep.append(bias)
    for name, arr in (("alibi_slopes", alibi_slopes), ("sinks", sinks)):
        if arr is not None:
            arr = _vector(arr, name, H)
            setattr(d, name, _ptr(arr))
            keep.append(arr)
    for name, arr, dim in (("k_scales", k_scales, D), ("v_scales", v_scales, Dv)):
        if arr is not None:
            arr = _tensor(np.asarray(arr, dtype=np.float32), name)
            s = _element_strides(arr, name)
            setattr(d, name, _ptr(arr))
            setattr(d, name[0] + "_scale_strides", _Strides(s[0], s[1], s[2]))
            keep.append(arr)
    d.kv_group = int(kv_group)
    lse = None
    if return_lse:
        lse = np.full((B, H, Sq), -np.inf, dtype=np.float32)
        d.lse = _ptr(lse)
    _check(_attention(ctypes.byref(d), ctypes.sizeof(d), _ptr(q), _ptr(k), _ptr(v), _ptr(out)), "sattn_attention")
    return (out, lse) if return_lse else out


def attention_packed(q, k, v, q_starts, kv_starts, *, causal=False, scale=None, window=0, return_lse=False):
    """Sequences packed back to back (vLLM's varlen layout): q [tokens, heads, head_dim] float32 with sequence b's
    rows at q_starts[b]..q_starts[b+1], k and v [kv_tokens, kv_heads, dim] with kv_starts likewise (both [batch + 1],
    ascending from 0). Causal and window are anchored at each sequence's own end. Returns out [tokens, heads, v_dim]
    (and the log-sum-exp [tokens, heads] with return_lse)."""
    q, k, v = (_tensor(np.asarray(a, dtype=np.float32), n, 3) for a, n in ((q, "q"), (k, "k"), (v, "v")))
    qs, ks = np.ascontiguousarray(q_starts, dtype=np.int32), np.ascontiguousarray(kv_starts, dtype=np.int32)
    if qs.ndim != 1 or ks.shape != qs.shape or qs.size < 2:
        raise ValueError("q_starts and kv_starts must both be [batch + 1]")
    T, H, D = q.shape
    if k.shape[:2] != v.shape[:2] or k.shape[2] != D or qs[-1] != T or ks[-1] != k.shape[0]:
        raise ValueError("q %s, k %s, v %s and the starts do not fit together" % (q.shape, k.shape, v.shape))
    d = _AttentionDesc()
    d.batch, d.heads, d.kv_heads, d.head_dim, d.v_head_dim = qs.size - 1, H, k.shape[1], D, v.shape[2]
    d.q_len, d.kv_len = max(1, int(np.diff(qs).max())), int(np.diff(ks).max())
    d.scale = 0.0 if scale is None else float(scale)
    d.causal, d.window = int(bool(causal)), int(window)
    d.q_starts, d.kv_starts = _ptr(qs), _ptr(ks)
    out = np.zeros((T, H, v.shape[2]), dtype=np.float32)
    for name, a in (("q", q), ("k", k), ("v", v), ("o", out)):
        st = _element_strides(a, name)
        setattr(d, name + "_strides", _Strides(0, st[1], st[0]))
    lse = None
    if return_lse:
        lse = np.full((T, H), -np.inf, dtype=np.float32)
        d.lse, d.lse_strides = _ptr(lse), _Strides(0, 1, H)
    _check(_attention(ctypes.byref(d), ctypes.sizeof(d), _ptr(q), _ptr(k), _ptr(v), _ptr(out)), "sattn_attention")
    return (out, lse) if return_lse else out


def _matrix(a, what):
    """(array, trans, ld) for a 2-D float32 array: row-major as it is, or column-major read transposed."""
    if not isinstance(a, np.ndarray) or a.ndim != 2 or a.dtype != np.float32:
        raise TypeError("%s must be a 2-D float32 numpy array" % what)
    rs, cs = a.strides
    if cs == 4 and rs % 4 == 0 and rs >= 0:
        return a, False, max(rs // 4, a.shape[1], 1)
    if rs == 4 and cs % 4 == 0 and cs >= 0:
        return a, True, max(cs // 4, a.shape[0], 1)
    a = np.ascontiguousarray(a)
    return a, False, max(a.shape[1], 1)


def sgemm(a, b, *, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, c=None):
    """alpha * op(a) @ op(b) + beta * c (sattn_sgemm) for 2-D float32 arrays; op transposes when trans_ is set.
    c is updated in place when given (it must be row-major with contiguous rows), else a new array is returned."""
    a, a_t, lda = _matrix(a, "a")
    b, b_t, ldb = _matrix(b, "b")
    ta, tb = bool(trans_a) != a_t, bool(trans_b) != b_t
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    k2, n = (b.shape[1], b.shape[0]) if trans_b else b.shape
    if k != k2:
        raise ValueError("inner dimensions differ: %d and %d" % (k, k2))
    if c is None:
        c = np.zeros((m, n), np.float32)
    elif c.shape != (m, n) or c.dtype != np.float32 or c.strides[1] != 4 or c.strides[0] % 4:
        raise ValueError("c must be a float32 (%d, %d) array with contiguous rows" % (m, n))
    _check(_sgemm(int(ta), int(tb), m, n, k, alpha, _ptr(a), lda, _ptr(b), ldb, beta, _ptr(c),
                  max(c.strides[0] // 4, n, 1)), "sattn_sgemm")
    return c


def softmax(x):
    """The softmax over the last axis of a float32 array (sattn_softmax), as a new array."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.empty_like(x)
    cols = x.shape[-1] if x.ndim else 1
    rows = x.size // cols if cols else 0
    if x.size:
        _check(_softmax(rows, cols, _ptr(x), cols, _ptr(y), cols), "sattn_softmax")
    return y


def convert(x, dtype):
    """float32 <-> float16 / bfloat16 (sattn_convert: round to nearest even, subnormals kept)."""
    x = np.ascontiguousarray(x)
    src, dst = _dtype_code(x.dtype, "x"), _dtype_code(dtype, "dtype")
    out = np.empty(x.shape, dtype=_numpy_dtype(dst))
    _check(_convert(src, dst, x.size, _ptr(x), _ptr(out)), "sattn_convert")
    return out


def quantize(x, bits=8, group=0):
    """x [rows, cols] float32 -> (q, scales) (sattn_quantize): int8 q [rows, cols], or with bits=4 uint8
    [rows, cols / 2] of packed int4 pairs; scales [rows, cols / group] (group 0 = one per row)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError("x must be 2-D")
    rows, cols = x.shape
    if bits == 8:
        q, code = np.empty((rows, cols), np.int8), I8
    elif bits == 4:
        if cols % 2:
            raise ValueError("int4 needs an even number of columns")
        q, code = np.empty((rows, cols // 2), np.uint8), I4
    else:
        raise ValueError("bits must be 8 or 4")
    if group and cols % group:
        raise ValueError("group must divide the columns")
    scales = np.empty((rows, cols // group if group else 1), np.float32)
    _check(_quantize(code, rows, cols, group, _ptr(x), cols, _ptr(q), cols, _ptr(scales)), "sattn_quantize")
    return q, scales


def attention_merge(outs, lses):
    """Merges attention over disjoint key sets (sattn_attention_merge): outs, a list of float32 arrays of one
    shape [..., dim], and lses, their log-sum-exps [...]; returns (out, lse)."""
    outs = [np.ascontiguousarray(o, dtype=np.float32) for o in outs]
    lses = [np.ascontiguousarray(l, dtype=np.float32) for l in lses]
    if not outs or len(outs) != len(lses) or any(o.shape != outs[0].shape for o in outs) or any(
            l.shape != outs[0].shape[:-1] for l in lses):
        raise ValueError("outs must share one shape [..., dim] and lses be [...] each")
    dim = outs[0].shape[-1]
    rows = outs[0].size // dim if dim else 0
    out = np.empty_like(outs[0])
    lse = np.empty_like(lses[0])
    po = (_p * len(outs))(*[_ptr(o) for o in outs])
    pl = (_p * len(lses))(*[_ptr(l) for l in lses])
    _check(_merge(len(outs), rows, dim, po, dim, pl, _ptr(out), dim, _ptr(lse)), "sattn_attention_merge")
    return out, lse


def self_attention(x, w_q, w_k, w_v, w_o=None, *, heads, causal=False, b_q=None, b_k=None, b_v=None, b_o=None,
                   seq_lens=None, weights_transposed=False):
    """The layer (sattn_self_attention): x [batch, seq, d_model] float32; w_q, w_k, w_v [d_model, heads*head_dim]
    (or [heads*head_dim, d_model] with weights_transposed, PyTorch's nn.Linear layout), w_o the way back or None;
    biases optional; seq_lens [batch] hides each sequence's padding. Returns y [batch, seq, d_model] (with w_o)
    or the concatenated heads [batch, seq, heads*head_dim]."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError("x must be [batch, seq, d_model]")
    B, S, Dm = x.shape
    ws = [np.ascontiguousarray(w, dtype=np.float32) for w in (w_q, w_k, w_v)]
    width = ws[0].shape[0] if weights_transposed else ws[0].shape[1]
    if width % heads:
        raise ValueError("heads (%d) must divide the projection width (%d)" % (heads, width))
    want = (width, Dm) if weights_transposed else (Dm, width)
    if any(w.shape != want for w in ws):
        raise ValueError("w_q, w_k and w_v must be %s" % (want,))
    wo = None
    if w_o is not None:
        wo = np.ascontiguousarray(w_o, dtype=np.float32)
        if wo.shape != (want[1], want[0]):
            raise ValueError("w_o must be %s" % ((want[1], want[0]),))
    d = _LayerDesc(batch=B, seq_len=S, d_model=Dm, heads=heads, head_dim=width // heads, causal=int(bool(causal)),
                   weights_transposed=int(bool(weights_transposed)))
    keep = []
    for name, arr, n in (("b_q", b_q, width), ("b_k", b_k, width), ("b_v", b_v, width), ("b_o", b_o, Dm)):
        if arr is not None:
            arr = _vector(arr, name, n)
            setattr(d, name, _ptr(arr))
            keep.append(arr)
    if seq_lens is not None:
        seq_lens = _vector(seq_lens, "seq_lens", B, np.int32)
        d.seq_lens = _ptr(seq_lens)
    y = np.empty((B, S, Dm if wo is not None else width), np.float32)
    _check(_layer(None, ctypes.byref(d), ctypes.sizeof(d), _ptr(x), _ptr(ws[0]), _ptr(ws[1]), _ptr(ws[2]), _ptr(wo),
                  _ptr(y), None, 0), "sattn_self_attention")
    return y


def set_num_threads(n):
    """The default context's thread count (0: the default, SATTN_NUM_THREADS or the physical cores)."""
    _check(_set_threads(int(n)), "sattn_set_num_threads")


def get_num_threads():
    return _get_threads()


def set_isa(name):
    """'auto', 'scalar', 'avx2', 'avx512', 'neon', or a level with bf16/fp16 arithmetic ('neon_fp16',
    'neon_bf16', 'avx512_bf16', 'amx_bf16'); one this CPU lacks raises SattnError."""
    _check(_set_isa(ISAS[name]), "sattn_set_isa")


def get_isa():
    return _isa_name(_get_isa()).decode()


def isa_available(name):
    return bool(_isa_available(ISAS[name]))


def version():
    return _version().decode()
