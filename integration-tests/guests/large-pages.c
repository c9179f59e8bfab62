/* Memory the guest kernel maps with 2 MiB large pages, then changes in part: mprotect, munmap,
 * madvise and mremap must split a large page and keep every other page's contents. Prints what
 * it checked; exits with the number of the first check that failed. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096UL
#define MIB (1024UL * 1024)

static int failed(int check, const char *what)
{
    printf("check %d failed: %s\n", check, what);
    return check;
}

/* Every page of [map, map + size) but the holes holds its own index (pages counted from base). */
static int pattern_intact(const unsigned char *base, size_t from, size_t to, size_t hole, size_t hole_len)
{
    for (size_t offset = from; offset < to; offset += PAGE) {
        if (offset >= hole && offset < hole + hole_len)
            continue;
        if (*(const uint32_t *)(base + offset) != (uint32_t)(offset / PAGE))
            return 0;
    }
    return 1;
}

int main(void)
{
    size_t size = 8 * MIB;
    unsigned char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return failed(1, "mmap");
    if ((uintptr_t)map % (2 * MIB) != 0)
        return failed(2, "an 8 MiB anonymous mapping does not start 2 MiB aligned");
    for (size_t offset = 0; offset < size; offset += PAGE)
        *(uint32_t *)(map + offset) = (uint32_t)(offset / PAGE);

    if (mprotect(map + MIB + PAGE, PAGE, PROT_READ) != 0 || !pattern_intact(map, 0, size, 0, 0))
        return failed(3, "mprotect of one page inside a large page");
    if (mprotect(map + MIB + PAGE, PAGE, PROT_READ | PROT_WRITE) != 0)
        return failed(4, "mprotect back to read-write");
    map[MIB + PAGE + 8] = 1;

    if (munmap(map + 3 * MIB, 64 * 1024) != 0 || !pattern_intact(map, 2 * MIB, 4 * MIB, 3 * MIB, 64 * 1024))
        return failed(5, "munmap of 64 KiB inside a large page");
    unsigned char *refill = mmap(map + 3 * MIB, 64 * 1024, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (refill != map + 3 * MIB || refill[0] != 0 || refill[64 * 1024 - 1] != 0)
        return failed(6, "a fresh mapping in the hole reads zeros");

    if (madvise(map + 5 * MIB, PAGE, MADV_DONTNEED) != 0 || map[5 * MIB] != 0
        || !pattern_intact(map, 4 * MIB, 6 * MIB, 5 * MIB, PAGE))
        return failed(7, "madvise(MADV_DONTNEED) of one page inside a large page");

    unsigned char *moved = mremap(map + 6 * MIB, 2 * MIB, 4 * MIB, MREMAP_MAYMOVE);
    if (moved == MAP_FAILED)
        return failed(8, "mremap");
    for (size_t offset = 0; offset < 2 * MIB; offset += PAGE)
        if (*(uint32_t *)(moved + offset) != (uint32_t)((6 * MIB + offset) / PAGE))
            return failed(9, "mremap keeps the contents of a moved large page");
    if (moved[4 * MIB - 1] != 0)
        return failed(10, "the grown part of a moved mapping reads zeros");
    if (!pattern_intact(map, 0, 6 * MIB, 3 * MIB, 64 * 1024 + 2 * MIB + PAGE))
        return failed(11, "the pages before the moved part are intact");

    printf("large pages: mprotect, munmap, madvise and mremap on part of one keep the rest\n");
    return 0;
}
