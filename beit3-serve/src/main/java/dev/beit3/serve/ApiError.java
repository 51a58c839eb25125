package dev.beit3.serve;

/**
 * A request the server refuses, answered as {@code {"error": …, "field": …, "fix": …}} with its HTTP status.
 */
final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String field;
    final String fix;
    final Integer retryAfterSeconds;

    ApiError(int status, String field, String message, String fix) {
        this(status, field, message, fix, null);
    }

    ApiError(int status, String field, String message, String fix, Integer retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
        this.fix = fix;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiError badRequest(String field, String message, String fix) {
        return new ApiError(400, field, message, fix);
    }
}
