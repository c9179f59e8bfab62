/* The first guest: greets, does a little file, memory and time work, exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    printf("Hello from C in a Hyperlight-Nanvix micro-VM!\n");

    char *buffer = malloc(1 << 20);
    if (buffer == NULL)
        return 1;
    memset(buffer, 'x', 1 << 20);

    FILE *file = fopen("/tmp/hello.txt", "w");
    if (file == NULL) {
        perror("fopen /tmp/hello.txt");
        return 1;
    }
    fprintf(file, "written from the guest\n");
    fclose(file);

    char line[64] = {0};
    file = fopen("/tmp/hello.txt", "r");
    if (file == NULL || fgets(line, sizeof line, file) == NULL) {
        perror("read back /tmp/hello.txt");
        return 1;
    }
    fclose(file);

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("read back: %s", line);
    printf("arguments: %d, year >= 2024: %s\n", argc - 1, now.tv_sec > 1704067200 ? "yes" : "no");
    for (int i = 1; i < argc; i++)
        printf("  argv[%d] = %s\n", i, argv[i]);
    free(buffer);
    return 0;
}
