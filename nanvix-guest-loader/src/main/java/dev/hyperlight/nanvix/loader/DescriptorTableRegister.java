package dev.hyperlight.nanvix.loader;

/** GDTR or IDTR: the table's linear (kernel virtual) address and its limit in bytes minus 1. */
public record DescriptorTableRegister(long base, int limit) {}
