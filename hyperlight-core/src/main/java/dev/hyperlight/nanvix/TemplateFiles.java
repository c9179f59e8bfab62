package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.SnapshotRefusedException;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import dev.hyperlight.nanvix.vmm.Template;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm-start templates saved in {@link RuntimeConfig#templateDirectory()}, so that another process
 * (the CLI's next run) starts warm from its first run. A file is named for its template's identity
 * and tagged with it: the kernel's digest, this library's version, and a digest of everything the
 * runtime's start-up depended on (the runtime, its image's files, the stub, the start-up
 * environment, the memory size; for an ELF program its bytes and, when it is dynamic, its base
 * image's files). Loading checks the file ({@link Hypervisor#loadSnapshot}) and
 * those tags; a file that fails is not used (its reason is logged), and the template made afresh
 * replaces it. Templates whose start-up reads mounts of the user's are not saved:
 * their files could change between processes unseen.
 *
 * <p>The directory is a cache: a template loaded is marked used (its modification time), and after
 * each save the least recently used templates beyond {@link #MAX_FILES} files or {@link
 * #MAX_BYTES} bytes are deleted, so that templates of images, kernels or settings no longer in use
 * do not pile up.
 */
final class TemplateFiles {

    /** The tag holding the digest of what a template's start-up depended on. */
    static final String IDENTITY_TAG = "template-identity";

    /** Most templates the directory keeps. */
    static final int MAX_FILES = 32;
    /** Most bytes of templates the directory keeps (a CPython template takes about 13 MB). */
    static final long MAX_BYTES = 512L << 20;

    /** The names this class gives its files: {@code KIND-IDENTITY.snapshot}. */
    private static final Pattern TEMPLATE_NAME =
            Pattern.compile("[a-z0-9]+-[0-9a-f]{32}\\.snapshot");

    private static final Logger LOG = LoggerFactory.getLogger(TemplateFiles.class);

    private final Path directory;
    private final Hypervisor hypervisor;
    private final Map<String, String> baseTags;
    private final Map<Path, String> imageStamps = new HashMap<>();

    TemplateFiles(Path directory, Hypervisor hypervisor, Map<String, String> baseTags) {
        this.directory = directory;
        this.hypervisor = hypervisor;
        this.baseTags = Map.copyOf(baseTags);
    }

    /** Where the template of {@code plan} for {@code command} lives, and the tags it must carry. */
    record Slot(Path file, Map<String, String> tags) {}

    /**
     * The slot of a template, or empty when it is not to be saved: its start-up reads user mounts,
     * or the policy intercepts calls with handlers of the caller's (code, which no digest names).
     */
    Optional<Slot> slot(WarmStart.StartPlan plan, GuestCommand command, RuntimeConfig config) {
        Optional<String> policy = policyStamp(config.syscallTable());
        if (!plan.templateMounts().isEmpty() || policy.isEmpty()) {
            return Optional.empty();
        }
        // The backend too: a kvm and an mshv template of the same start would otherwise share a file
        // and each refuse and replace the other's.
        List<String> parts = new ArrayList<>(List.of(plan.key().name(), command.executablePath(), hypervisor.name()));
        // A runtime's image, or a dynamic program's base image: what its start-up reads.
        if (command.runtimeMount().isPresent()) {
            Path image = command.runtimeMount().get().hostDir();
            Optional<String> stamp = imageStamp(image);
            if (stamp.isEmpty()) {
                return Optional.empty();
            }
            parts.addAll(List.of(image.toString(), stamp.get()));
        } else if (!(plan.key() instanceof WarmStart.ProgramKey)) {
            return Optional.empty();
        }
        parts.addAll(List.of(Long.toString(config.memorySize()), policy.get()));
        if (plan.key() instanceof WarmStart.ProgramKey program) {
            parts.add(program.sha256());
        }
        StringBuilder identity = new StringBuilder();
        parts.forEach(part -> identity.append(part).append('\0'));
        plan.templateArgv().forEach(argument -> identity.append(argument).append('\0'));
        identity.append('\0');
        // Sorted: the same variables in another order (a caller's Map.of) start the runtime alike.
        plan.templateEnvironment().stream().sorted().forEach(variable -> identity.append(variable).append('\0'));
        String digest = sha256(identity.toString().getBytes(StandardCharsets.UTF_8));
        Map<String, String> tags = new HashMap<>(baseTags);
        tags.put(IDENTITY_TAG, digest);
        return Optional.of(new Slot(directory.resolve(plan.key().name() + "-" + digest.substring(0, 32)
                + ".snapshot"), tags));
    }

    /** The template saved in {@code slot}, if one is there and passes every check. */
    Optional<Template> load(Slot slot) {
        if (!Files.isRegularFile(slot.file(), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        VmSnapshot snapshot;
        try {
            snapshot = hypervisor.loadSnapshot(slot.file(), slot.tags());
        } catch (SnapshotRefusedException e) {
            LOG.info("the saved template {} is not used: {}", slot.file(), e.getMessage());
            return Optional.empty();
        } catch (HypervisorException e) {
            LOG.info("the saved template {} could not be loaded: {}", slot.file(), e.getMessage());
            return Optional.empty();
        }
        try {
            Template template = Template.of(snapshot);
            markUsed(slot.file());
            return Optional.of(template);
        } catch (IllegalArgumentException e) {
            snapshot.close();
            LOG.info("the saved template {} is not used: {}", slot.file(), e.getMessage());
            return Optional.empty();
        }
    }

    /** Saves {@code template} in {@code slot} (atomically); a failure is logged, the run goes on. */
    void save(Template template, Slot slot) {
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            template.snapshot().save(slot.file());
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("the template could not be saved in {}: {}", slot.file(), e.getMessage());
            return;
        }
        prune(directory, MAX_FILES, MAX_BYTES);
    }

    private static void markUsed(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        } catch (IOException e) {
            LOG.debug("could not mark {} used: {}", file, e.getMessage());
        }
    }

    /**
     * Deletes the least recently used templates of {@code directory} beyond {@code maxFiles} files
     * or {@code maxBytes} bytes; files not named as templates are left alone. Best effort: another
     * process pruning or loading at the same time only makes a template be made again.
     */
    static void prune(Path directory, int maxFiles, long maxBytes) {
        record Saved(Path file, long size, long used) {}
        List<Saved> saved = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (!TEMPLATE_NAME.matcher(file.getFileName().toString()).matches()) {
                    continue;
                }
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                if (attributes.isRegularFile()) {
                    saved.add(new Saved(file, attributes.size(), attributes.lastModifiedTime().toMillis()));
                }
            }
        } catch (IOException e) {
            LOG.debug("templates in {} not pruned: {}", directory, e.getMessage());
            return;
        }
        saved.sort(Comparator.comparingLong(Saved::used).reversed());
        long bytes = 0;
        for (int i = 0; i < saved.size(); i++) {
            bytes += saved.get(i).size();
            if (i >= maxFiles || (i > 0 && bytes > maxBytes)) {
                try {
                    Files.deleteIfExists(saved.get(i).file());
                    LOG.debug("template {} deleted: least recently used", saved.get(i).file());
                } catch (IOException e) {
                    LOG.debug("template {} not deleted: {}", saved.get(i).file(), e.getMessage());
                }
            }
        }
    }

    /** The policy's decisions that differ from the defaults, or empty when one is an interceptor. */
    private static Optional<String> policyStamp(SyscallTable table) {
        Map<Syscall, SyscallAction> defaults = new HashMap<>();
        SyscallTable.defaults().entries().forEach(entry -> defaults.put(entry.syscall(), entry.action()));
        StringBuilder stamp = new StringBuilder();
        for (SyscallTable.Entry entry : table.entries()) {
            if (entry.action().equals(defaults.get(entry.syscall()))) {
                continue;
            }
            if (entry.action() instanceof SyscallAction.Intercept) {
                return Optional.empty();
            }
            stamp.append(entry.syscall().sysno().name()).append('=').append(entry.action()).append(';');
        }
        return Optional.of(stamp.toString());
    }

    /**
     * What identifies an image directory's contents cheaply: the path, size and modification time
     * of every entry (about a thousand for CPython), once per sandbox.
     */
    private synchronized Optional<String> imageStamp(Path image) {
        return Optional.ofNullable(imageStamps.computeIfAbsent(image, root -> {
            MessageDigest digest = sha256Digest();
            try (Stream<Path> entries = Files.walk(root)) {
                entries.sorted().forEach(entry -> {
                    try {
                        BasicFileAttributes attributes = Files.readAttributes(entry, BasicFileAttributes.class,
                                LinkOption.NOFOLLOW_LINKS);
                        digest.update((root.relativize(entry) + "\0" + attributes.size() + "\0"
                                + attributes.lastModifiedTime().toMillis() + "\0").getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (IOException | UncheckedIOException e) {
                LOG.info("templates of the image {} are not saved: {}", root, e.getMessage());
                return null;
            }
            return HexFormat.of().formatHex(digest.digest());
        }));
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256Digest().digest(bytes));
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
