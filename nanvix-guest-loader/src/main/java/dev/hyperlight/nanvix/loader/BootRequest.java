package dev.hyperlight.nanvix.loader;

import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything the guest image is built from, except guest RAM itself.
 *
 * @param kernelElf the guest kernel ELF file
 * @param programElf the program's ELF file, copied into guest memory as bytes
 * @param execPath the path the program was started by (becomes {@code AT_EXECFN})
 * @param argv the program's arguments, {@code argv[0]} included
 * @param envp the program's environment, {@code NAME=value} entries
 * @param random 32 random bytes ({@code AT_RANDOM}, stack canary seed)
 * @param realtimeNs {@code CLOCK_REALTIME} in ns, read just before the first entry
 * @param tscKhz guest TSC frequency in kHz, 0 when unknown
 * @param stackSize bytes of user stack to reserve, whole pages
 * @param ioBufferSize bytes of the I/O buffer, whole pages, at most 1 MiB
 * @param startMessage whether the kernel waits for a start message after loading the program (a
 *     warm start's template: {@link BootInfo#FLAG_START_MESSAGE})
 * @param fastCalls the calls the host serves from the system-call door, one bit per number
 *     below {@link GuestAbi#FAST_CALL_LIMIT} ({@link BootInfo#fastCalls()}); all zero: none
 */
public record BootRequest(
        MemorySegment kernelElf,
        MemorySegment programElf,
        String execPath,
        List<String> argv,
        List<String> envp,
        byte[] random,
        long realtimeNs,
        long tscKhz,
        long stackSize,
        long ioBufferSize,
        boolean startMessage,
        long[] fastCalls) {

    public static final long DEFAULT_STACK_SIZE = 8L << 20;
    public static final long DEFAULT_IO_BUFFER_SIZE = GuestAbi.IO_BUFFER_MAX_SIZE;

    public BootRequest {
        Objects.requireNonNull(kernelElf, "kernelElf");
        Objects.requireNonNull(programElf, "programElf");
        Objects.requireNonNull(execPath, "execPath");
        argv = List.copyOf(argv);
        envp = List.copyOf(envp);
        if (random.length != BootInfo.RANDOM_SIZE) {
            throw new IllegalArgumentException("the boot random seed must be 32 bytes");
        }
        random = random.clone();
        if (tscKhz < 0) {
            throw new IllegalArgumentException("negative TSC frequency");
        }
        if (stackSize <= 0 || stackSize % GuestAbi.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("the stack size must be a positive multiple of 4 KiB");
        }
        if (fastCalls.length != BootInfo.FAST_CALLS_WORDS) {
            throw new IllegalArgumentException("the fast calls' bitmap must be " + BootInfo.FAST_CALLS_WORDS + " words");
        }
        fastCalls = fastCalls.clone();
    }

    @Override
    public long[] fastCalls() {
        return fastCalls.clone();
    }

    @Override
    public byte[] random() {
        return random.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: no environment, 8 MiB stack, 1 MiB I/O buffer, fresh random bytes, TSC unknown. */
    public static final class Builder {
        private MemorySegment kernelElf;
        private MemorySegment programElf;
        private String execPath;
        private List<String> argv = List.of();
        private List<String> envp = List.of();
        private byte[] random;
        private Long realtimeNs;
        private long tscKhz;
        private long stackSize = DEFAULT_STACK_SIZE;
        private long ioBufferSize = DEFAULT_IO_BUFFER_SIZE;
        private boolean startMessage;
        private long[] fastCalls = new long[BootInfo.FAST_CALLS_WORDS];

        private Builder() {}

        public Builder kernelElf(MemorySegment file) {
            this.kernelElf = file;
            return this;
        }

        /** Takes a copy of the bytes. */
        public Builder kernelElf(byte[] file) {
            return kernelElf(MemorySegment.ofArray(file.clone()));
        }

        public Builder programElf(MemorySegment file) {
            this.programElf = file;
            return this;
        }

        /** Takes a copy of the bytes. */
        public Builder programElf(byte[] file) {
            return programElf(MemorySegment.ofArray(file.clone()));
        }

        public Builder execPath(String path) {
            this.execPath = path;
            return this;
        }

        public Builder argv(List<String> arguments) {
            this.argv = arguments;
            return this;
        }

        public Builder envp(List<String> environment) {
            this.envp = environment;
            return this;
        }

        public Builder random(byte[] bytes) {
            this.random = bytes;
            return this;
        }

        public Builder realtimeNs(long nanos) {
            this.realtimeNs = nanos;
            return this;
        }

        public Builder tscKhz(long khz) {
            this.tscKhz = khz;
            return this;
        }

        public Builder stackSize(long bytes) {
            this.stackSize = bytes;
            return this;
        }

        public Builder ioBufferSize(long bytes) {
            this.ioBufferSize = bytes;
            return this;
        }

        /** Makes the kernel wait for a start message once it loaded the program. */
        public Builder startMessage(boolean waits) {
            this.startMessage = waits;
            return this;
        }

        /** The calls the host serves from the system-call door (default: none). */
        public Builder fastCalls(long[] bitmap) {
            this.fastCalls = bitmap.clone();
            return this;
        }

        /** Fills in fresh random bytes and the current time when they were not given. */
        public BootRequest build() {
            byte[] seed = random;
            if (seed == null) {
                seed = new byte[BootInfo.RANDOM_SIZE];
                new SecureRandom().nextBytes(seed);
            }
            long now = realtimeNs != null ? realtimeNs : currentRealtimeNs();
            return new BootRequest(kernelElf, programElf, execPath, argv, envp, seed, now,
                    tscKhz, stackSize, ioBufferSize, startMessage, fastCalls);
        }

        private static long currentRealtimeNs() {
            Instant now = Instant.now();
            return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L),
                    now.getNano());
        }
    }
}
