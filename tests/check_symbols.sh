#!/usr/bin/env bash
# The shared library exports exactly the public API: every name of the contract, nothing else.
#   check_symbols.sh LIBSATTN_SO
set -u
lib=$1
api="sattn_attention sattn_attention_merge sattn_attention_sized sattn_convert sattn_quantize sattn_get_isa sattn_get_num_threads sattn_isa_available sattn_isa_name sattn_self_attention
sattn_self_attention_workspace_size sattn_set_isa sattn_set_num_threads sattn_sgemm sattn_softmax sattn_strerror
sattn_version sattn_context_create sattn_context_destroy sattn_context_set_isa sattn_context_get_isa
sattn_context_set_num_threads sattn_context_get_num_threads sattn_context_set_threading sattn_context_get_threading
sattn_context_set_parallel_for sattn_context_set_allocator sattn_sgemm_workspace_size sattn_sgemm_ctx sattn_softmax_ctx
sattn_convert_ctx sattn_quantize_ctx sattn_attention_workspace_size_sized sattn_attention_ctx_sized sattn_attention_merge_ctx
sattn_self_attention_workspace_size_ctx sattn_self_attention_ctx sattn_self_attention_ctx_sized"
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort)
want=$(tr ' ' '\n' <<<"$api" | grep . | sort)
if [[ "$exported" != "$want" ]]; then
    echo "FAIL: exported symbols differ from the API"
    diff <(echo "$want") <(echo "$exported") | sed 's/^</missing:/; s/^>/extra:/' | grep -E "missing|extra"
    exit 1
fi
echo "exports: $(wc -l <<<"$exported") symbols, exactly the API"
