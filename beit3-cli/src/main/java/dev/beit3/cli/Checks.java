package dev.beit3.cli;

import dev.beit3.api.InvalidInputException;

/** Option value checks with messages naming the option. */
final class Checks {
    private Checks() {}

    /**
     * Requires a positive value.
     *
     * @param v the value
     * @param option the option name
     */
    static void positive(int v, String option) {
        if (v < 1) {
            throw new InvalidInputException(option + " must be at least 1, got " + v);
        }
    }
}
