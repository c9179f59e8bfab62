/* What the TSC of a guest under /dev/kvm reads, and which TSC controls take (docs/guest-abi.md,
 * "Clocks in clones"). A minimal VMM as probe.c: the guest (tsc-kernel.bin) reads the TSC twice in
 * kernel mode, each followed by an `out` (ports 0x10, 0x11), then (tsc-user.bin, via IRETQ) twice in
 * user mode and ends with ud2 (a triple fault: the VMM reads what it stored). Each exit prints the
 * guest's reading beside the host's own rdtsc before and after KVM_RUN and KVM_GET_MSRS(IA32_TSC).
 *   ./tsc                   a fresh VM
 *   SETTSC=v ./tsc          KVM_SET_MSRS IA32_TSC = v before the first run (SETTSC2: after it)
 *   SETADJ=v ./tsc          KVM_SET_MSRS IA32_TSC_ADJUST = v
 *   SETOFF=v ./tsc          KVM_SET_DEVICE_ATTR KVM_VCPU_TSC_CTRL/KVM_VCPU_TSC_OFFSET = v
 *   KHZ=v ./tsc, VMKHZ=v    KVM_SET_TSC_KHZ on the vCPU, on the VM (before the vCPU exists)
 *   GWR=v ./tsc             the guest itself writes IA32_TSC = v (WRMSR), then reads (port 0x12)
 * Measured on this machine's kvm_pvm: the guest reads the host's TSC in both modes, and none of
 * these change it (VMKHZ makes the emulated kernel-mode rdtsc read 0). Not part of the product. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <fcntl.h>
#include <errno.h>
#include <unistd.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>
#include <x86intrin.h>
#define MEM (2<<20)
static uint8_t*m;
static uint8_t* rd(const char*p,size_t*n){FILE*f=fopen(p,"rb");uint8_t*b=malloc(1<<20);*n=fread(b,1,1<<20,f);fclose(f);return b;}
static void seg(struct kvm_segment*s,uint16_t sel,int code){memset(s,0,sizeof*s);s->selector=sel;s->limit=0xffffffff;s->present=1;s->s=1;s->g=1;s->type=code?11:3;s->l=code;s->db=code?0:1;}
static uint64_t getmsr(int vc,uint32_t idx){struct {struct kvm_msrs h; struct kvm_msr_entry e[1];} ms={.h.nmsrs=1,.e[0]={.index=idx}}; int r=ioctl(vc,KVM_GET_MSRS,&ms); return r==1?ms.e[0].data:(uint64_t)-1;}
static int setmsr(int vc,uint32_t idx,uint64_t v){struct {struct kvm_msrs h; struct kvm_msr_entry e[1];} ms={.h.nmsrs=1,.e[0]={.index=idx,.data=v}}; return ioctl(vc,KVM_SET_MSRS,&ms);}
int main(){
 int k=open("/dev/kvm",O_RDWR);int vm=ioctl(k,KVM_CREATE_VM,0);
 printf("cap TSC_CONTROL %d VM_TSC_CONTROL %d GET_TSC_KHZ %d\n", ioctl(k,KVM_CHECK_EXTENSION,KVM_CAP_TSC_CONTROL), ioctl(k,KVM_CHECK_EXTENSION,KVM_CAP_VM_TSC_CONTROL), ioctl(k,KVM_CHECK_EXTENSION,KVM_CAP_GET_TSC_KHZ));
 if(getenv("VMKHZ")) printf("VM KVM_SET_TSC_KHZ %s: %d errno %d\n", getenv("VMKHZ"), ioctl(vm,KVM_SET_TSC_KHZ,strtoul(getenv("VMKHZ"),0,0)), errno);
 m=mmap(0,MEM,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE,-1,0);
 struct kvm_userspace_memory_region r={.slot=0,.guest_phys_addr=0,.memory_size=MEM,.userspace_addr=(uint64_t)m};
 ioctl(vm,KVM_SET_USER_MEMORY_REGION,&r);
 if(getenv("SLEEP")) usleep(atoi(getenv("SLEEP"))*1000);
 uint64_t hc=__rdtsc();
 int vc=ioctl(vm,KVM_CREATE_VCPU,0);
 printf("host tsc at vcpu create %llu; vcpu KVM_GET_TSC_KHZ %d\n",(unsigned long long)hc, ioctl(vc,KVM_GET_TSC_KHZ,0));
 int sz=ioctl(k,KVM_GET_VCPU_MMAP_SIZE,0);
 struct kvm_run*run=mmap(0,sz,PROT_READ|PROT_WRITE,MAP_SHARED,vc,0);
 struct {struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256];} cp={.c.nent=256};
 ioctl(k,KVM_GET_SUPPORTED_CPUID,&cp);
 if(ioctl(vc,KVM_SET_CPUID2,&cp))perror("cpuid");
 size_t n; uint8_t*g=rd("tsc-kernel.bin",&n); memcpy(m+0x1000,g,n); g=rd("tsc-user.bin",&n); memcpy(m+0x10000,g,n);
 uint64_t*pml4=(void*)(m+0x50000),*pdpt=(void*)(m+0x51000),*pd=(void*)(m+0x52000),*pt=(void*)(m+0x53000);
 pml4[0]=0x51000|7; pdpt[0]=0x52000|7; pd[0]=0x53000|7;
 for(int i=1;i<512;i++){uint64_t a=i*4096ULL; pt[i]=a|0x63|((a>=0x10000&&a<0x20000)?4:0);}
 uint64_t*gdt=(void*)(m+0x60000); gdt[2]=0x00af9a000000ffffULL; gdt[3]=0x00cf92000000ffffULL;
 uint64_t tss=0x61000; gdt[4]=0x00cffa000000ffffULL; gdt[5]=0x00cff2000000ffffULL; gdt[6]=0x00affa000000ffffULL; gdt[8]=0x67|((tss&0xffffff)<<16)|(0x8bULL<<40);
 struct kvm_sregs s; ioctl(vc,KVM_GET_SREGS,&s);
 s.gdt.base=0x60000;s.gdt.limit=79; seg(&s.cs,0x10,1); seg(&s.ds,0x18,0); s.es=s.fs=s.gs=s.ss=s.ds;
 memset(&s.tr,0,sizeof s.tr); s.tr.base=tss;s.tr.limit=0x67;s.tr.selector=0x40;s.tr.type=11;s.tr.present=1;
 s.cr3=0x50000; s.cr4=0x620; s.cr0=0x80050033; s.efer=0xd01;
 if(ioctl(vc,KVM_SET_SREGS,&s))perror("sregs");
 struct kvm_regs regs; memset(&regs,0,sizeof regs); regs.rflags=2; regs.rip=0x1000; regs.rsp=0x9000;
 ioctl(vc,KVM_SET_REGS,&regs);
 *(uint64_t*)(m+0x61000+4)=0x9000;
 if(getenv("GWR")) *(uint64_t*)(m+0x8100)=strtoull(getenv("GWR"),0,0);
 printf("before run: GET_MSRS TSC %llu (host %llu) TSC_ADJUST %lld\n",(unsigned long long)getmsr(vc,0x10),(unsigned long long)__rdtsc(),(long long)getmsr(vc,0x3b));
 if(getenv("SETTSC")) { int rr=setmsr(vc,0x10,strtoull(getenv("SETTSC"),0,0)); printf("SET_MSRS TSC=%s: %d; read back %llu\n",getenv("SETTSC"),rr,(unsigned long long)getmsr(vc,0x10)); }
 if(getenv("SETADJ")) { int rr=setmsr(vc,0x3b,strtoull(getenv("SETADJ"),0,0)); printf("SET_MSRS TSC_ADJUST=%s: %d; TSC read back %llu\n",getenv("SETADJ"),rr,(unsigned long long)getmsr(vc,0x10)); }
 { struct kvm_device_attr a={.group=KVM_VCPU_TSC_CTRL,.attr=KVM_VCPU_TSC_OFFSET}; int h=ioctl(vc,KVM_HAS_DEVICE_ATTR,&a); printf("HAS_DEVICE_ATTR TSC_OFFSET: %d errno %d\n",h,h?errno:0);
   uint64_t off=0; a.addr=(uint64_t)&off; int gr=ioctl(vc,KVM_GET_DEVICE_ATTR,&a); printf("GET TSC_OFFSET: %d offset %lld\n",gr,(long long)off);
   if(getenv("SETOFF")){ off=strtoll(getenv("SETOFF"),0,0); int sr=ioctl(vc,KVM_SET_DEVICE_ATTR,&a); printf("SET TSC_OFFSET %lld: %d errno %d; TSC read back %llu\n",(long long)off,sr,sr?errno:0,(unsigned long long)getmsr(vc,0x10)); } }
 if(getenv("KHZ")) printf("vcpu KVM_SET_TSC_KHZ %s: %d errno %d; GET %d\n", getenv("KHZ"), ioctl(vc,KVM_SET_TSC_KHZ,strtoul(getenv("KHZ"),0,0)), errno, ioctl(vc,KVM_GET_TSC_KHZ,0));
 for(;;){
  uint64_t hb=__rdtsc();
  if(ioctl(vc,KVM_RUN,0)<0){if(errno==EINTR)continue;perror("run");return 1;}
  uint64_t ha=__rdtsc();
  uint64_t*p=(void*)(m+0x8000);
  if(run->exit_reason==KVM_EXIT_IO){ int port=run->io.port; uint64_t v=port==0x10?p[0]:port==0x11?p[1]:p[2];
    printf("exit port %#x: guest kernel rdtsc %llu; host before run %llu after %llu; GET_MSRS TSC %llu\n",port,(unsigned long long)v,(unsigned long long)hb,(unsigned long long)ha,(unsigned long long)getmsr(vc,0x10));
    if(port==0x10 && getenv("SETTSC2")) { int rr=setmsr(vc,0x10,strtoull(getenv("SETTSC2"),0,0)); printf("  SET_MSRS TSC=%s after first run: %d; read back %llu\n",getenv("SETTSC2"),rr,(unsigned long long)getmsr(vc,0x10)); }
    continue; }
  uint64_t*u=(void*)(m+0x11000);
  printf("exit %d: user rdtsc %llu %llu; host before %llu after %llu; GET_MSRS TSC %llu\n",run->exit_reason,(unsigned long long)u[0],(unsigned long long)u[1],(unsigned long long)hb,(unsigned long long)ha,(unsigned long long)getmsr(vc,0x10));
  return 0;
 }
}
