package dev.hyperlight.nanvix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of the README compiles against the library's classes (here, where
 * they are on the class path, as a user's are; hyperlight-core's own tests run on the module
 * path, where javax.tools is not readable): its leading
 * {@code import} lines as the imports, the rest as the body of a method that may throw anything.
 * So a snippet must bring its own imports and declare what it uses, as a reader copying it would.
 */
@Tag("no-vm") // runs without /dev/kvm too (scripts/nested-kvm/run-tests)
class ReadmeSnippetsTest {

    private static final Path README = Path.of("../README.md");

    @TempDir
    Path classes;

    /** A {@code ```java} block: where it starts in the README, and its lines. */
    record Snippet(int line, List<String> lines) {}

    static List<Snippet> snippets(List<String> readme) {
        List<Snippet> snippets = new ArrayList<>();
        List<String> current = null;
        int start = 0;
        for (int i = 0; i < readme.size(); i++) {
            String line = readme.get(i);
            if (current == null && line.strip().equals("```java")) {
                current = new ArrayList<>();
                start = i + 1;
            } else if (current != null && line.strip().equals("```")) {
                snippets.add(new Snippet(start, current));
                current = null;
            } else if (current != null) {
                current.add(line);
            }
        }
        assertThat(current).as("an unclosed ```java block at line " + start).isNull();
        return snippets;
    }

    /** {@code snippet} as the compilation unit of class {@code name}. */
    static String compilationUnit(String name, Snippet snippet) {
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        boolean inImports = true;
        for (String line : snippet.lines()) {
            if (inImports && (line.startsWith("import ") || line.isBlank())) {
                imports.append(line).append('\n');
            } else {
                inImports = false;
                body.append("        ").append(line).append('\n');
            }
        }
        return imports + "\nclass " + name + " {\n    static void snippet() throws Exception {\n" + body + "    }\n}\n";
    }

    @Test
    void everyJavaSnippetCompiles() throws IOException {
        List<Snippet> snippets = snippets(Files.readAllLines(README));
        assertThat(snippets).as("java blocks in the README").hasSizeGreaterThanOrEqualTo(2);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        for (int i = 0; i < snippets.size(); i++) {
            Snippet snippet = snippets.get(i);
            String name = "ReadmeSnippet" + snippet.line();
            String source = compilationUnit(name, snippet);
            JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + name + ".java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            };
            StringWriter errors = new StringWriter();
            boolean compiled = javac.getTask(errors, null, null,
                    List.of("-proc:none", "-d", classes.toString(), "-classpath", System.getProperty("java.class.path")),
                    null, List.of(file)).call();
            assertThat(compiled).as("the java block at README.md line %d:%n%s%n%s", snippet.line(), source, errors)
                    .isTrue();
        }
    }

    @Test
    void snippetsAreFoundAndWrapped() {
        List<Snippet> found = snippets(List.of("text", "```java", "import a.B;", "", "B.run();", "```", "```sh", "x", "```"));
        assertThat(found).containsExactly(new Snippet(2, List.of("import a.B;", "", "B.run();")));
        assertThat(compilationUnit("S", found.getFirst())).isEqualTo(
                "import a.B;\n\n\nclass S {\n    static void snippet() throws Exception {\n        B.run();\n    }\n}\n");
    }
}
