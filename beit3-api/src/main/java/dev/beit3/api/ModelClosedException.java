package dev.beit3.api;

/**
 * A call was made on a model that has been closed, or the model was closed while the call waited.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public class ModelClosedException extends Beit3Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, where, and how to fix it
     */
    public ModelClosedException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what is wrong, where, and how to fix it
     * @param cause the underlying failure
     */
    public ModelClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
