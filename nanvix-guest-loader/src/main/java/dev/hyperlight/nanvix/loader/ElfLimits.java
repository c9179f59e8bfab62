package dev.hyperlight.nanvix.loader;

/**
 * Where an ELF file's loadable segments may lie and how much memory they may take together.
 * Addresses of position-independent files are checked relative to a load base of 0, so
 * {@code lowestAddress} applies to fixed-address ({@code ET_EXEC}) files only.
 *
 * @param lowestAddress first address a fixed-address segment may use
 * @param addressLimit segments must end at or below this address
 * @param memoryLimit bytes of memory all segments may occupy, counted in whole pages
 */
public record ElfLimits(long lowestAddress, long addressLimit, long memoryLimit) {

    public ElfLimits {
        if (lowestAddress < 0 || addressLimit <= lowestAddress || memoryLimit <= 0) {
            throw new IllegalArgumentException("invalid ELF limits " + lowestAddress + ", "
                    + addressLimit + ", " + memoryLimit);
        }
    }

    /** A Linux program in a guest with {@code memorySize} bytes of RAM. */
    public static ElfLimits forProgram(long memorySize) {
        return new ElfLimits(GuestAbi.USER_BOTTOM, GuestAbi.USER_TOP, memorySize);
    }
}
