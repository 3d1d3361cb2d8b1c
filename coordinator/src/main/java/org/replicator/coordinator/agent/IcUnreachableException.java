package org.replicator.coordinator.agent;

import java.net.URI;

/** Nothing answered at the network's URL (refused, timed out, unknown host). */
public final class IcUnreachableException extends IcException {
    private final URI url;

    public IcUnreachableException(URI url, String detail, Throwable cause) {
        super("the IC network at " + url + " is unreachable (" + detail + "); check --network and that the"
                + " replica is running", cause);
        this.url = url;
    }

    public URI url() {
        return url;
    }
}
