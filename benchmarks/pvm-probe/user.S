.intel_syntax noprefix
.code64
/* user at 0x10000 */
  mov dx, 0x20
  mov r13, rsp
  rdtsc
  shl rdx, 32
  or rax, rdx
  mov r12, rax
  mov rbp, 2000
2:
  mov eax, 39
  syscall
  dec rbp
  jnz 2b
  rdtsc
  shl rdx, 32
  or rax, rdx
  sub rax, r12
  mov r14, rax
  mov eax, 0xdead
  syscall
