/* Probe of the PVM platform under /dev/kvm (see docs/guest-abi.md, "PVM paravirtual ABI").
 * A minimal VMM: 2 MiB of RAM, identity-mapped; the guest kernel in the first pages runs at
 * CPL 0 as our kernel does, user code at 0x10000. Every `out` prints the registers.
 *   ./probe                    detect.bin: the guest's view of CS and RFLAGS, PVM's synthetic
 *                              CPUID (leaf 0x40000000), then the WRMSRs listed in MSRS
 *                              (MSRS=index:value,...), each followed by an `out` to 0x16.
 *                              Before that, the `out` to 0x17 reports in R14 the cycles of a
 *                              loop of 300,000 register-only instructions in kernel mode.
 *                              IF=1 enters with RFLAGS.IF set, CR4=value overrides CR4.
 *   G=cost.bin MODE=n ./probe  2000 user-mode SYSCALLs, each arriving as a #PF at LSTAR and
 *                              returned with IRETQ; the handler adds (MODE 1) 15 pushes and 15
 *                              pops, (2) plus 50 register adds, (3) plus 50 loads from the
 *                              stack, (5) plus 50 loads from an absolute address; prints the
 *                              average TSC cycles per round trip.
 *   G=hc.bin ./probe           hypercall attempts from kernel mode: SYSCALL with a PVM hypercall
 *                              number in RAX (does it reach LSTAR?), then VMCALLs.
 *   Options of every run: PVMLEAF=eax adds PVM's CPUID leaf 0x40000002 (EBX "PVM") to the
 *   vCPU's CPUID; HOSTMSR=index tries KVM_SET_MSRS/KVM_GET_MSRS on that MSR from the host;
 *   SLOT=n also maps the first GiB at PML4 slot n and starts the guest there (is kernel code
 *   at that address still emulated? compare the cycles reported at port 0x17).
 * ./caps lists what the host offers: KVM_CHECK_EXTENSION, the hypervisor CPUID leaves of
 * KVM_GET_SUPPORTED_CPUID, the paravirtual MSRs of KVM_GET_MSR_INDEX_LIST, the feature MSRs.
 * Not part of the product: a measuring tool whose figures docs/benchmarks.md quotes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>
#define MEM (2<<20)
static uint8_t*m;
static uint8_t* rd(const char*p,size_t*n){FILE*f=fopen(p,"rb");uint8_t*b=malloc(1<<20);*n=fread(b,1,1<<20,f);fclose(f);return b;}
static void seg(struct kvm_segment*s,uint16_t sel,int code){memset(s,0,sizeof*s);s->selector=sel;s->limit=0xffffffff;s->present=1;s->s=1;s->g=1;s->type=code?11:3;s->l=code;s->db=code?0:1;}
int main(){
 int k=open("/dev/kvm",O_RDWR);int vm=ioctl(k,KVM_CREATE_VM,0);
 m=mmap(0,MEM,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE,-1,0);
 struct kvm_userspace_memory_region r={.slot=0,.guest_phys_addr=0,.memory_size=MEM,.userspace_addr=(uint64_t)m};
 ioctl(vm,KVM_SET_USER_MEMORY_REGION,&r);
 int vc=ioctl(vm,KVM_CREATE_VCPU,0);
 int sz=ioctl(k,KVM_GET_VCPU_MMAP_SIZE,0);
 struct kvm_run*run=mmap(0,sz,PROT_READ|PROT_WRITE,MAP_SHARED,vc,0);
 struct {struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256];} cp={.c.nent=256};
 ioctl(k,KVM_GET_SUPPORTED_CPUID,&cp);
 if(getenv("PVMLEAF")){ for(unsigned i=0;i<cp.c.nent;i++) if(cp.e[i].function==0x40000000) cp.e[i].eax=0x40000002;
   struct kvm_cpuid_entry2 e={.function=0x40000002,.eax=strtoul(getenv("PVMLEAF"),0,0),.ebx=0x4d5650}; cp.e[cp.c.nent++]=e; }
 if(ioctl(vc,KVM_SET_CPUID2,&cp))perror("cpuid");
 if(getenv("HOSTMSR")){ struct {struct kvm_msrs h; struct kvm_msr_entry e[1];} ms={.h.nmsrs=1,.e[0]={.index=strtoul(getenv("HOSTMSR"),0,0),.data=0x8000}};
   printf("host KVM_SET_MSRS %#x: %d set\n", ms.e[0].index, ioctl(vc,KVM_SET_MSRS,&ms)); printf("host KVM_GET_MSRS: %d read\n", ioctl(vc,KVM_GET_MSRS,&ms)); }
 size_t n; uint8_t*g=rd(getenv("G")?getenv("G"):"detect.bin",&n); memcpy(m+0x1000,g,n); g=rd("user.bin",&n); memcpy(m+0x10000,g,n);
 uint64_t*pml4=(void*)(m+0x50000),*pdpt=(void*)(m+0x51000),*pd=(void*)(m+0x52000),*pt=(void*)(m+0x53000);
 pml4[0]=0x51000|7; pml4[1]=0x54000|3; ((uint64_t*)(m+0x54000))[0]=0x83; ((uint64_t*)(m+0x52000))[1]=0x200000|0x83; pdpt[0]=0x52000|7; pd[0]=0x53000|7;
 for(int i=1;i<512;i++){uint64_t a=i*4096ULL; pt[i]=a|0x63|((a>=0x10000&&a<0x20000)?4:0);}
 uint64_t*gdt=(void*)(m+0x60000); gdt[2]=0x00af9a000000ffffULL; gdt[3]=0x00cf92000000ffffULL;
 uint64_t tss=0x61000; gdt[4]=0x00cffa000000ffffULL; gdt[5]=0x00cff2000000ffffULL; gdt[6]=0x00affa000000ffffULL; gdt[8]=0x67|((tss&0xffffff)<<16)|(0x8bULL<<40);
 struct kvm_sregs s; ioctl(vc,KVM_GET_SREGS,&s);
 s.gdt.base=0x60000;s.gdt.limit=79; seg(&s.cs,0x10,1); seg(&s.ds,0x18,0); s.es=s.fs=s.gs=s.ss=s.ds;
 memset(&s.tr,0,sizeof s.tr); s.tr.base=tss;s.tr.limit=0x67;s.tr.selector=0x40;s.tr.type=11;s.tr.present=1;
 s.cr3=0x50000; s.cr4=getenv("CR4")?strtoul(getenv("CR4"),0,0):0x620; s.cr0=0x80050033; s.efer=0xd01;
 if(ioctl(vc,KVM_SET_SREGS,&s))perror("sregs");
 struct kvm_regs regs; memset(&regs,0,sizeof regs); regs.rflags=2; regs.rip=0x1000; regs.rsp=0x9000;
 if(getenv("IF")) regs.rflags=0x202;
 { uint64_t*t=(void*)(m+0x9000); char*e=getenv("MSRS"); int i=0; while(e&&*e){ t[i++]=strtoull(e,&e,0); t[i++]=strtoull(e+1,&e,0); if(*e==',')e++; } t[i]=0; }
 if(getenv("SLOT")){ int sl=atoi(getenv("SLOT")); pml4[sl]=0x51000|3; regs.rip=((uint64_t)sl<<39)|(sl>=256?0xffff000000000000ULL:0)|0x1000; }
 ioctl(vc,KVM_SET_REGS,&regs);
 { uint64_t*idt=(void*)(m+0x4000); uint64_t h=0x3000; idt[28]=(h&0xffff)|(0x10ULL<<16)|(0x8eULL<<40)|((h>>16&0xffff)<<48); idt[29]=h>>32; }
 m[0x9100]=getenv("MODE")?atoi(getenv("MODE")):0;
 *(uint64_t*)(m+0x61000+4)=0x9000;
 for(;;){
  if(ioctl(vc,KVM_RUN,0)<0){if(errno==EINTR)continue;perror("run");return 1;}
  struct kvm_regs rr; ioctl(vc,KVM_GET_REGS,&rr); struct kvm_sregs ss; ioctl(vc,KVM_GET_SREGS,&ss);
  printf("exit %d port %#x rip %#llx rax %#llx rbx %#llx rcx %#llx rdx %#llx rsp %#llx r11 %#llx r12 %#llx r13 %#llx r14 %llu r15 %#llx rflags %#llx cs %#x dpl %d ss %#x\n",run->exit_reason,run->exit_reason==KVM_EXIT_IO?run->io.port:0,rr.rip,rr.rax,rr.rbx,rr.rcx,rr.rdx,rr.rsp,rr.r11,rr.r12,rr.r13,rr.r14,rr.r15,rr.rflags,ss.cs.selector,ss.cs.dpl,ss.ss.selector);
  if(run->exit_reason==KVM_EXIT_IO && run->io.port==0x13){ printf("avg cycles per syscall %.1f\n", rr.r14/2000.0);}
  if(run->exit_reason!=KVM_EXIT_IO || run->io.port==0x1f){
    uint64_t*p=(void*)(m+0x8000); for(int i=0;i<16;i++)printf(" pvcs[%d]=%#lx",i*8,p[i]); printf("\n");
    if(run->exit_reason==KVM_EXIT_INTERNAL_ERROR)printf("suberror %d\n",run->internal.suberror);
    return 0;}
 }
}
