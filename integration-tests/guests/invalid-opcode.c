/* Executes ud2: SIGILL. */
int main(void)
{
    __asm__ volatile("ud2");
    return 0;
}
