package dev.hyperlight.nanvix.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * A test (class or method) about the in-process deployment only, with the reason; it does not run
 * when the suite runs multi-process ({@link Suite}): the build's multi-process pass leaves out its
 * tag (so it is not reported there as skipped), and the condition holds it back when the
 * deployment is chosen by hand ({@code -Dit.deployment=multi-process}). For what only one deployment has (this JVM's
 * own KVM descriptors, the mshv harness, the VMM below the sandbox API), not for a feature that
 * fails multi-process: that is a bug of the deployment.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(InProcessOnly.TAG)
@ExtendWith(InProcessOnly.Condition.class)
@interface InProcessOnly {

    /** The tag integration-tests/pom.xml's multi-process execution excludes. */
    String TAG = "in-process-only";

    /** Why the test holds for the in-process deployment only. */
    String value();

    final class Condition implements ExecutionCondition {

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Optional<InProcessOnly> only = context.getElement()
                    .flatMap(element -> AnnotationSupport.findAnnotation(element, InProcessOnly.class));
            if (only.isPresent() && Suite.multiProcess()) {
                return ConditionEvaluationResult.disabled("in-process only: " + only.get().value());
            }
            return ConditionEvaluationResult.enabled("runs in " + Suite.deployment());
        }
    }
}
