/* What the machine is made of, read once: physical cores and the per-core L1d and L2 sizes.
 * hwloc first; without it (or when it reports nothing) the C library's sysconf for the caches
 * and OpenMP's (or the C library's) processor count for the cores; a size nobody reports stays 0 (unknown). */
#include <pthread.h>
#include <unistd.h>

#include "internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif
#if SATTN_HAVE_HWLOC
#include <hwloc.h>
#endif

static struct sattn_topology topology;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#if SATTN_HAVE_HWLOC
static size_t hwloc_cache_bytes(hwloc_topology_t topo, hwloc_obj_type_t type) {
    const hwloc_obj_t obj = hwloc_get_obj_by_type(topo, type, 0);
    return obj && obj->attr ? (size_t)obj->attr->cache.size : 0;
}
#endif

static size_t sysconf_bytes(int name) {
    const long v = sysconf(name);
    return v > 0 ? (size_t)v : 0;
}

static void read_topology(void) {
#if SATTN_HAVE_HWLOC
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) == 0) {
#if defined(__linux__) && HWLOC_API_VERSION >= 0x00020100
        /* Linux's /sys has the cores and caches; hwloc's CPUID backend adds nothing we read and
         * prints a warning under valgrind, which would land in the caller's stderr. */
        hwloc_topology_set_components(topo, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "x86");
#endif
        if (hwloc_topology_load(topo) == 0) {
            topology.cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
            topology.l1d_bytes = hwloc_cache_bytes(topo, HWLOC_OBJ_L1CACHE);
            topology.l2_bytes = hwloc_cache_bytes(topo, HWLOC_OBJ_L2CACHE);
        }
        hwloc_topology_destroy(topo);
    }
#endif
#ifdef _SC_LEVEL1_DCACHE_SIZE
    if (!topology.l1d_bytes) topology.l1d_bytes = sysconf_bytes(_SC_LEVEL1_DCACHE_SIZE);
#endif
#ifdef _SC_LEVEL2_CACHE_SIZE
    if (!topology.l2_bytes) topology.l2_bytes = sysconf_bytes(_SC_LEVEL2_CACHE_SIZE);
#endif
    (void)sysconf_bytes;
#ifdef _OPENMP
    if (topology.cores <= 0) topology.cores = omp_get_num_procs();
#endif
#ifdef _SC_NPROCESSORS_ONLN
    if (topology.cores <= 0) topology.cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
#endif
    if (topology.cores <= 0) topology.cores = 1;
}

const struct sattn_topology *sattn_topology_get(void) {
    pthread_once(&once, read_topology);
    return &topology;
}
