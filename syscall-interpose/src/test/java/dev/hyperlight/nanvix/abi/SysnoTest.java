package dev.hyperlight.nanvix.abi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SysnoTest {

    @Test
    void forwardedCallsHaveTheirLinuxNumbers() {
        assertThat(Sysno.READ.number()).isZero();
        assertThat(Sysno.WRITE.number()).isEqualTo(1);
        assertThat(Sysno.CLOSE.number()).isEqualTo(3);
        assertThat(Sysno.LSEEK.number()).isEqualTo(8);
        assertThat(Sysno.IOCTL.number()).isEqualTo(16);
        assertThat(Sysno.PREAD64.number()).isEqualTo(17);
        assertThat(Sysno.PWRITE64.number()).isEqualTo(18);
        assertThat(Sysno.DUP.number()).isEqualTo(32);
        assertThat(Sysno.NANOSLEEP.number()).isEqualTo(35);
        assertThat(Sysno.FCNTL.number()).isEqualTo(72);
        assertThat(Sysno.FSYNC.number()).isEqualTo(74);
        assertThat(Sysno.FTRUNCATE.number()).isEqualTo(77);
        assertThat(Sysno.GETCWD.number()).isEqualTo(79);
        assertThat(Sysno.CHDIR.number()).isEqualTo(80);
        assertThat(Sysno.FCHDIR.number()).isEqualTo(81);
        assertThat(Sysno.GETDENTS64.number()).isEqualTo(217);
        assertThat(Sysno.OPENAT.number()).isEqualTo(257);
        assertThat(Sysno.MKDIRAT.number()).isEqualTo(258);
        assertThat(Sysno.NEWFSTATAT.number()).isEqualTo(262);
        assertThat(Sysno.UNLINKAT.number()).isEqualTo(263);
        assertThat(Sysno.READLINKAT.number()).isEqualTo(267);
        assertThat(Sysno.FACCESSAT.number()).isEqualTo(269);
        assertThat(Sysno.DUP3.number()).isEqualTo(292);
        assertThat(Sysno.RENAMEAT2.number()).isEqualTo(316);
        assertThat(Sysno.GETRANDOM.number()).isEqualTo(318);
        assertThat(Sysno.MSEAL.number()).isEqualTo(462);
    }

    @Test
    void numbersAreUniqueAndLookUpBothWays() {
        Set<Integer> seen = new HashSet<>();
        for (Sysno sysno : Sysno.values()) {
            assertThat(seen.add(sysno.number())).as(sysno.linuxName()).isTrue();
            assertThat(Sysno.of(sysno.number())).contains(sysno);
        }
        assertThat(Arrays.stream(Sysno.values()).filter(s -> s.number() <= 335)).hasSize(336);
        assertThat(Arrays.stream(Sysno.values()).filter(s -> s.number() >= 424)).hasSize(39);
    }

    @Test
    void unassignedNumbersHaveNoCall() {
        assertThat(Sysno.of(336)).isEmpty();
        assertThat(Sysno.of(423)).isEmpty();
        assertThat(Sysno.of(463)).isEmpty();
        assertThat(Sysno.of(-1)).isEmpty();
        assertThat(Sysno.of(1L << 32)).isEmpty();
    }

    @Test
    void namesAreTheLinuxNames() {
        assertThat(Sysno.NEWFSTATAT.linuxName()).isEqualTo("newfstatat");
        assertThat(Sysno._SYSCTL.linuxName()).isEqualTo("_sysctl");
        assertThat(Sysno.nameOf(257)).isEqualTo("openat");
        assertThat(Sysno.nameOf(400)).isEqualTo("syscall_400");
    }

    @Test
    void errnoValuesAreLinuxs() {
        assertThat(Errno.EPERM.code()).isEqualTo(1);
        assertThat(Errno.ENOENT.code()).isEqualTo(2);
        assertThat(Errno.EINTR.code()).isEqualTo(4);
        assertThat(Errno.EBADF.code()).isEqualTo(9);
        assertThat(Errno.EACCES.code()).isEqualTo(13);
        assertThat(Errno.EFAULT.code()).isEqualTo(14);
        assertThat(Errno.EBUSY.code()).isEqualTo(16);
        assertThat(Errno.EEXIST.code()).isEqualTo(17);
        assertThat(Errno.EXDEV.code()).isEqualTo(18);
        assertThat(Errno.ENOTDIR.code()).isEqualTo(20);
        assertThat(Errno.EISDIR.code()).isEqualTo(21);
        assertThat(Errno.EINVAL.code()).isEqualTo(22);
        assertThat(Errno.EMFILE.code()).isEqualTo(24);
        assertThat(Errno.ENOTTY.code()).isEqualTo(25);
        assertThat(Errno.ENOSPC.code()).isEqualTo(28);
        assertThat(Errno.ESPIPE.code()).isEqualTo(29);
        assertThat(Errno.EROFS.code()).isEqualTo(30);
        assertThat(Errno.ERANGE.code()).isEqualTo(34);
        assertThat(Errno.ENAMETOOLONG.code()).isEqualTo(36);
        assertThat(Errno.ENOSYS.code()).isEqualTo(38);
        assertThat(Errno.ENOTEMPTY.code()).isEqualTo(39);
        assertThat(Errno.ELOOP.code()).isEqualTo(40);
        assertThat(Errno.EOVERFLOW.code()).isEqualTo(75);
        assertThat(Errno.EILSEQ.code()).isEqualTo(84);
        assertThat(Errno.EOPNOTSUPP.code()).isEqualTo(95);
        assertThat(Errno.ENOSYS.result()).isEqualTo(-38L);
        assertThat(Errno.of(14)).contains(Errno.EFAULT);
        assertThat(Errno.of(41)).isEmpty();
        assertThat(Errno.of(0)).isEmpty();
    }
}
