package dev.beit3.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares how stable a public type of beit3-java is, in the manner of JUnit 5's {@code @API}.
 *
 * <p>{@link Status#STABLE} types keep source compatibility within a major version; {@link
 * Status#EXPERIMENTAL} types may change in any release; {@link Status#INTERNAL} types are public only
 * for technical reasons and must not be used outside the library.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD})
@Api(status = Api.Status.STABLE, since = "0.1.0")
public @interface Api {
    /** The stability of the annotated element. */
    Status status();

    /**
     * The version that introduced the element in its current form, e.g. {@code "0.1.0"}.
     *
     * @return the version
     */
    String since();

    /** Stability levels. */
    enum Status {
        /** Kept source compatible within a major version. */
        STABLE,
        /** May change in any release. */
        EXPERIMENTAL,
        /** Not for use outside beit3-java. */
        INTERNAL
    }
}
