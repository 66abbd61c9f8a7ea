"""The Python binding against numpy references (float64), run by `make test` (scripts/check-python.sh)."""
import numpy as np
import pytest

import sattn

rng = np.random.default_rng(7)


def ref_attention(q, k, v, causal=False, scale=None, kv_lens=None, bias=None, window=0):
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    B, H, Sq, D = q.shape
    Hkv, Skv = k.shape[1], k.shape[2]
    k, v = np.repeat(k, H // Hkv, axis=1), np.repeat(v, H // Hkv, axis=1)
    s = q @ k.transpose(0, 1, 3, 2) * (scale if scale is not None else 1 / np.sqrt(D))
    if bias is not None:
        s = s + np.broadcast_to(bias, s.shape)
    # causal and window anchored at each sequence's own length (kv_lens[b] - Sq)
    lens = np.asarray(kv_lens if kv_lens is not None else [Skv] * B)[:, None, None, None]
    i = np.arange(Sq)[None, None, :, None] + (lens - Sq)
    j = np.arange(Skv)[None, None, None, :]
    visible = np.ones((B, 1, Sq, Skv), bool)
    if causal:
        visible &= j <= i
    if window:
        visible &= j > i - window
    if kv_lens is not None:
        visible &= j < lens
    s = np.where(visible, s, -np.inf)
    m = s.max(-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(s - m)
    total = e.sum(-1, keepdims=True)
    out = np.where(total > 0, e @ v / np.where(total > 0, total, 1), 0)
    lse = np.where(total[..., 0] > 0, np.log(np.where(total[..., 0] > 0, total[..., 0], 1)) + m[..., 0], -np.inf)
    return out, lse


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def test_library_found():
    assert sattn.version().count(".") == 2
    assert sattn.isa_available("scalar")
    assert sattn.get_num_threads() >= 1


def test_isa_names_match_the_library():
    """Every name the binding maps is the library's name for that value (new levels included)."""
    before = sattn.get_isa()
    try:
        for name in sattn.ISAS:
            if name != "auto" and sattn.isa_available(name):
                sattn.set_isa(name)
                assert sattn.get_isa() == name
    finally:
        sattn.set_isa(before)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("heads,kv_heads", [(4, 4), (4, 2), (4, 1)])
def test_attention_dense(causal, heads, kv_heads):
    q, k, v = rand(2, heads, 19, 32), rand(2, kv_heads, 23, 32), rand(2, kv_heads, 23, 16)
    out = sattn.attention(q, k, v, causal=causal)
    ref, _ = ref_attention(q, k, v, causal=causal)
    assert out.shape == (2, heads, 19, 16) and out.dtype == np.float32
    np.testing.assert_allclose(out, ref, atol=2e-5, rtol=1e-4)


def test_attention_tokens_major_views_and_options():
    # Caches kept [batch, seq, heads, dim], handed over as transposed views: no copy, the strides say it.
    qt, kt, vt = rand(2, 17, 4, 32), rand(2, 29, 2, 32), rand(2, 29, 2, 32)
    q, k, v = (a.transpose(0, 2, 1, 3) for a in (qt, kt, vt))
    bias = rand(1, 4, 1, 29)  # broadcast over batch and rows: zero strides
    kv_lens = np.array([29, 11], np.int32)
    out, lse = sattn.attention(q, k, v, causal=True, scale=0.1, kv_lens=kv_lens, bias=bias, return_lse=True)
    ref, ref_lse = ref_attention(q, k, v, causal=True, scale=0.1, kv_lens=kv_lens, bias=bias)
    np.testing.assert_allclose(out, ref, atol=2e-5, rtol=1e-4)
    np.testing.assert_allclose(lse, ref_lse, atol=2e-5, rtol=1e-5)
    out_w = sattn.attention(q, k, v, causal=True, window=5)
    np.testing.assert_allclose(out_w, ref_attention(q, k, v, causal=True, window=5)[0], atol=2e-5, rtol=1e-4)


def test_attention_half_types():
    q, k, v = rand(1, 2, 9, 64), rand(1, 2, 13, 64), rand(1, 2, 13, 64)
    ref, _ = ref_attention(q.astype(np.float16), k.astype(np.float16), v.astype(np.float16))
    out = sattn.attention(q.astype(np.float16), k.astype(np.float16), v.astype(np.float16))
    assert out.dtype == np.float16
    np.testing.assert_allclose(out.astype(np.float64), ref, atol=3e-3, rtol=3e-3)
    out32 = sattn.attention(q, k.astype(np.float16), v.astype(np.float16), out_dtype=np.float32)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, ref_attention(q, k.astype(np.float16), v.astype(np.float16))[0], atol=1e-4)


def test_attention_bfloat16():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    bf = ml_dtypes.bfloat16
    q, k, v = rand(1, 2, 9, 32), rand(1, 2, 13, 32), rand(1, 2, 13, 32)
    qb, kb, vb = sattn.convert(q, bf), sattn.convert(k, bf), sattn.convert(v, bf)
    np.testing.assert_array_equal(qb, q.astype(bf))  # round to nearest even, as ml_dtypes
    ref, _ = ref_attention(qb.astype(np.float32), kb.astype(np.float32), vb.astype(np.float32))
    # The best level may multiply on a bf16 unit (AMX; AVX512-BF16 off Intel; Arm BF16) and round P to bf16: the
    # README's bound adds 2^-9 max|v| to fp32's tolerance. The portable level's arithmetic is fp32's.
    out = sattn.attention(qb, kb, vb, out_dtype=np.float32)
    np.testing.assert_allclose(out, ref, atol=1e-4 + 2.0**-9 * np.abs(vb.astype(np.float32)).max(), rtol=1e-4)
    before = sattn.get_isa()
    sattn.set_isa("scalar")
    try:
        out = sattn.attention(qb, kb, vb, out_dtype=np.float32)
    finally:
        sattn.set_isa(before)
    np.testing.assert_allclose(out, ref, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("bits", [8, 4])
def test_attention_quantized_cache(bits):
    B, H, S, D = 1, 2, 21, 32
    q, k, v = rand(B, H, 5, D), rand(B, H, S, D), rand(B, H, S, D)
    kq, ks = sattn.quantize(k.reshape(-1, D), bits=bits, group=16)
    vq, vs = sattn.quantize(v.reshape(-1, D), bits=bits, group=16)
    width = D if bits == 8 else D // 2
    kq, vq = kq.reshape(B, H, S, width), vq.reshape(B, H, S, width)
    ks, vs = ks.reshape(B, H, S, 2), vs.reshape(B, H, S, 2)
    out = sattn.attention(q, kq, vq, k_scales=ks, v_scales=vs, kv_group=16, int4=bits == 4)

    def dequant(qv, sc):
        if bits == 4:
            lo = (qv & 15).astype(np.int8)
            hi = (qv >> 4).astype(np.int8)
            lo, hi = np.where(lo > 7, lo - 16, lo), np.where(hi > 7, hi - 16, hi)
            qv = np.stack([lo, hi], -1).reshape(B, H, S, D)
        return qv.astype(np.float64) * np.repeat(sc, 16, axis=-1)

    ref, _ = ref_attention(q, dequant(kq, ks), dequant(vq, vs))
    np.testing.assert_allclose(out, ref, atol=1e-4, rtol=1e-4)
    # the quantised values are near the originals
    assert np.abs(dequant(kq, ks) - k).max() <= np.abs(k).max() / (127 if bits == 8 else 7)


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_sgemm(ta, tb):
    a, b = rand(37, 29), rand(29, 41)
    a_in = np.ascontiguousarray(a.T) if ta else a
    b_in = np.ascontiguousarray(b.T) if tb else b
    c = sattn.sgemm(a_in, b_in, trans_a=ta, trans_b=tb)
    np.testing.assert_allclose(c, a.astype(np.float64) @ b, atol=1e-4, rtol=1e-5)
    # column-major inputs (transposed views) are read in place; c is updated with beta
    c2 = np.ones((37, 41), np.float32)
    sattn.sgemm(np.asfortranarray(a), b.T.copy().T, alpha=2.0, beta=0.5, c=c2)
    np.testing.assert_allclose(c2, 2 * (a.astype(np.float64) @ b) + 0.5, atol=2e-4, rtol=1e-5)


def test_softmax_and_merge():
    x = rand(3, 5, 70)
    x[0, 0, :] = -np.inf
    y = sattn.softmax(x)
    x = x.astype(np.float64)
    e = np.exp(x - np.where(np.isfinite(x.max(-1, keepdims=True)), x.max(-1, keepdims=True), 0))
    ref = np.where(e.sum(-1, keepdims=True) > 0, e / np.maximum(e.sum(-1, keepdims=True), 1e-300), 0)
    np.testing.assert_allclose(y, ref, atol=1e-6)
    # attention over two halves of the keys, merged = attention over all of them
    q, k, v = rand(1, 2, 6, 16), rand(1, 2, 30, 16), rand(1, 2, 30, 16)
    o1, l1 = sattn.attention(q, k[:, :, :12], v[:, :, :12], return_lse=True)
    o2, l2 = sattn.attention(q, k[:, :, 12:], v[:, :, 12:], return_lse=True)
    out, lse = sattn.attention_merge([o1, o2], [l1, l2])
    full, full_lse = sattn.attention(q, k, v, return_lse=True)
    np.testing.assert_allclose(out, full, atol=1e-5)
    np.testing.assert_allclose(lse, full_lse, atol=1e-5)


def ref_layer(x, wq, wk, wv, wo, heads, bq, bk, bv, bo, seq_lens):
    x = x.astype(np.float64)
    B, S, _ = x.shape
    W = wq.shape[1]
    q, k, v = ((x @ w + b).reshape(B, S, heads, W // heads).transpose(0, 2, 1, 3) for w, b in
               ((wq, bq), (wk, bk), (wv, bv)))
    o, _ = ref_attention(q, k, v, kv_lens=seq_lens)
    for b, n in enumerate(seq_lens):  # padding tokens' rows are not computed: zero heads
        o[b, :, n:] = 0
    return o.transpose(0, 2, 1, 3).reshape(B, S, W) @ wo + bo


def test_self_attention_layer():
    B, S, Dm, H = 3, 14, 48, 4
    x = rand(B, S, Dm)
    w = [rand(Dm, Dm) * 0.2 for _ in range(4)]
    b = [rand(Dm) for _ in range(4)]
    lens = np.array([14, 3, 9], np.int32)
    ref = ref_layer(x, *w, H, *b, lens)
    y = sattn.self_attention(x, *w, heads=H, b_q=b[0], b_k=b[1], b_v=b[2], b_o=b[3], seq_lens=lens)
    np.testing.assert_allclose(y, ref, atol=1e-4, rtol=1e-4)
    # PyTorch's nn.Linear layout [out, in]
    yt = sattn.self_attention(x, *(wi.T.copy() for wi in w), heads=H, b_q=b[0], b_k=b[1], b_v=b[2], b_o=b[3],
                              seq_lens=lens, weights_transposed=True)
    np.testing.assert_allclose(yt, ref, atol=1e-4, rtol=1e-4)


def test_errors_are_clear():
    q = rand(1, 2, 4, 8)
    with pytest.raises(ValueError):
        sattn.attention(q, rand(1, 2, 4, 16), rand(1, 2, 4, 8))
    with pytest.raises(TypeError):
        sattn.attention(q.astype(np.float64), q, q)
    with pytest.raises(sattn.SattnError) as e:
        sattn.attention(q, q, q, kv_lens=np.array([5], np.int32))  # above kv_len
    assert e.value.status == sattn.E_ARG and "argument" in str(e.value)
    with pytest.raises(sattn.SattnError):
        sattn.attention(q, q, q, scale=float("nan"))
    with pytest.raises(ValueError):
        sattn.sgemm(rand(3, 4), rand(5, 6))


def test_threads_bit_identical():
    q, k, v = rand(2, 4, 64, 32), rand(2, 4, 64, 32), rand(2, 4, 64, 32)
    before = sattn.get_num_threads()
    try:
        sattn.set_num_threads(1)
        one = sattn.attention(q, k, v, causal=True)
        sattn.set_num_threads(2)
        two = sattn.attention(q, k, v, causal=True)
    finally:
        sattn.set_num_threads(0)
    np.testing.assert_array_equal(one, two)
    assert sattn.get_num_threads() == before


def test_q_lens_and_paged_cache():
    # speculative decoding over a padded batch: each sequence's rows anchored at its own cache length
    B, H, Hkv, Sq, D, page = 3, 4, 2, 4, 16, 8
    lens, q_lens = np.array([21, 8, 13], np.int32), np.array([4, 2, 3], np.int32)
    q, k, v = rand(B, H, Sq, D), rand(B, Hkv, 24, D), rand(B, Hkv, 24, D)
    out, lse = sattn.attention(q, k, v, causal=True, kv_lens=lens, q_lens=q_lens, return_lse=True)
    for b in range(B):
        n, m = q_lens[b], lens[b]
        ref, ref_lse = ref_attention(q[b:b + 1, :, :n], k[b:b + 1, :, :m], v[b:b + 1, :, :m], causal=True)
        np.testing.assert_allclose(out[b:b + 1, :, :n], ref, atol=1e-5)
        np.testing.assert_allclose(lse[b:b + 1, :, :n], ref_lse, atol=1e-5)
        assert not out[b, :, n:].any() and np.isneginf(lse[b, :, n:]).all()
    # the same keys in shuffled pages [page_count, kv_heads, page, dim]: the same bits
    per_seq = 3
    order = np.random.default_rng(5).permutation(B * per_seq).astype(np.int32)
    table = order.reshape(B, per_seq)
    kp, vp = np.zeros((B * per_seq, Hkv, page, D), np.float32), np.zeros((B * per_seq, Hkv, page, D), np.float32)
    for b in range(B):
        for j in range(24):
            kp[table[b, j // page], :, j % page] = k[b, :, j]
            vp[table[b, j // page], :, j % page] = v[b, :, j]
    paged = sattn.attention(q, kp, vp, causal=True, kv_lens=lens, q_lens=q_lens, block_table=table)
    assert np.array_equal(paged, out)


def test_packed_sequences():
    # three sequences packed back to back, a cache before the new rows in the second
    q_lens, kv_lens = np.array([5, 2, 7]), np.array([5, 9, 7])
    qs, ks = np.concatenate([[0], np.cumsum(q_lens)]), np.concatenate([[0], np.cumsum(kv_lens)])
    q, k, v = rand(qs[-1], 4, 16), rand(ks[-1], 2, 16), rand(ks[-1], 2, 16)
    out, lse = sattn.attention_packed(q, k, v, qs, ks, causal=True, return_lse=True)
    for b in range(3):
        qb = q[qs[b]:qs[b + 1]].transpose(1, 0, 2)[None]
        kb, vb = (a[ks[b]:ks[b + 1]].transpose(1, 0, 2)[None] for a in (k, v))
        ref, ref_lse = ref_attention(qb, kb, vb, causal=True)
        np.testing.assert_allclose(out[qs[b]:qs[b + 1]], ref[0].transpose(1, 0, 2), atol=1e-5)
        np.testing.assert_allclose(lse[qs[b]:qs[b + 1]], ref_lse[0].T, atol=1e-5)
    with pytest.raises(ValueError):
        sattn.attention_packed(q, k, v, qs[:-1], ks)
