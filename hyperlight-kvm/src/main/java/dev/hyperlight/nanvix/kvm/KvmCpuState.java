package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hypervisor.CpuState;

/**
 * A KVM vCPU's state as the KVM structures hold it: {@code kvm_regs}, {@code kvm_sregs}, {@code
 * kvm_xsave}, {@code kvm_xcrs} (empty when KVM has none) and the MSRs KVM let us read.
 */
record KvmCpuState(byte[] regs, byte[] sregs, byte[] xsave, byte[] xcrs, int[] msrIndices, long[] msrValues)
        implements CpuState {}
