package dev.hyperlight.nanvix.hypervisor;

/**
 * A saved vCPU state ({@link VirtualCpu#saveState()}), in the backend's own format: only the
 * backend that took it can load it.
 */
public interface CpuState {}
