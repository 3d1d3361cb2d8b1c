package org.replicator.coordinator.schedule;

/** A schedule that cannot be set or changed as asked; nothing was changed. */
public final class ScheduleRefused extends RuntimeException {
    public ScheduleRefused(String message) {
        super(message);
    }
}
