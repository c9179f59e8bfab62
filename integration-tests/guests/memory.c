/*
 * Heap, anonymous mmap, munmap and mprotect. Every byte written is read back: each heap block
 * holds a pattern of its own, checked after all blocks are written (so two blocks sharing a page
 * would show) and again after half of them were freed and their space reused. Exits 0 when the
 * memory behaves; otherwise says on stderr what differed and exits with a status naming the step.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define BLOCKS 64
#define BLOCK_SIZE (256 * 1024)
#define WORDS (BLOCK_SIZE / sizeof(uint64_t))

/* Different in every word of every block, so a word read from the wrong place never matches. */
static uint64_t pattern(int block, size_t word)
{
    return ((uint64_t)block + 1) * 0x9e3779b97f4a7c15u ^ word;
}

static void fill(uint64_t *block, int id)
{
    for (size_t word = 0; word < WORDS; word++)
        block[word] = pattern(id, word);
}

/* Volatile reads: the compiler must load every word, not assume what it stored. */
static int intact(const volatile uint64_t *block, int id)
{
    for (size_t word = 0; word < WORDS; word++) {
        uint64_t found = block[word];
        if (found != pattern(id, word)) {
            fprintf(stderr, "heap block %d, word %zu: expected %#llx, found %#llx\n", id, word,
                    (unsigned long long)pattern(id, word), (unsigned long long)found);
            return 0;
        }
    }
    return 1;
}

int main(void)
{
    uint64_t *blocks[BLOCKS];
    int ids[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = malloc(BLOCK_SIZE);
        if (blocks[i] == NULL)
            return 2;
        ids[i] = i;
        fill(blocks[i], i);
    }
    for (int i = 0; i < BLOCKS; i++)
        if (!intact(blocks[i], ids[i]))
            return 7;
    /* Free every other block and reuse the space with new patterns: the survivors must not change. */
    for (int i = 0; i < BLOCKS; i += 2) {
        free(blocks[i]);
        blocks[i] = malloc(BLOCK_SIZE);
        if (blocks[i] == NULL)
            return 2;
        ids[i] = BLOCKS + i;
        fill(blocks[i], ids[i]);
    }
    for (int i = 0; i < BLOCKS; i++)
        if (!intact(blocks[i], ids[i]))
            return 8;
    for (int i = 0; i < BLOCKS; i++)
        free(blocks[i]);

    size_t size = 32 << 20;
    unsigned char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return 3;
    for (size_t offset = 0; offset < size; offset += 4096)
        if (map[offset] != 0)
            return 4;
    for (size_t offset = 0; offset < size; offset += 4096)
        map[offset] = (unsigned char)(offset >> 12);
    if (mprotect(map, 4096, PROT_READ) != 0)
        return 5;
    const volatile unsigned char *mapped = map;
    for (size_t offset = 0; offset < size; offset += 4096) {
        if (mapped[offset] != (unsigned char)(offset >> 12)) {
            fprintf(stderr, "mmap page %zu: expected %#x, found %#x\n", offset >> 12,
                    (unsigned)(unsigned char)(offset >> 12), (unsigned)mapped[offset]);
            return 9;
        }
    }
    if (munmap(map, size) != 0)
        return 6;
    void *huge = mmap(NULL, (size_t)64 << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("heap %d KiB written and read back, %d KiB freed, reused and read back, mmap 32 MiB read back,"
           " 64 GiB mapping %s\n", BLOCKS * BLOCK_SIZE / 1024, BLOCKS / 2 * BLOCK_SIZE / 1024,
           huge == MAP_FAILED ? "refused" : "reserved");
    return 0;
}
