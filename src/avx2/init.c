/* The AVX2+FMA slots. Blocking for a Zen 3 class core (32 KiB L1d, 512 KiB L2): a 16 x KC panel
 * of B stays in L1 (16 KiB), an MC x KC block of A in L2 (120 KiB). Attention blocks of 144 rows
 * x 256 keys: more rows amortise packing Kᵀ (7% of the time at 96 rows), more keys the per-row
 * online-softmax work; measured against 48..192 rows and 64..512 keys on this machine, 144 x 256
 * was fastest for d 64 and 128, S 128..2048, causal or not (by 2-4% over 96 x 256). */
#include "../internal.h"
#include "../scalar/scalar.h"
#include "avx2.h"

void sattn_kernels_init_avx2(struct sattn_kernels *k, const struct sattn_cpu_features *cpu) {
    k->isa = SATTN_ISA_AVX2;
    k->parent = SATTN_ISA_SCALAR;
    k->gemm = (struct sattn_gemm_config){.mr = 6, .nr = 16, .ukernel = sattn_f32_gemm_ukernel_6x16__avx2,
                                         .pack_a = sattn_f32_pack_a__avx2,
                                         .pack_b = SATTN_PACK_B_ALL(avx2)};
    k->row = SATTN_ROW_OPS(avx2, avx2_p6);
    SATTN_SET_TYPED_OPS(k, avx2);
    if (!cpu->f16c) { /* an AVX2 CPU without F16C keeps the portable f16 kernels */
        k->gemm.pack_b[SATTN_DTYPE_F16] = sattn_f16_pack_b__scalar;
        k->decode[SATTN_DTYPE_F16] = SATTN_DECODE_OPS(f16, scalar);
        k->convert[SATTN_DTYPE_F16] = SATTN_CONVERT_OPS(f16, scalar);
    }
    k->tuned = (struct sattn_blocking){.gemm_mc = 120, .gemm_kc = 256, .gemm_nc = 2048, .attn_rows = 144, .attn_keys = 256,
                                       .decode_prefetch_bytes = 4096,
                                       .decode_many_prefetch_bytes = 4096};
    /* The decode path (many-row tiles against K and V in place) against prefill (packed panels), same
     * Zen 3 VM, d 128, kv 8192, dense, GFLOP/s in two interleaved rounds. 1 thread: 16 rows per K/V head
     * 36.7-45.1 against 27.4-30.8; 32 rows (GQA 32/8 x 8 queries, 32/4 x 4, MQA) 45.1-56.1 against
     * 34.2-38.8; 64 rows 50.3-50.4 against 48.9-56.4. 2 threads, where prefill has one or two items to
     * share and decode splits the keys: 32 rows 81.0-87.3 against 43.1-64.8; 64 rows 91.4-94.3 against
     * 76.0-96.7. */
    k->decode_max_rows = 32;
}
