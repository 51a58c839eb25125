package dev.beit3.api;

/**
 * An input given to a model (image, text, tensor, option) is unusable; the message says which input and why. Distinguishes bad input from internal errors (e.g. for CLI exit codes).
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public class InvalidInputException extends Beit3Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, where, and how to fix it
     */
    public InvalidInputException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what is wrong, where, and how to fix it
     * @param cause the underlying failure
     */
    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
