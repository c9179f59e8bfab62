package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.vmm.Template;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sandbox's warm-start templates, one per {@link WarmStart.TemplateKey}, made on first use by
 * one run while the others with the same key wait for it. A key whose template could not be made
 * is remembered (its runs start cold, and the reason is logged once). At most {@link
 * #MAX_TEMPLATES} are kept; the least recently used goes first. Closing a template never disturbs
 * the clones made from it.
 */
final class Templates implements AutoCloseable {

    /** Templates kept at once: each holds the RAM its runtime touched while starting. */
    static final int MAX_TEMPLATES = 8;

    private static final Logger LOG = LoggerFactory.getLogger(Templates.class);

    /** Makes the template of a key; empty (with the reason logged) when the runtime cannot have one. */
    @FunctionalInterface
    interface Maker {
        /** @param renewal whether it replaces one that served its {@code clonesPerTemplate} runs */
        Optional<Template> make(boolean renewal) throws SandboxException;
    }

    /**
     * The use of a template by one run, from before its clone is made until the run ends: a
     * template evicted or closed meanwhile is closed when its last lease is.
     */
    interface Lease extends AutoCloseable {
        Template template();

        @Override
        void close();
    }

    /** A kept template and its leases; closed once retired and no longer leased. */
    private static final class Held {
        private final Template template;
        private int leases;
        private long leased;
        private boolean retired;

        Held(Template template) {
            this.template = template;
        }

        synchronized Optional<Lease> lease() {
            if (retired) {
                return Optional.empty();
            }
            leases++;
            leased++;
            return Optional.of(new Lease() {
                private boolean released;

                @Override
                public Template template() {
                    return template;
                }

                @Override
                public void close() {
                    synchronized (Held.this) {
                        if (released) {
                            return;
                        }
                        released = true;
                        leases--;
                        closeIfUnused();
                    }
                }
            });
        }

        synchronized long leased() {
            return leased;
        }

        synchronized void retire() {
            retired = true;
            closeIfUnused();
        }

        private void closeIfUnused() {
            if (retired && leases == 0) {
                template.close();
            }
        }
    }

    private final Map<WarmStart.TemplateKey, CompletableFuture<Optional<Held>>> byKey =
            new LinkedHashMap<>(16, 0.75f, true);
    private final int clonesPerTemplate;
    /** Keys whose template served its runs: their next one is made anew, not loaded from disk. */
    private final Set<WarmStart.TemplateKey> renewing = new HashSet<>();
    private boolean closed;

    /** @param clonesPerTemplate how many runs a template serves before it is made anew; 0 for no bound */
    Templates(int clonesPerTemplate) {
        this.clonesPerTemplate = clonesPerTemplate;
    }

    /**
     * A lease of the template of {@code key}, made by {@code maker} if none was tried yet. Empty
     * when the key has none or this cache is closed.
     */
    Optional<Lease> get(WarmStart.TemplateKey key, Maker maker) throws SandboxException {
        CompletableFuture<Optional<Held>> future;
        boolean mine = false;
        boolean renewal = false;
        synchronized (this) {
            if (closed) {
                return Optional.empty();
            }
            future = byKey.get(key);
            if (future == null) {
                future = new CompletableFuture<>();
                byKey.put(key, future);
                mine = true;
                renewal = renewing.remove(key);
            }
        }
        if (mine) {
            try {
                Optional<Held> made = maker.make(renewal).map(Held::new);
                future.complete(made);
                keep(key, made);
            } catch (SandboxException | RuntimeException e) {
                // Not the key's fault (the host failed, the run was cancelled): the next run tries again.
                synchronized (this) {
                    byKey.remove(key, future);
                }
                future.complete(Optional.empty());
                throw e;
            }
        }
        Optional<Held> held = future.join();
        Optional<Lease> lease = held.flatMap(Held::lease);
        if (clonesPerTemplate > 0 && held.isPresent() && held.get().leased() >= clonesPerTemplate) {
            // Served its share: the next run of the key makes a new one (the leases still running keep this one).
            synchronized (this) {
                if (byKey.remove(key, future)) {
                    renewing.add(key);
                }
            }
            held.get().retire();
        }
        return lease;
    }

    /** After a template is made: closes it if the cache closed meanwhile, and evicts past the bound. */
    private void keep(WarmStart.TemplateKey key, Optional<Held> made) {
        List<Optional<Held>> evicted = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                made.ifPresent(Held::retire);
                return;
            }
            Iterator<Map.Entry<WarmStart.TemplateKey, CompletableFuture<Optional<Held>>>> oldest = byKey.entrySet().iterator();
            while (byKey.size() > MAX_TEMPLATES && oldest.hasNext()) {
                Map.Entry<WarmStart.TemplateKey, CompletableFuture<Optional<Held>>> entry = oldest.next();
                if (entry.getKey().equals(key) || !entry.getValue().isDone()) {
                    continue;
                }
                evicted.add(entry.getValue().join());
                oldest.remove();
            }
        }
        evicted.forEach(held -> held.ifPresent(Held::retire));
        if (!evicted.isEmpty()) {
            LOG.debug("templates: {} evicted to keep {}", evicted.size(), MAX_TEMPLATES);
        }
    }

    /** Retires every template: each is closed when the last run leasing it ends. */
    @Override
    public void close() {
        List<CompletableFuture<Optional<Held>>> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(byKey.values());
            byKey.clear();
        }
        for (CompletableFuture<Optional<Held>> future : all) {
            if (future.isDone()) {
                future.join().ifPresent(Held::retire);
            }
        }
    }
}
