package org.replicator.coordinator.funding;

/** The network's funding source cannot do what was asked; nothing was created or spent. */
public final class FundingUnavailable extends RuntimeException {
    public FundingUnavailable(String message) {
        super(message);
    }
}
