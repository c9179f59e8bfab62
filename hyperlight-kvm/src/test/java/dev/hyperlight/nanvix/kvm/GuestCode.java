package dev.hyperlight.nanvix.kvm;

import java.io.ByteArrayOutputStream;

/** Hand-assembled x86-64 machine code for test guests: one method per instruction form used. */
final class GuestCode {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private GuestCode emit(int... values) {
        for (int value : values) {
            bytes.write(value);
        }
        return this;
    }

    private GuestCode imm16(int value) {
        return emit(value & 0xff, value >>> 8 & 0xff);
    }

    private GuestCode imm32(int value) {
        return emit(value & 0xff, value >>> 8 & 0xff, value >>> 16 & 0xff, value >>> 24 & 0xff);
    }

    /** Bytes emitted so far, i.e. the offset of the next instruction. */
    int position() {
        return bytes.size();
    }

    byte[] bytes() {
        return bytes.toByteArray();
    }

    GuestCode movAl(int imm8) {
        return emit(0xb0, imm8 & 0xff);
    }

    GuestCode movAx(int imm16) {
        return emit(0x66, 0xb8).imm16(imm16);
    }

    GuestCode movEax(int imm32) {
        return emit(0xb8).imm32(imm32);
    }

    GuestCode movEcx(int imm32) {
        return emit(0xb9).imm32(imm32);
    }

    GuestCode movDx(int imm16) {
        return emit(0x66, 0xba).imm16(imm16);
    }

    /** {@code mov rax, imm32} (sign-extended). */
    GuestCode movRax(int imm32) {
        return emit(0x48, 0xc7, 0xc0).imm32(imm32);
    }

    /** {@code mov dword [rax], imm32}. */
    GuestCode storeDwordAtRax(int imm32) {
        return emit(0xc7, 0x00).imm32(imm32);
    }

    /** {@code inc dword [rax]}. */
    GuestCode incDwordAtRax() {
        return emit(0xff, 0x00);
    }

    /** {@code mov eax, dword [rax]}. */
    GuestCode loadDwordFromRax() {
        return emit(0x8b, 0x00);
    }

    /** {@code mov dword [rcx], eax}. */
    GuestCode storeEaxAtRcx() {
        return emit(0x89, 0x01);
    }

    /** {@code rdtsc}: EDX:EAX = the time-stamp counter. */
    GuestCode rdtsc() {
        return emit(0x0f, 0x31);
    }

    /** {@code mov ebx, edx}. */
    GuestCode movEbxEdx() {
        return emit(0x89, 0xd3);
    }

    /** {@code mov eax, ebx}. */
    GuestCode movEaxEbx() {
        return emit(0x89, 0xd8);
    }

    /** {@code fld qword [rax]}: an x87 load, which KVM's instruction emulator does not handle. */
    GuestCode fldQwordAtRax() {
        return emit(0xdd, 0x00);
    }

    GuestCode outImm8Al(int port) {
        return emit(0xe6, port & 0xff);
    }

    GuestCode outDxAl() {
        return emit(0xee);
    }

    GuestCode outDxAx() {
        return emit(0x66, 0xef);
    }

    GuestCode outDxEax() {
        return emit(0xef);
    }

    GuestCode inAlDx() {
        return emit(0xec);
    }

    GuestCode inAxDx() {
        return emit(0x66, 0xed);
    }

    GuestCode inEaxDx() {
        return emit(0xed);
    }

    GuestCode rdmsr() {
        return emit(0x0f, 0x32);
    }

    GuestCode decEcx() {
        return emit(0xff, 0xc9);
    }

    /** {@code jnz} back to {@code target} (an earlier {@link #position()}), short form. */
    GuestCode jnzBackTo(int target) {
        int displacement = target - (position() + 2);
        if (displacement < -128) {
            throw new IllegalArgumentException("jump target too far: " + displacement);
        }
        return emit(0x75, displacement & 0xff);
    }

    /** {@code jmp} back to {@code target} (an earlier {@link #position()}), short form. */
    GuestCode jmpBackTo(int target) {
        int displacement = target - (position() + 2);
        if (displacement < -128) {
            throw new IllegalArgumentException("jump target too far: " + displacement);
        }
        return emit(0xeb, displacement & 0xff);
    }

    /** {@code jmp $}: spins forever. */
    GuestCode spin() {
        return emit(0xeb, 0xfe);
    }

    GuestCode pushImm32(int imm32) {
        return emit(0x68).imm32(imm32);
    }

    GuestCode iretq() {
        return emit(0x48, 0xcf);
    }

    GuestCode hlt() {
        return emit(0xf4);
    }

    GuestCode ud2() {
        return emit(0x0f, 0x0b);
    }
}
