/* The header in strict ISO C11 (built with -std=c11 -pedantic-errors -Werror): a translation unit
 * that uses every type and constant of the API. */
#include <sattn.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    sattn_attention_desc desc;
    memset(&desc, 0, sizeof desc);
    sattn_self_attention_desc layer = {.batch = 1, .seq_len = 4, .d_model = 8, .heads = 2, .head_dim = 4, .causal = 1};
    const sattn_strides strides = {0, 0, 0};
    desc.q_strides = strides;
    const sattn_trans trans = SATTN_TRANS;
    const sattn_isa isa = SATTN_ISA_SCALAR;
    const sattn_status st = SATTN_E_ARG;
    printf("%s %s %s %d %zu %d %d\n", SATTN_VERSION_STRING, sattn_isa_name(isa), sattn_strerror(st), (int)trans,
           sattn_self_attention_workspace_size(&layer), SATTN_VERSION_MAJOR, (int)SATTN_ISA_NEON);
    return strcmp(sattn_version(), SATTN_VERSION_STRING) != 0;
}
