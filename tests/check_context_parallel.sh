#!/usr/bin/env bash
# The context-parallel example under mpirun, 2 and 4 ranks (4 oversubscribed on a 2-core machine):
# every run equals the single-process result within fp32 tolerance (--check), and a fixed rank
# count gives the same merged bits for 1 and 2 threads per rank and on a repeated run.
#   check_context_parallel.sh MPIRUN EXAMPLE
set -euo pipefail
mpirun=$1 example=$2
# Loopback only: shared memory between the ranks, no ssh, no network interfaces; root is allowed.
opts=(--allow-run-as-root --oversubscribe --bind-to none --mca btl self,vader --mca plm_rsh_agent false)
args=(--heads 8 --dim 64 --keys 12000 --queries 2 --reps 3 --check)
for np in 2 4; do
    hashes=()
    for threads in 1 2 1; do
        out=$(OMPI_MCA_rmaps_base_oversubscribe=1 SATTN_NUM_THREADS=$threads \
              "$mpirun" "${opts[@]}" -np "$np" "$example" "${args[@]}")
        echo "$out" | sed "s/^/np $np threads $threads: /"
        grep -q "check against one process: .*: ok" <<<"$out" || { echo "FAIL: np $np threads $threads"; exit 1; }
        hashes+=("$(sed -n 's/^merged output hash //p' <<<"$out")")
    done
    if [[ ${hashes[0]} != "${hashes[1]}" || ${hashes[0]} != "${hashes[2]}" ]]; then
        echo "FAIL: np $np: merged bits differ across thread counts or runs: ${hashes[*]}"
        exit 1
    fi
done
echo "context parallel: 2 and 4 ranks agree with one process; bits fixed per rank count"
