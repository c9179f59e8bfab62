package dev.hyperlight.nanvix.hypervisor;

/** GDTR or IDTR. */
public record DescriptorTable(long base, int limit) {}
