/* The guest of ./tsc in user mode, at 0x10000 (see tsc.c). */
.code64
  rdtsc
  mov %eax, 0x11000
  mov %edx, 0x11004
  rdtsc
  mov %eax, 0x11008
  mov %edx, 0x1100c
  ud2
