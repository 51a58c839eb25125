package dev.beit3.api;

/**
 * A checkpoint file could not be read, is malformed, refers to a forbidden pickle global, or does not fit the model being built (see the strict load report in the message).
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public class CheckpointException extends Beit3Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, where, and how to fix it
     */
    public CheckpointException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what is wrong, where, and how to fix it
     * @param cause the underlying failure
     */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
