package dev.beit3.api;

/**
 * A plugin provider could not be found, instantiated or is ambiguous (two providers claim one id); the message lists what is available.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public class ProviderException extends Beit3Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, where, and how to fix it
     */
    public ProviderException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what is wrong, where, and how to fix it
     * @param cause the underlying failure
     */
    public ProviderException(String message, Throwable cause) {
        super(message, cause);
    }
}
