/* CPU feature detection: what the CPU has AND what the OS saves across context switches. */
#define _GNU_SOURCE /* syscall(), for arch_prctl: glibc has no wrapper */
#include "internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/* Linux keeps AMX's 8 KiB of tile data out of a process's saved state until the process asks for it
 * (arch_prctl ARCH_REQ_XCOMP_PERM, Linux 5.16 on); a tile instruction without that permission faults. The
 * request is made once, here (detection runs once per process), and a refusal leaves AMX unused. */
static int amx_permitted(void) {
#if defined(__linux__) && defined(__x86_64__)
    enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
#else
    return 0;
#endif
}

struct sattn_cpu_features sattn_cpu_detect(void) {
    struct sattn_cpu_features f = {0};
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx) return f;
    const uint64_t xcr0 = read_xcr0();
    const int ymm_saved = (xcr0 & 0x6) == 0x6;     /* SSE + AVX state */
    const int zmm_saved = (xcr0 & 0xE6) == 0xE6;   /* + opmask, ZMM_Hi256, Hi16_ZMM */
    unsigned max_leaf, vendor[3];
    __cpuid(0, max_leaf, vendor[0], vendor[2], vendor[1]); /* "Genu" "ineI" "ntel" in EBX, EDX, ECX */
    f.vendor_intel = vendor[0] == 0x756E6547u && vendor[1] == 0x49656E69u && vendor[2] == 0x6C65746Eu;
    if (max_leaf < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    const int avx2 = (b >> 5) & 1;
    const int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    f.avx2_fma = avx2 && fma && ymm_saved;
    f.f16c = f16c && ymm_saved;
    f.avx512 = f.avx2_fma && avx512f && avx512dq && avx512bw && avx512vl && zmm_saved;
    /* AMX-BF16 (EDX bit 22) and AMX-TILE (bit 24), the OS saving XTILECFG and XTILEDATA (XCR0 bits 17, 18) */
    const int amx = ((d >> 22) & 1) && ((d >> 24) & 1) && (xcr0 & 0x60000) == 0x60000;
    f.amx_bf16 = f.avx512 && amx && amx_permitted();
    if (a >= 1) { /* subleaf 1: AVX512_BF16 in EAX bit 5 */
        unsigned a1, b1, c1, d1;
        __cpuid_count(7, 1, a1, b1, c1, d1);
        f.avx512_bf16 = f.avx512 && ((a1 >> 5) & 1);
    }
    return f;
}

#elif defined(__aarch64__)
#include <sys/auxv.h>

/* Linux's hwcap bits (asm/hwcap.h), spelled out for C libraries whose headers predate them. */
enum { HWCAP_ASIMDHP_BIT = 1u << 10, HWCAP_ASIMDFHM_BIT = 1u << 23, HWCAP2_BF16_BIT = 1u << 14 };

struct sattn_cpu_features sattn_cpu_detect(void) {
    struct sattn_cpu_features f = {0};
    f.neon = 1; /* Advanced SIMD is part of the AArch64 baseline */
    const unsigned long hwcap = getauxval(AT_HWCAP), hwcap2 = getauxval(AT_HWCAP2);
    f.neon_fp16 = (hwcap & HWCAP_ASIMDHP_BIT) && (hwcap & HWCAP_ASIMDFHM_BIT);
    f.neon_bf16 = (hwcap2 & HWCAP2_BF16_BIT) != 0;
    return f;
}

#else

struct sattn_cpu_features sattn_cpu_detect(void) {
    struct sattn_cpu_features f = {0};
    return f;
}

#endif
