package org.replicator.coordinator.store;

/**
 * A write the schema refused (duplicate key, missing reference, failed check). Nothing of the
 * transaction it belonged to was kept.
 */
public final class ConstraintViolation extends DatabaseException {
    private final String constraint;

    public ConstraintViolation(String message, String constraint, Throwable cause) {
        super(message, cause);
        this.constraint = constraint;
    }

    /** The name of the violated constraint or index, when PostgreSQL reported it. */
    public String constraint() {
        return constraint;
    }
}
