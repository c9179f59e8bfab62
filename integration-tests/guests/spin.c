/* Says it is about to spin, then never ends: only the host's time limit or a cancel stops it. */
#include <unistd.h>

int main(void)
{
    static const char spinning[] = "spinning\n";
    /* write(2), not stdio: the line reaches the host before the loop, with nothing left buffered. */
    if (write(1, spinning, sizeof spinning - 1) != sizeof spinning - 1)
        return 1;
    for (;;)
        ;
}
