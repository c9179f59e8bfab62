/* Lists what /dev/kvm offers that a paravirtual guest could use (see probe.c, docs/guest-abi.md). */
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
int main(){
 int k=open("/dev/kvm",O_RDWR); printf("KVM_GET_API_VERSION %d\n",ioctl(k,KVM_GET_API_VERSION,0));
 int vm=ioctl(k,KVM_CREATE_VM,0);
 printf("KVM_CHECK_EXTENSION 0..399, nonzero answers (cap=system fd/VM fd):");
 for(int c=0;c<400;c++){int a=ioctl(k,KVM_CHECK_EXTENSION,c),b=ioctl(vm,KVM_CHECK_EXTENSION,c); if(a>0||b>0)printf(" %d=%d/%d",c,a,b);}
 printf("\n");
 struct {struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256];} cp={.c.nent=256};
 int rc=ioctl(k,KVM_GET_SUPPORTED_CPUID,&cp); printf("GET_SUPPORTED_CPUID rc %d, %u leaves, the hypervisor ones:\n",rc,cp.c.nent);
 for(unsigned i=0;i<cp.c.nent;i++){struct kvm_cpuid_entry2*e=&cp.e[i]; if(e->function>=0x40000000&&e->function<0x40000200) printf(" leaf %#x.%u eax %#x ebx %#x ecx %#x edx %#x flags %#x\n",e->function,e->index,e->eax,e->ebx,e->ecx,e->edx,e->flags);}
 struct {struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256];} ce={.c.nent=256};
 int r=ioctl(k,KVM_GET_EMULATED_CPUID,&ce); printf("GET_EMULATED_CPUID rc %d nent %u\n",r,ce.c.nent);
 for(unsigned i=0;i<ce.c.nent&&r==0;i++){struct kvm_cpuid_entry2*e=&ce.e[i]; printf(" leaf %#x.%u eax %#x ebx %#x ecx %#x edx %#x\n",e->function,e->index,e->eax,e->ebx,e->ecx,e->edx);}
 struct {struct kvm_msr_list l; unsigned ix[2048];} ml={.l.nmsrs=2048};
 int rl=ioctl(k,KVM_GET_MSR_INDEX_LIST,&ml); printf("GET_MSR_INDEX_LIST rc %d, %u MSRs, the paravirtual ones:",rl,ml.l.nmsrs);
 for(unsigned i=0;i<ml.l.nmsrs;i++) if((ml.ix[i]>>16)==0x4b56||(ml.ix[i]>>16)==0x4000) printf(" %#x",ml.ix[i]);
 printf("\n");
 struct {struct kvm_msr_list l; unsigned ix[2048];} fl={.l.nmsrs=2048};
 int rf=ioctl(k,KVM_GET_MSR_FEATURE_INDEX_LIST,&fl); printf("GET_MSR_FEATURE_INDEX_LIST rc %d, %u MSRs:",rf,fl.l.nmsrs);
 for(unsigned i=0;i<fl.l.nmsrs;i++) printf(" %#x",fl.ix[i]);
 printf("\n");
 return 0;}
