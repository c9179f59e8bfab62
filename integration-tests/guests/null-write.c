/* Writes through a NULL pointer: a user-mode page fault, SIGSEGV. */
int main(void)
{
    *(volatile int *)0 = 1;
    return 0;
}
