package dev.hyperlight.nanvix.mshv.sys;

/**
 * Constants of the Hyper-V Top Level Functional Specification (TLFS) this backend uses: hypercall
 * codes and statuses, partition properties, register names, intercept message types. The UAPI
 * header does not carry them (they are the hypervisor's, not Linux's); TlfsLayoutTest checks them
 * against the values the specification documents.
 */
public final class hv_h {

    private hv_h() {}

    // Hypercall codes (HV_CALL_CODE) and the status of success
    public static final int HVCALL_SET_PARTITION_PROPERTY = 0x0045;
    public static final int HVCALL_GET_VP_REGISTERS = 0x0050;
    public static final int HVCALL_SET_VP_REGISTERS = 0x0051;
    public static final int HV_STATUS_SUCCESS = 0;

    /** An early partition property (set before initialization): the synthetic processor features. */
    public static final int HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES = 0x0001_0001;

    // Message types (HV_MESSAGE_TYPE)
    public static final int HVMSG_UNMAPPED_GPA = 0x8000_0000;
    public static final int HVMSG_GPA_INTERCEPT = 0x8000_0001;
    public static final int HVMSG_INVALID_VP_REGISTER_VALUE = 0x8000_0020;
    public static final int HVMSG_UNRECOVERABLE_EXCEPTION = 0x8000_0021;
    public static final int HVMSG_UNSUPPORTED_FEATURE = 0x8000_0022;
    public static final int HVMSG_X64_IO_PORT_INTERCEPT = 0x8001_0000;
    public static final int HVMSG_X64_HALT = 0x8001_0007;

    // HV_INTERCEPT_ACCESS_TYPE
    public static final int HV_INTERCEPT_ACCESS_READ = 0;
    public static final int HV_INTERCEPT_ACCESS_WRITE = 1;

    // Register names (HV_REGISTER_NAME), x64
    public static final int HV_X64_REGISTER_RAX = 0x0002_0000;
    public static final int HV_X64_REGISTER_RCX = 0x0002_0001;
    public static final int HV_X64_REGISTER_RDX = 0x0002_0002;
    public static final int HV_X64_REGISTER_RBX = 0x0002_0003;
    public static final int HV_X64_REGISTER_RSP = 0x0002_0004;
    public static final int HV_X64_REGISTER_RBP = 0x0002_0005;
    public static final int HV_X64_REGISTER_RSI = 0x0002_0006;
    public static final int HV_X64_REGISTER_RDI = 0x0002_0007;
    public static final int HV_X64_REGISTER_R8 = 0x0002_0008;
    public static final int HV_X64_REGISTER_R9 = 0x0002_0009;
    public static final int HV_X64_REGISTER_R10 = 0x0002_000A;
    public static final int HV_X64_REGISTER_R11 = 0x0002_000B;
    public static final int HV_X64_REGISTER_R12 = 0x0002_000C;
    public static final int HV_X64_REGISTER_R13 = 0x0002_000D;
    public static final int HV_X64_REGISTER_R14 = 0x0002_000E;
    public static final int HV_X64_REGISTER_R15 = 0x0002_000F;
    public static final int HV_X64_REGISTER_RIP = 0x0002_0010;
    public static final int HV_X64_REGISTER_RFLAGS = 0x0002_0011;
    public static final int HV_X64_REGISTER_CR0 = 0x0004_0000;
    public static final int HV_X64_REGISTER_CR2 = 0x0004_0001;
    public static final int HV_X64_REGISTER_CR3 = 0x0004_0002;
    public static final int HV_X64_REGISTER_CR4 = 0x0004_0003;
    public static final int HV_X64_REGISTER_CR8 = 0x0004_0004;
    public static final int HV_X64_REGISTER_XFEM = 0x0004_0005;
    public static final int HV_X64_REGISTER_ES = 0x0006_0000;
    public static final int HV_X64_REGISTER_CS = 0x0006_0001;
    public static final int HV_X64_REGISTER_SS = 0x0006_0002;
    public static final int HV_X64_REGISTER_DS = 0x0006_0003;
    public static final int HV_X64_REGISTER_FS = 0x0006_0004;
    public static final int HV_X64_REGISTER_GS = 0x0006_0005;
    public static final int HV_X64_REGISTER_LDTR = 0x0006_0006;
    public static final int HV_X64_REGISTER_TR = 0x0006_0007;
    public static final int HV_X64_REGISTER_IDTR = 0x0007_0000;
    public static final int HV_X64_REGISTER_GDTR = 0x0007_0001;
    public static final int HV_X64_REGISTER_TSC = 0x0008_0000;
    public static final int HV_X64_REGISTER_EFER = 0x0008_0001;
    public static final int HV_X64_REGISTER_KERNEL_GS_BASE = 0x0008_0002;
    public static final int HV_X64_REGISTER_APIC_BASE = 0x0008_0003;
    public static final int HV_X64_REGISTER_PAT = 0x0008_0004;
    public static final int HV_X64_REGISTER_STAR = 0x0008_0008;
    public static final int HV_X64_REGISTER_LSTAR = 0x0008_0009;
    public static final int HV_X64_REGISTER_CSTAR = 0x0008_000A;
    public static final int HV_X64_REGISTER_SFMASK = 0x0008_000B;
    public static final int HV_X64_REGISTER_TSC_AUX = 0x0008_007B;
}
