package dev.beit3.model;

/** The library version, for provenance. */
final class Version {
    static final String VALUE = "0.1.0-SNAPSHOT";

    private Version() {}
}
