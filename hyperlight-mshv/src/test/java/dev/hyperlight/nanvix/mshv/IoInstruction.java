package dev.hyperlight.nanvix.mshv;

/**
 * Part of the TEST HARNESS ({@link KvmMshvKernel}): an x86 port I/O instruction decoded from the
 * guest's code bytes, so that the harness can report the instruction length mshv's intercept
 * header carries, and RIP on the instruction, whether KVM's exit left RIP on it or past it.
 *
 * <p>Decoded: any legacy prefixes (operand size 0x66, address size 0x67, segment overrides, REP
 * 0xF2/0xF3, which {@code in}/{@code out} ignore), in 64-bit mode a REX prefix (it counts only
 * right before the opcode; with W the access is 32 bits, the most port I/O moves, as KVM's
 * instruction emulator treats it), then one of {@code in}/{@code out} with an 8-bit immediate
 * port (E4-E7) or the port in DX (EC-EF), or a string instruction {@code ins}/{@code outs}
 * (6C-6F). LOCK makes them undefined (#UD), so it decodes as no I/O instruction; so does anything
 * longer than the architectural 15 bytes. The harness checks every decoding against the exit KVM
 * reported (direction, size, port), so a misreading fails the run instead of passing unnoticed.
 *
 * @param length the instruction's length in bytes, prefixes included
 * @param out whether it writes to the port
 * @param size the access size in bytes: 1, 2 or 4
 * @param immediatePort the port in the instruction, or -1 when the port is DX
 * @param string whether it is {@code ins}/{@code outs}
 * @param rep whether a REP prefix is present (meaningful for string instructions only)
 */
record IoInstruction(int length, boolean out, int size, int immediatePort, boolean string, boolean rep) {

    static final int MAX_LENGTH = 15;

    /** The guest's code bytes by instruction pointer: 0-255, or -1 where none can be read. */
    @FunctionalInterface
    interface Code {
        int at(long rip);
    }

    /**
     * The code segment's mode: in 64-bit mode REX prefixes exist and operands default to 32 bits;
     * in 32-bit protected mode (CS.D set) operands default to 32 bits, in 16-bit code to 16.
     */
    record Mode(boolean longMode, boolean defaultOperand32) {
        static final Mode LONG = new Mode(true, true);
    }

    /** The I/O instruction starting at {@code rip}, or null if the bytes there are not one. */
    static IoInstruction decode(Code code, long rip, Mode mode) {
        boolean operandSizePrefix = false;
        boolean rep = false;
        boolean rexW = false; // a REX counts only right before the opcode
        for (int i = 0; i < MAX_LENGTH; i++) {
            int b = code.at(rip + i);
            if (mode.longMode() && (b & 0xf0) == 0x40) {
                rexW = (b & 0x08) != 0; // R, X and B name no register of these instructions
                continue;
            }
            switch (b) {
                case -1, 0xf0 -> { // unreadable; LOCK (#UD with in/out)
                    return null;
                }
                case 0x66 -> operandSizePrefix = true;
                case 0xf2, 0xf3 -> rep = true;
                case 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 -> {} // address size, segment overrides
                default -> {
                    int wide = rexW || mode.defaultOperand32() != operandSizePrefix ? 4 : 2;
                    return opcode(code, rip, i, b, (b & 1) == 0 ? 1 : wide, rep);
                }
            }
            rexW = false;
        }
        return null; // prefixes only: longer than any instruction may be
    }

    private static IoInstruction opcode(Code code, long rip, int at, int opcode, int size, boolean rep) {
        return switch (opcode) {
            case 0xe4, 0xe5, 0xe6, 0xe7 -> {
                int port = code.at(rip + at + 1);
                yield port < 0 || at + 2 > MAX_LENGTH ? null
                        : new IoInstruction(at + 2, opcode >= 0xe6, size, port, false, false);
            }
            case 0xec, 0xed, 0xee, 0xef -> new IoInstruction(at + 1, opcode >= 0xee, size, -1, false, false);
            case 0x6c, 0x6d, 0x6e, 0x6f -> new IoInstruction(at + 1, opcode >= 0x6e, size, -1, true, rep);
            default -> null;
        };
    }

    /** Whether this instruction makes the exit KVM reported: its direction, size and port ({@code dx}: DX then). */
    boolean makes(boolean out, int size, int port, long rdx) {
        int ownPort = immediatePort >= 0 ? immediatePort : (int) (rdx & 0xffff);
        return this.out == out && this.size == size && ownPort == port;
    }

    /**
     * The instruction at {@code rip} if it is one that makes the exit, else null: for an exit
     * where RIP is still on the instruction.
     */
    static IoInstruction at(Code code, long rip, Mode mode, boolean out, int size, int port, long rdx) {
        IoInstruction instruction = decode(code, rip, mode);
        return instruction != null && instruction.makes(out, size, port, rdx) ? instruction : null;
    }

    /**
     * The instruction that ends at {@code rip} and makes the exit, for an exit where KVM had
     * already moved RIP past it; null if no such instruction decodes. The shortest one wins:
     * instruction boundaries cannot be recovered backwards in general (bytes {@code 3e ee} are a
     * DS-prefixed {@code out dx, al}, or an {@code out dx, al} after an instruction whose last
     * byte is 0x3e), and compilers and assemblers put no redundant prefix before an
     * {@code in}/{@code out}. Either reading has the same end, so RIP after the VMM's completion
     * (start + length) is the same; only the reported start and length would differ.
     */
    static IoInstruction endingAt(Code code, long rip, Mode mode, boolean out, int size, int port, long rdx) {
        for (int length = 1; length <= MAX_LENGTH; length++) {
            IoInstruction instruction = at(code, rip - length, mode, out, size, port, rdx);
            if (instruction != null && instruction.length() == length) {
                return instruction;
            }
        }
        return null;
    }
}
