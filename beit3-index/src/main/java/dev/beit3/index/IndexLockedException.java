package dev.beit3.index;

import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;

/** The index is being written by another live process (or another writer in this JVM). */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class IndexLockedException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is locked and what to do
     * @param cause Lucene's exception
     */
    public IndexLockedException(String message, Throwable cause) {
        super(message, cause);
    }
}
