/* Heap, anonymous mmap, munmap and mprotect; exits 0 when the memory behaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    size_t total = 0;
    for (int i = 0; i < 64; i++) {
        char *block = malloc(256 * 1024);
        if (block == NULL)
            return 2;
        memset(block, i, 256 * 1024);
        total += 256 * 1024;
    }
    size_t size = 32 << 20;
    unsigned char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return 3;
    for (size_t offset = 0; offset < size; offset += 4096)
        if (map[offset] != 0)
            return 4;
    for (size_t offset = 0; offset < size; offset += 4096)
        map[offset] = (unsigned char)offset;
    if (mprotect(map, 4096, PROT_READ) != 0)
        return 5;
    if (munmap(map, size) != 0)
        return 6;
    void *huge = mmap(NULL, (size_t)64 << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("heap %zu KiB, mmap 32 MiB, 64 GiB mapping %s\n", total / 1024,
           huge == MAP_FAILED ? "refused" : "reserved");
    return 0;
}
