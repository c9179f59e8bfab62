.intel_syntax noprefix
.code64
/* at 0x1000 */
start:
  lidt [0x1800]
  mov ecx, 0xc0000082
  mov eax, 0x2000
  xor edx, edx
  wrmsr
  mov ecx, 0xc0000081
  xor eax, eax
  mov edx, 0x00230010
  wrmsr
  push 0x2b
  push 0x1f000
  push 0x202
  push 0x33
  push 0x10000
  iretq
.org 0x800
/* 0x1800: IDTR */
  .word 16*32-1
  .quad 0x4000
.org 0x1000
/* 0x2000: LSTAR (never executes in supervisor; fetch faults) */
  nop
.org 0x2000
/* 0x3000: #PF handler */
  add rsp, 8
  cmp rax, 0xdead
  je 9f
  mov [rsp], rcx
  mov r8b, [0x9100]
  cmp r8b, 0
  je 8f
  push rax
  push rbx
  push rcx
  push rdx
  push rsi
  push rdi
  push rbp
  push r8
  push r9
  push r10
  push r11
  push r12
  push r13
  push r14
  push r15
  cmp r8b, 1
  je 7f
  .rept 50
  add r9, 1
  .endr
  cmp r8b, 2
  je 7f
  cmp r8b, 3
  jne 6f
  .rept 50
  mov r9, [rsp+64]
  .endr
  jmp 7f
6:
  mov r10, 0x8000009000
  cmp r8b, 4
  jne 5f
  .rept 50
  mov r9, [r10]
  .endr
  jmp 7f
5:
  .rept 50
  mov r9, [0x9000]
  .endr
7:
  pop r15
  pop r14
  pop r13
  pop r12
  pop r11
  pop r10
  pop r9
  pop r8
  pop rbp
  pop rdi
  pop rsi
  pop rdx
  pop rcx
  pop rbx
  pop rax
8:
  iretq
9:
  mov dx, 0x13
  out dx, al
  mov dx, 0x1f
  out dx, al
.org 0x3000
