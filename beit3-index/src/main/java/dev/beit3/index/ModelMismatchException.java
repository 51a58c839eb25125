package dev.beit3.index;

import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;

/** The index was built with another model than the one it is opened with. */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class ModelMismatchException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message both models and the fix
     */
    public ModelMismatchException(String message) {
        super(message);
    }
}
