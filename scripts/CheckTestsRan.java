import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.reflect.AccessFlag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Fails the build when a compiled test class was never run. Surefire runs only the classes whose
 * names match its includes; a test class named otherwise would be skipped without a word. Every
 * concrete class in TEST_CLASSES that has a test method (JUnit Jupiter or jqwik), its own or
 * inherited from a class there, must have a surefire report written since BUILD_START.
 *
 * <p>Usage: {@code java CheckTestsRan.java TEST_CLASSES REPORTS BUILD_START} (an ISO-8601 instant).
 */
public final class CheckTestsRan {

    /** Annotations that make a method a test for the JUnit Platform engines the build uses. */
    private static final Set<String> TEST_ANNOTATIONS = Set.of(
            "Lorg/junit/jupiter/api/Test;",
            "Lorg/junit/jupiter/api/RepeatedTest;",
            "Lorg/junit/jupiter/api/TestFactory;",
            "Lorg/junit/jupiter/api/TestTemplate;",
            "Lorg/junit/jupiter/params/ParameterizedTest;",
            "Lnet/jqwik/api/Property;",
            "Lnet/jqwik/api/Example;");

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: java CheckTestsRan.java TEST_CLASSES REPORTS BUILD_START");
            System.exit(2);
        }
        Path classes = Path.of(args[0]);
        Path reports = Path.of(args[1]);
        Instant buildStart = Instant.parse(args[2]);
        Map<String, ClassModel> models = read(classes);
        Set<String> ran = ranSince(reports, buildStart);
        Set<String> neverRun = new TreeSet<>();
        for (ClassModel model : models.values()) {
            String name = javaName(model);
            if (isConcrete(model) && hasTests(model, models) && !ran.contains(topLevel(name))) {
                neverRun.add(name);
            }
        }
        if (!neverRun.isEmpty()) {
            System.err.println("[ERROR] test classes that surefire did not run (rename them to match the includes"
                    + " of maven-surefire-plugin in the parent pom.xml, or add a pattern there):");
            neverRun.forEach(name -> System.err.println("[ERROR]   " + name));
            System.exit(1);
        }
    }

    private static Map<String, ClassModel> read(Path classes) throws IOException {
        Map<String, ClassModel> models = new HashMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                ClassModel model = ClassFile.of().parse(file);
                models.put(model.thisClass().asInternalName(), model);
            }
        }
        return models;
    }

    /** The classes (top level) of the reports surefire wrote in this build: TEST-NAME.xml. */
    private static Set<String> ranSince(Path reports, Instant buildStart) throws IOException {
        Set<String> ran = new TreeSet<>();
        if (!Files.isDirectory(reports)) {
            return ran;
        }
        // The build start has whole seconds: a report of this build is not older than it.
        FileTime since = FileTime.from(buildStart);
        try (Stream<Path> files = Files.list(reports)) {
            for (Path report : files.toList()) {
                String file = report.getFileName().toString();
                if (file.startsWith("TEST-") && file.endsWith(".xml")
                        && Files.getLastModifiedTime(report).compareTo(since) >= 0) {
                    ran.add(topLevel(file.substring("TEST-".length(), file.length() - ".xml".length())));
                }
            }
        }
        return ran;
    }

    private static boolean isConcrete(ClassModel model) {
        return !model.flags().has(AccessFlag.ABSTRACT) && !model.flags().has(AccessFlag.INTERFACE);
    }

    /** Whether the class or a superclass among the test classes declares a test method. */
    private static boolean hasTests(ClassModel model, Map<String, ClassModel> models) {
        for (ClassModel current = model; current != null; current = current.superclass()
                .map(superclass -> models.get(superclass.asInternalName())).orElse(null)) {
            for (MethodModel method : current.methods()) {
                boolean test = method.findAttribute(Attributes.runtimeVisibleAnnotations()).stream()
                        .flatMap(annotations -> annotations.annotations().stream())
                        .anyMatch(annotation -> TEST_ANNOTATIONS.contains(annotation.className().stringValue()));
                if (test) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String javaName(ClassModel model) {
        return model.thisClass().asInternalName().replace('/', '.');
    }

    /** A nested class's tests are reported with, or as, its top-level class. */
    private static String topLevel(String name) {
        int dollar = name.indexOf('$');
        return dollar < 0 ? name : name.substring(0, dollar);
    }

    private CheckTestsRan() {}
}
