.intel_syntax noprefix
.code64
/* loaded at 0x1000 */
.org 0
start:
  pushfq
  pop rax
  mov ebx, cs
  mov rdi, 0x10
  mov dx, 0x10
  out dx, al
  mov eax, 0x40000000
  xor ecx, ecx
  .byte 0x0f,0x01,0x3c,0x25,0x50,0x56,0x4d,0xff
  cpuid
  mov dx, 0x11
  out dx, al
  rdtsc
  shl rdx, 32
  or rax, rdx
  mov r12, rax
  mov rbp, 100000
5:
  add r13, 1
  dec rbp
  jnz 5b
  rdtsc
  shl rdx, 32
  or rax, rdx
  sub rax, r12
  mov r14, rax
  mov dx, 0x17
  out dx, al
  /* MSRs from table at 0x9000: (msr,value) pairs, msr 0 ends */
  mov rsi, 0x9000
3:
  mov ecx, [rsi]
  test ecx, ecx
  jz 4f
  mov eax, [rsi+8]
  mov edx, [rsi+12]
  wrmsr
  mov dx, 0x16
  out dx, al
  add rsi, 16
  jmp 3b
4:
  rdtsc
  shl rdx, 32
  or rax, rdx
  mov r12, rax
  mov rbp, 100000
6:
  add r13, 1
  dec rbp
  jnz 6b
  rdtsc
  shl rdx, 32
  or rax, rdx
  sub rax, r12
  mov r14, rax
  mov dx, 0x18
  out dx, al
  pushfq
  pop rax
  mov ebx, cs
  mov dx, 0x12
  out dx, al
  /* pvcs (new layout): user_cs 64, user_ss 66, eflags 80, rip 88, rcx 96, r11 104 */
  mov word ptr [0x8000+64], 0x33
  mov word ptr [0x8000+66], 0x2b
  mov dword ptr [0x8000+80], 0x202
  mov qword ptr [0x8000+88], 0x10000
  mov dx, 0x1f
  out dx, al
  mov rsp, 0x1f000
  mov rax, 0x2800
  jmp rax

.org 0x1000
/* 0x2000: LSTAR */
  cmp rax, 0xdead
  je 1f
  mov rax, 0x2800
  jmp rax
1:
  mov r15, rsp
  mov dx, 0x13
  out dx, al
  mov dx, 0x1f
  out dx, al
.org 0x1800
/* 0x2800 retu */
  syscall
.org 0x1810
  syscall
.org 0x2000
/* 0x3000 event entry user */
  mov r15, rsp
  mov dx, 0x14
  out dx, al
  mov dx, 0x1f
  out dx, al
.org 0x2200
/* 0x3200 supervisor event entry (+512) */
  mov r15, rsp
  mov dx, 0x15
  out dx, al
  mov dx, 0x1f
  out dx, al
.org 0x3000
