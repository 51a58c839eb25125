package dev.beit3.api;

/**
 * Base class of every exception beit3-java throws on purpose. Messages name the problem, where it
 * was found, and the likely fix.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public class Beit3Exception extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what is wrong, where, and how to fix it
     */
    public Beit3Exception(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what is wrong, where, and how to fix it
     * @param cause the underlying failure
     */
    public Beit3Exception(String message, Throwable cause) {
        super(message, cause);
    }
}
