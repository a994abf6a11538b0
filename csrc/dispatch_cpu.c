/* dispatch_cpu.c - _dispatch.cpu_registers(): the x86 CPUID and XCR0 words that say which ISA
 * tiers this machine runs.
 *
 * Why here: /proc/cpuinfo is Linux's, macOS's sysctl names differ, Windows has neither, so the one
 * way to know an x86-64 machine's features on every OS is to ask the processor, and this extension
 * is compiled for every platform. This file only reads the words; resin_jit/toolchain/cpu_features.py
 * decodes them (which bit is which feature, and whether the OS saves the YMM/ZMM registers), where
 * the tests can hand it any register values.
 *
 * Standard C with each compiler's own intrinsics, as numpy's npy_cpu_features.c reads them: on gcc
 * and clang <cpuid.h>, and XGETBV written as its three bytes (old macOS assemblers lack the
 * mnemonic; _xgetbv would need -mxsave); on MSVC <intrin.h>. Anywhere else (ARM, ARM64EC) it
 * returns None.
 */
#include "dispatch.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define RJ_CPUID_GNU 1
#include <cpuid.h>
#elif (defined(_M_X64) || defined(_M_IX86)) && !defined(_M_ARM64EC) && defined(_MSC_VER)
#define RJ_CPUID_MSVC 1
#include <intrin.h>
#endif

#if defined(__APPLE__) && defined(RJ_CPUID_GNU)
#include <sys/types.h>
#include <sys/sysctl.h>
#endif

#if defined(RJ_CPUID_GNU) || defined(RJ_CPUID_MSVC)

#define RJ_CPUID_OSXSAVE (1u << 27)   /* leaf 1 ECX: the OS has enabled XGETBV (CR4.OSXSAVE) */

typedef struct {
    unsigned int eax, ebx, ecx, edx;
} rj_cpuid_words;

/* The highest basic leaf (0: no CPUID at all, an i486). Leaves above it must not be asked for:
 * Intel CPUs answer them with another leaf's words. Each CPUID costs a trap to the hypervisor in a
 * virtual machine (several microseconds), so it is asked once. */
static unsigned int highest_leaf(void)
{
#if defined(RJ_CPUID_GNU)
    return (unsigned int)__get_cpuid_max(0, NULL);   /* int in clang's <cpuid.h>, unsigned in gcc's */
#else
    int words[4];
    __cpuid(words, 0);
    return (unsigned int)words[0];
#endif
}

static rj_cpuid_words read_cpuid(unsigned int leaf, unsigned int subleaf)
{
    rj_cpuid_words out = {0, 0, 0, 0};
#if defined(RJ_CPUID_GNU)
    __cpuid_count(leaf, subleaf, out.eax, out.ebx, out.ecx, out.edx);
#else
    int words[4];
    __cpuidex(words, (int)leaf, (int)subleaf);
    out.eax = (unsigned int)words[0];
    out.ebx = (unsigned int)words[1];
    out.ecx = (unsigned int)words[2];
    out.edx = (unsigned int)words[3];
#endif
    return out;
}

/* XCR0: the register state the OS saves on a context switch. Only call it when leaf 1 has
 * OSXSAVE: XGETBV is an invalid instruction otherwise. */
static unsigned long long read_xcr0(void)
{
#if defined(RJ_CPUID_GNU)
    unsigned int eax, edx;
    __asm__ __volatile__(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0u));   /* xgetbv */
    return ((unsigned long long)edx << 32) | eax;
#else
    return (unsigned long long)_xgetbv(0);
#endif
}

/* macOS starts every thread with the AVX-512 state off in XCR0 and turns it on at the thread's first
 * AVX-512 instruction, so XCR0 says "no" until then (and "yes" after, whatever the kernel's
 * release); hw.optional.avx512f is the kernel's word (numpy reads the same bit from the commpage,
 * Go and google/cpu_features this sysctl). None elsewhere: there XCR0 is the whole truth. */
static PyObject *darwin_avx512f(void)
{
#if defined(__APPLE__) && defined(RJ_CPUID_GNU)
    int value = 0;
    size_t size = sizeof value;
    int enabled = sysctlbyname("hw.optional.avx512f", &value, &size, NULL, 0) == 0 && value != 0;
    return Py_NewRef(enabled ? Py_True : Py_False);
#else
    return Py_NewRef(Py_None);
#endif
}

PyObject *rj_cpu_registers(PyObject *module, PyObject *unused)
{
    rj_cpuid_words leaf1, leaf7 = {0, 0, 0, 0};   /* no leaf 7: no AVX2, no AVX-512 */
    unsigned long long xcr0 = 0;
    unsigned int highest = highest_leaf();
    (void)module;
    (void)unused;
    if (highest < 1) Py_RETURN_NONE;
    leaf1 = read_cpuid(1, 0);
    if (highest >= 7) leaf7 = read_cpuid(7, 0);
    if (leaf1.ecx & RJ_CPUID_OSXSAVE) xcr0 = read_xcr0();
    return Py_BuildValue("{s:k,s:k,s:k,s:K,s:N}", "leaf1_ecx", (unsigned long)leaf1.ecx,
                         "leaf1_edx", (unsigned long)leaf1.edx, "leaf7_ebx", (unsigned long)leaf7.ebx,
                         "xcr0", xcr0, "darwin_avx512f", darwin_avx512f());
}

#else   /* not x86: the tiers there need no feature detection (NEON is part of AArch64) */

PyObject *rj_cpu_registers(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    Py_RETURN_NONE;
}

#endif
