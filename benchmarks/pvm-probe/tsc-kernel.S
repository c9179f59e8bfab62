/* The guest of ./tsc in kernel mode, at GPA 0x1000 (see tsc.c). */
.code64
/* kernel at 0x1000: rdtsc -> [0x8000]; out 0x10; rdtsc -> [0x8008]; out 0x11; iretq to user at 0x10000 */
.org 0
  rdtsc
  mov %eax, 0x8000
  mov %edx, 0x8004
  mov $0x10, %dx
  out %al, %dx
  rdtsc
  mov %eax, 0x8008
  mov %edx, 0x800c
  mov $0x11, %dx
  out %al, %dx
  /* guest WRMSR IA32_TSC if [0x8100] != 0 */
  mov 0x8100, %rax
  test %rax, %rax
  jz 1f
  mov %rax, %rdx
  shr $32, %rdx
  mov $0x10, %ecx
  wrmsr
  rdtsc
  mov %eax, 0x8010
  mov %edx, 0x8014
  mov $0x12, %dx
  out %al, %dx
1:
  push $0x2b
  push $0x18000
  push $0x2
  push $0x33
  push $0x10000
  iretq
