/*
 * The FPU and vector registers survive a fork in both processes. Distinctive values go into the
 * x87 stack and control word, MXCSR and XMM0-15 (and the upper halves of YMM0-15 when the guest
 * can use AVX); the fork system call is made and the registers stored again in the same asm
 * statement, so neither the compiler nor the C library can spill, reload or touch them in
 * between. The child's registers come from the host's copy of the vCPU state (KVM_GET_XSAVE and
 * KVM_SET_XSAVE), so a wrong copy shows in the child.
 */
#include <cpuid.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct fpu_state {
    uint8_t xmm[16][16];
    uint8_t ymm_high[16][16];
    uint8_t st0[16]; /* 80-bit x87 values, stored with fstpt */
    uint8_t st1[16];
    uint32_t mxcsr;
    uint16_t fcw;
};

#define FOR_EACH_REGISTER(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) \
    M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)

#define SSE_LOAD(n) "movdqu " #n "*16(%[in]), %%xmm" #n "\n\t"
#define SSE_STORE(n) "movdqu %%xmm" #n ", " #n "*16(%[out])\n\t"
#define AVX_LOAD(n) "vmovdqu " #n "*16(%[in]), %%xmm" #n "\n\t" \
    "vinsertf128 $1, %c[high]+" #n "*16(%[in]), %%ymm" #n ", %%ymm" #n "\n\t"
#define AVX_STORE(n) "vmovdqu %%xmm" #n ", " #n "*16(%[out])\n\t" \
    "vextractf128 $1, %%ymm" #n ", %c[high]+" #n "*16(%[out])\n\t"

/* Loads x87 and MXCSR state, then the vector registers; stores them back in the opposite order. */
#define FORK_KEEPING(LOAD, STORE, AFTER)                                                      \
    __asm__ volatile("fldcw %c[fcw](%[in])\n\t"                                               \
                     "ldmxcsr %c[mxcsr](%[in])\n\t"                                           \
                     "fldt %c[st1](%[in])\n\t"                                                \
                     "fldt %c[st0](%[in])\n\t"                                                \
                     FOR_EACH_REGISTER(LOAD)                                                  \
                     "syscall\n\t"                                                            \
                     FOR_EACH_REGISTER(STORE)                                                 \
                     AFTER                                                                    \
                     "fstpt %c[st0](%[out])\n\t"                                              \
                     "fstpt %c[st1](%[out])\n\t"                                              \
                     "stmxcsr %c[mxcsr](%[out])\n\t"                                          \
                     "fnstcw %c[fcw](%[out])\n\t"                                             \
                     "fldcw %c[fcw](%[defaults])\n\t"                                         \
                     "ldmxcsr %c[mxcsr](%[defaults])\n\t"                                     \
                     : "+a"(result)                                                           \
                     : [in] "S"(in), [out] "D"(out), [defaults] "d"(&defaults), \
                       [high] "i"(offsetof(struct fpu_state, ymm_high)),                      \
                       [st0] "i"(offsetof(struct fpu_state, st0)),                            \
                       [st1] "i"(offsetof(struct fpu_state, st1)),                            \
                       [mxcsr] "i"(offsetof(struct fpu_state, mxcsr)),                        \
                       [fcw] "i"(offsetof(struct fpu_state, fcw))                             \
                     : "rcx", "r11", "memory", "cc", "st", "st(1)", "st(2)", "st(3)", "st(4)",\
                       "st(5)", "st(6)", "st(7)", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",     \
                       "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",     \
                       "xmm13", "xmm14", "xmm15")

/* Whether the CPU has AVX and the guest kernel enabled it (CR4.OSXSAVE, and XCR0 holds SSE and AVX state). */
static int avx_usable(void)
{
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_AVX) || !(ecx & bit_OSXSAVE))
        return 0;
    uint32_t xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    return (xcr0_low & 6) == 6;
}

static long fork_keeping(const struct fpu_state *in, struct fpu_state *out, int avx)
{
    /* The C library's state again after the store: round to nearest, exceptions masked. */
    static const struct fpu_state defaults = {.mxcsr = 0x1f80, .fcw = 0x037f};
    long result = SYS_fork; /* the call number in, the call's result out */
    if (avx)
        FORK_KEEPING(AVX_LOAD, AVX_STORE, "vzeroupper\n\t");
    else
        FORK_KEEPING(SSE_LOAD, SSE_STORE, "");
    return result;
}

static int differs(const char *who, const char *what, int index, const uint8_t *expected, const uint8_t *found,
                   size_t size)
{
    for (size_t i = 0; i < size; i++) {
        if (expected[i] != found[i]) {
            printf("%s: %s%d byte %zu: expected %#x, found %#x\n", who, what, index, i, expected[i], found[i]);
            return 1;
        }
    }
    return 0;
}

/* Compares what the registers held after the fork with what was put in; 0 when all survived. */
static int check(const char *who, const struct fpu_state *in, const struct fpu_state *out, int avx)
{
    int wrong = 0;
    for (int n = 0; n < 16; n++) {
        wrong |= differs(who, "xmm", n, in->xmm[n], out->xmm[n], 16);
        if (avx)
            wrong |= differs(who, "ymm-high", n, in->ymm_high[n], out->ymm_high[n], 16);
    }
    wrong |= differs(who, "st", 0, in->st0, out->st0, 10);
    wrong |= differs(who, "st", 1, in->st1, out->st1, 10);
    if (out->mxcsr != in->mxcsr) {
        printf("%s: MXCSR: expected %#x, found %#x\n", who, in->mxcsr, out->mxcsr);
        wrong = 1;
    }
    if (out->fcw != in->fcw) {
        printf("%s: x87 control word: expected %#x, found %#x\n", who, in->fcw, out->fcw);
        wrong = 1;
    }
    if (!wrong)
        printf("%s: x87 stack and control word, MXCSR, XMM0-15%s kept\n", who,
               avx ? " and YMM0-15 upper halves" : "");
    return wrong;
}

int main(void)
{
    struct fpu_state in = {0}, out = {0};
    for (int n = 0; n < 16; n++) {
        for (int i = 0; i < 16; i++) {
            in.xmm[n][i] = (uint8_t)((n << 4 | i) ^ 0x5a);
            in.ymm_high[n][i] = (uint8_t)((n << 4 | i) ^ 0xc3);
        }
    }
    long double pi = 3.14159265358979323846264338327950288L, e = -2.71828182845904523536028747135266250L;
    memcpy(in.st0, &pi, 10);
    memcpy(in.st1, &e, 10);
    in.mxcsr = 0x7f80; /* round toward zero, exceptions masked: not the default 0x1f80 */
    in.fcw = 0x0f7f;   /* x87 round toward zero: not the default 0x037f */
    int avx = avx_usable();
    printf("avx %s\n", avx ? "usable" : "not usable in the guest");
    fflush(stdout); /* nothing buffered may be written twice */

    long pid = fork_keeping(&in, &out, avx);
    if (pid < 0) {
        printf("fork failed: %ld\n", pid);
        return 2;
    }
    if (pid == 0) {
        int wrong = check("child", &in, &out, avx);
        fflush(stdout);
        _exit(wrong);
    }
    int status;
    if (waitpid((pid_t)pid, &status, 0) != pid || !WIFEXITED(status)) {
        printf("the child did not exit normally\n");
        return 3;
    }
    int wrong = check("parent", &in, &out, avx);
    printf("child exited %d\n", WEXITSTATUS(status));
    return wrong || WEXITSTATUS(status) != 0;
}
