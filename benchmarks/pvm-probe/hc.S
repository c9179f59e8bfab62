.intel_syntax noprefix
.code64
/* loaded at 0x1000: hypercall attempts from kernel mode. LSTAR and STAR first; then a
   SYSCALL with PVM_HC_TLB_FLUSH_CURRENT (0x17088204) in RAX: a PVM hypercall would return
   at once, the standard path reaches LSTAR (port 0x1e, RCX = return address); then VMCALL
   with KVM_HC_SCHED_YIELD (11), PVM_HC_TLB_FLUSH_CURRENT and PVM_HC_LOAD_PGTBL. */
.org 0
  mov ecx, 0xc0000082
  mov eax, 0x2000
  xor edx, edx
  wrmsr
  mov ecx, 0xc0000081
  mov edx, 0x00200010
  xor eax, eax
  wrmsr
  mov rax, 0x17088204
  syscall
  mov dx, 0x10
  out dx, al
  mov eax, 11
  vmcall
  mov dx, 0x11
  out dx, al
  mov eax, 0x17088204
  vmcall
  mov dx, 0x12
  out dx, al
  mov eax, 0x17088200
  mov rdi, 0x50000
  xor esi, esi
  vmcall
  mov dx, 0x13
  out dx, al
  mov dx, 0x1f
  out dx, al
.org 0x1000
/* 0x2000: LSTAR */
  mov r15, rcx
  mov dx, 0x1e
  out dx, al
  jmp r15
