/* Copies standard input to standard output. */
#include <unistd.h>

int main(void)
{
    char buffer[4096];
    ssize_t n;
    while ((n = read(0, buffer, sizeof buffer)) > 0)
        if (write(1, buffer, (size_t)n) != n)
            return 1;
    return n < 0 ? 2 : 0;
}
