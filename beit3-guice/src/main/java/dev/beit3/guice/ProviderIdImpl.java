package dev.beit3.guice;

import java.lang.annotation.Annotation;
import java.util.Objects;

/**
 * An instance of {@link ProviderId}, with {@code equals}/{@code hashCode} as {@link Annotation} specifies so
 * that keys built here equal keys written as {@code @ProviderId("x")} in user code.
 */
final class ProviderIdImpl implements ProviderId {
    private final String value;

    ProviderIdImpl(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    @Override
    public String value() {
        return value;
    }

    @Override
    public Class<? extends Annotation> annotationType() {
        return ProviderId.class;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ProviderId && value.equals(((ProviderId) other).value());
    }

    @Override
    public int hashCode() {
        return (127 * "value".hashCode()) ^ value.hashCode(); // as java.lang.annotation.Annotation#hashCode
    }

    @Override
    public String toString() {
        return "@" + ProviderId.class.getName() + "(\"" + value + "\")";
    }
}
