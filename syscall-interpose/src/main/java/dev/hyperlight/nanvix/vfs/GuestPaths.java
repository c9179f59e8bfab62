package dev.hyperlight.nanvix.vfs;

import java.util.ArrayList;
import java.util.List;

/**
 * Lexical helpers for canonical guest paths: absolute, components separated by one {@code /}, no
 * {@code .} or {@code ..}, no trailing slash except for the root itself.
 */
public final class GuestPaths {

    public static final String ROOT = "/";

    private GuestPaths() {
    }

    public static boolean isCanonical(String path) {
        if (!path.startsWith(ROOT) || path.indexOf('\0') >= 0) {
            return false;
        }
        if (path.equals(ROOT)) {
            return true;
        }
        for (String name : path.substring(1).split("/", -1)) {
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** The non-empty components of {@code path}, {@code .} and {@code ..} included. */
    static List<String> components(String path) {
        List<String> names = new ArrayList<>();
        for (String name : path.split("/")) {
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }

    /** The last component of {@code path} as written ("" for "/"), ignoring trailing slashes. */
    public static String lastComponent(String path) {
        List<String> names = components(path);
        return names.isEmpty() ? "" : names.getLast();
    }

    static String parent(String canonical) {
        int slash = canonical.lastIndexOf('/');
        return slash <= 0 ? ROOT : canonical.substring(0, slash);
    }

    static String child(String directory, String name) {
        return directory.equals(ROOT) ? ROOT + name : directory + "/" + name;
    }

    /** Whether {@code path} is {@code ancestor} or lies below it. */
    public static boolean isWithin(String path, String ancestor) {
        return path.equals(ancestor) || ancestor.equals(ROOT) || path.startsWith(ancestor + "/");
    }

    /** The components of {@code path} below {@code ancestor} (which it must be within). */
    static List<String> below(String path, String ancestor) {
        return components(path.substring(ancestor.length()));
    }

    /** {@code path} moved from below {@code from} to below {@code to}; unchanged if not within. */
    public static String rebase(String path, String from, String to) {
        if (!isWithin(path, from)) {
            return path;
        }
        String rest = path.substring(from.equals(ROOT) ? 0 : from.length());
        return rest.isEmpty() ? to : to.equals(ROOT) ? rest : to + rest;
    }
}
